"""The `ketacare` command end to end, on a fresh embedded database, and the seeded demo clinic."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from ketacare.accounts.models import ApiToken, Membership, User
from ketacare.cli import main
from ketacare.demo import build_demo_clinic
from ketacare.patients.models import Patient

KETACARE = str(Path(sys.executable).with_name("ketacare"))
LIST_PATIENTS = (
    "from ketacare.patients.models import Patient as P; "
    "print([p.medical_record_number + ' ' + str(p) for p in P.objects.order_by('id')])"
)


def run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KETACARE_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    return subprocess.run([KETACARE, *args], env=env, capture_output=True, text=True, timeout=300)


def test_help_lists_the_commands(capsys) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("serve", "demo", "audit verify", "token create", "pk", "instruments"):
        assert command in out


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("ketacare-data")
    assert run(["manage", "migrate", "-v", "0"], data_dir).returncode == 0
    built = run(["demo"], data_dir)
    assert built.returncode == 0, built.stderr
    assert "prescriber" in built.stdout and "ketacare-demo" in built.stdout
    return data_dir


def test_audit_verify_passes_on_a_fresh_demo_and_fails_after_tampering(demo_database, tmp_path) -> None:
    intact = run(["audit", "verify"], demo_database)
    assert intact.returncode == 0, intact.stderr
    assert "intact" in intact.stdout

    copy = tmp_path / "ketacare.sqlite3"
    with sqlite3.connect(demo_database / "ketacare.sqlite3") as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with sqlite3.connect(copy) as db:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("UPDATE audit_auditevent SET action = 'x' WHERE id = 5")
        db.execute("DROP TRIGGER audit_event_no_update")
        db.execute("UPDATE audit_auditevent SET action = 'x' WHERE id = 5")
    (tmp_path / "secret_key").write_text((demo_database / "secret_key").read_text())
    (tmp_path / "audit_key").write_text((demo_database / "audit_key").read_text())  # keys the chain
    broken = run(["audit", "verify"], tmp_path)
    assert broken.returncode != 0
    assert "BROKEN at event 5" in broken.stderr


def test_token_create_prints_a_token_once_and_unknown_users_get_one_clear_line(demo_database) -> None:
    created = run(["token", "create", "nurse"], demo_database)
    assert created.returncode == 0 and created.stdout.startswith("kc_")
    unknown = run(["token", "create", "nobody"], demo_database)
    assert unknown.returncode != 0
    assert "No active user named 'nobody'" in unknown.stderr and "Traceback" not in unknown.stderr


def test_the_demo_clinic_is_the_same_on_every_run(demo_database, db) -> None:
    build_demo_clinic()
    here = [f"{p.medical_record_number} {p}" for p in Patient.objects.order_by("id")]
    there = run(["manage", "shell", "-c", LIST_PATIENTS], demo_database)
    assert there.stdout.strip().splitlines()[-1] == str(here)


def test_the_demo_has_every_role_and_about_twenty_patients(db) -> None:
    build_demo_clinic()
    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert roles == {
        "prescriber": "prescriber",
        "nurse": "nurse",
        "therapist": "therapist",
        "clinicadmin": "clinic_admin",
        "researcher": "researcher",
        "outsider": "prescriber",
        "patient": "patient",
    }
    assert Patient.objects.filter(clinic__slug="riverside").count() == 20
    substances = set(Patient.objects.values_list("substance_use_disorders__substance", flat=True))
    assert {"alcohol", "opioids", "cocaine", "amphetamines"} <= substances
    assert User.objects.get(username="patient").patient_record.clinic.slug == "riverside"


def test_building_the_demo_twice_changes_nothing(db) -> None:
    assert build_demo_clinic() is True
    count = Patient.objects.count()
    assert build_demo_clinic() is False
    assert Patient.objects.count() == count


def test_token_command_stores_only_a_hash(nurse, capsys) -> None:
    call_command("token", "create", "nurse")
    plain = capsys.readouterr().out.strip()
    assert plain.startswith("kc_")
    assert not ApiToken.objects.filter(token_hash=plain).exists()
