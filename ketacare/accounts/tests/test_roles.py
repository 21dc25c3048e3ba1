"""docs/security.md's roles x actions table and accounts/roles.py say the same thing."""

from pathlib import Path

from ketacare.accounts.roles import PATIENT_SELF_ACTIONS, PERMISSIONS, Action, Role

DOC = Path(__file__).resolve().parents[3] / "docs" / "security.md"


def _table() -> dict[str, dict[str, str]]:
    lines = [line for line in DOC.read_text().splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if cells[0] in Action.values:
            rows[cells[0]] = dict(zip(header[1:], cells[1:], strict=True))
    return rows


def test_every_action_has_a_row_in_the_documented_matrix() -> None:
    assert set(_table()) == set(Action.values)


def test_the_documented_matrix_matches_the_code() -> None:
    for action, cells in _table().items():
        for role in Role:
            if role == Role.PATIENT:
                continue
            documented = cells[role.value] == "✔"
            assert documented == (role in PERMISSIONS[Action(action)]), (action, role)


def test_patients_act_only_on_their_own_record() -> None:
    assert all(Role.PATIENT not in roles for roles in PERMISSIONS.values())
    for action, cells in _table().items():
        documented = cells["patient"] == "own record"
        assert documented == (Action(action) in PATIENT_SELF_ACTIONS), action
