"""Flag codes are defined once (instruments.FlagCode) and used everywhere by name."""

from __future__ import annotations

import ast
from pathlib import Path

from ketacare.instruments import FlagCode, list_instruments, score

KETACARE = Path(__file__).resolve().parents[2]


def test_no_module_spells_a_flag_code_as_a_string() -> None:
    codes = {code.value for code in FlagCode}
    spelled = []
    for path in KETACARE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts or path.name == "model.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in codes:
                spelled.append(f"{path.relative_to(KETACARE)}:{node.lineno}")
    assert spelled == []


def test_an_item9_answer_raises_the_named_suicide_risk_flag() -> None:
    result = score("phq-9", [0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert [flag.code for flag in result.flags] == [FlagCode.SUICIDE_RISK]


def test_the_catalogue_loads_with_flag_codes_from_the_core() -> None:
    assert list_instruments()
