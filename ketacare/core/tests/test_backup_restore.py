"""`ketacare backup` and `ketacare restore` round-trip a real installation: the data, the secret and
audit keys and the checkpoints come back, and the audit chain verifies after the restore. SQLite runs
on a file in a fresh data folder; PostgreSQL on a scratch database beside the test database (pg_dump
and pg_restore must be installed: the test says so when they are not)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

KETACARE = [sys.executable, "-m", "ketacare.cli"]
SEED = """
import datetime as dt
from ketacare.accounts import services as accounts
from ketacare.accounts.models import Clinic
from ketacare.patients import services
clinic = Clinic.objects.create(name="Backup Clinic", slug="backup")
nurse = accounts.create_user(username="nurse", password="correct horse battery")
accounts.add_membership(user=nurse, clinic=clinic, role="nurse")
for i in range(3):
    services.register_patient(by=nurse, clinic=clinic, medical_record_number=f"B-{i}", given_name="Back",
        family_name=f"Up {i}", date_of_birth=dt.date(1980, 1, 1), sex_at_birth="unknown")
"""
COUNT_PATIENTS = "from ketacare.patients.models import Patient; print(Patient.objects.count())"


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*KETACARE, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def count_patients(env: dict[str, str]) -> str:
    return run(["manage", "shell", "--no-imports", "-c", COUNT_PATIENTS], env).stdout.strip().splitlines()[-1]


def _environment(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETACARE_") and k != "DATABASE_URL"}
    env["KETACARE_DATA_DIR"] = str(data_dir)
    env["KETACARE_REQUIRE_MFA"] = "0"
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _round_trip(tmp_path: Path, database_url: str | None, restore_url: str | None) -> None:
    source = _environment(tmp_path / "source", database_url)
    assert run(["manage", "migrate", "-v0"], source).returncode == 0
    built = run(["manage", "shell", "--no-imports", "-c", SEED], source)
    assert built.returncode == 0, built.stderr
    patients = count_patients(source)
    assert int(patients) > 0
    assert run(["audit", "checkpoint"], source).returncode == 0

    archive = tmp_path / "backup.tar"
    saved = run(["backup", str(archive)], source)
    assert saved.returncode == 0, saved.stderr
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600

    # A new machine: an empty data folder (and, on PostgreSQL, an empty database).
    target = _environment(tmp_path / "target", restore_url)
    restored = run(["restore", str(archive)], target)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "audit chain intact" in restored.stdout
    assert count_patients(target) == patients
    for key in ("secret_key", "audit_key"):
        assert (tmp_path / "target" / key).read_text() == (tmp_path / "source" / key).read_text()
    verified = run(["audit", "verify"], target)
    assert verified.returncode == 0, verified.stderr


def test_a_sqlite_installation_survives_backup_and_restore_with_its_chain_intact(tmp_path: Path) -> None:
    _round_trip(tmp_path, None, None)


def test_the_archive_holds_the_keys_without_which_the_data_cannot_be_read_or_verified(tmp_path: Path) -> None:
    import tarfile

    source = _environment(tmp_path / "source", None)
    assert run(["manage", "migrate", "-v0"], source).returncode == 0
    archive = tmp_path / "backup.tar"
    assert run(["backup", str(archive)], source).returncode == 0
    with tarfile.open(archive) as tar:
        assert {"secret_key", "audit_key", "manifest.json", "database.sqlite3"} <= set(tar.getnames())


@pytest.mark.django_db
def test_a_postgresql_installation_survives_backup_and_restore_with_its_chain_intact(tmp_path: Path) -> None:
    database = settings.DATABASES["default"]
    if not database["ENGINE"].endswith("postgresql"):
        pytest.skip("runs on the PostgreSQL pass (DATABASE_URL)")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore") and shutil.which("psql")):
        pytest.fail("pg_dump, pg_restore and psql are needed: apt-get install postgresql-client")
    host, port, user = database["HOST"] or "127.0.0.1", database["PORT"] or 5432, database["USER"]
    names = [f"kc_backup_{uuid.uuid4().hex[:8]}", f"kc_restore_{uuid.uuid4().hex[:8]}"]
    psql = ["psql", "-h", str(host), "-p", str(port), "-U", str(user), "-d", "postgres", "-qc"]
    env = dict(os.environ)
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    for name in names:
        subprocess.run([*psql, f"CREATE DATABASE {name}"], env=env, check=True, capture_output=True)
    try:
        urls = [f"postgres://{user}@{host}:{port}/{name}" for name in names]
        _round_trip(tmp_path, urls[0], urls[1])
    finally:
        for name in names:
            subprocess.run(
                [*psql, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], env=env, capture_output=True
            )
