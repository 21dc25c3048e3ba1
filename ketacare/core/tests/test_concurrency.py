"""Many clinicians writing at once: no deadlock, no "database is locked", nothing lost or doubled.

Each worker is a thread with its own database connection, calling the real API with its own bearer
token through Django's test client (the whole request path: authentication, services, audit). The
data are committed (transactional database), so the threads really contend for the same rows.

PostgreSQL: every transaction takes the audit chain's lock first (ketacare/audit/writer_lock.py).
SQLite: the mixed-writer test cannot run on pytest-django's test database, an in-memory database
in shared-cache mode, whose table locks fail at once ("database table is locked") and ignore the busy
timeout; no installation uses that mode. The last test instead runs 20 writer threads against a real
SQLite file in a subprocess (scripts/concurrent_writers.py), as an installation would.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from ketacare.accounts import services as accounts
from ketacare.audit import triggers
from ketacare.audit.models import AuditEvent
from ketacare.audit.selectors import verify_chain
from ketacare.plans.testing import signed_order

ROUNDS = 6  # requests per worker


@pytest.fixture
def triggers_back(django_db_blocker: Any) -> Iterator[None]:
    """Set up before the transactional database, so its teardown runs after the flush: puts the
    append-only triggers back for the tests that follow."""
    yield
    with django_db_blocker.unblock():
        triggers.install(connection)


@pytest.fixture
def committed(triggers_back: None, transactional_db: None) -> Iterator[None]:
    """Committed data; the audit triggers are lifted at the end so the database can be emptied."""
    triggers.install(connection)
    yield
    triggers.remove(connection)


def _call(client: Client, token: str, method: str, path: str, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/{path}"
    if method == "get":
        return client.get(url, headers=headers)
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def _run_parallel(jobs: list[Callable[[], list[int]]]) -> list[int]:
    """Run every job in its own thread (its own connection); return every status code."""
    statuses: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(jobs))

    def run(job: Callable[[], list[int]]) -> None:
        try:
            barrier.wait()
            result = job()
            with lock:
                statuses.extend(result)
        except BaseException as exc:  # a crash in a worker must fail the test, not vanish
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    assert errors == []
    return statuses


def _started_session(nurse: Any, patient: Any) -> Any:
    from ketacare.dosing import services

    session = services.plan_session(
        by=nurse,
        patient=patient,
        route="iv-infusion",
        dose_mg=Decimal("30"),
        order=signed_order(patient, route="iv-infusion", dose_mg=Decimal("30")),
    )
    return services.start_session(
        by=nurse,
        session=session,
        consent_confirmed=True,
        fasting_confirmed=True,
        escort_confirmed=True,
        identity_identifiers=["full_name", "date_of_birth"],
    )


def _token(user: Any) -> str:
    return accounts.create_api_token(user=user, name="concurrency")[1]


def test_mixed_writers_on_one_patient_one_session_and_one_clinic_lose_nothing_and_never_fail(
    committed: None, clinic: Any, nurse: Any, prescriber: Any, patient: Any
) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("in-memory shared-cache SQLite has table locks without a busy timeout (see above)")
    from ketacare.dosing.models import SideEffect, VitalSign
    from ketacare.outcomes.models import LabResult, SubstanceUseDay
    from ketacare.patients.models import BodyMeasurement, Patient

    session = _started_session(nurse, patient)
    before_events = AuditEvent.objects.count()
    before_patients = Patient.objects.count()
    today = timezone.localdate()

    def vitals(token: str) -> Callable[[], list[int]]:
        def job() -> list[int]:
            client = Client()
            body = {"systolic_mmhg": 120, "diastolic_mmhg": 80, "heart_rate_per_min": 70, "spo2_percent": 98}
            return [
                _call(client, token, "post", f"sessions/{session.pk}/vitals", body).status_code
                for _ in range(ROUNDS)
            ]

        return job

    def side_effects(token: str) -> Callable[[], list[int]]:
        def job() -> list[int]:
            client = Client()
            body = {"kind": "nausea", "severity": "mild"}
            return [
                _call(client, token, "post", f"sessions/{session.pk}/side-effects", body).status_code
                for _ in range(ROUNDS)
            ]

        return job

    def use_days(token: str, offset: int) -> Callable[[], list[int]]:
        def job() -> list[int]:
            client = Client()
            out = []
            for i in range(ROUNDS):
                day = today - dt.timedelta(days=offset * ROUNDS + i + 1)
                body = {"day": day.isoformat(), "substance": "cannabis", "used": i % 2 == 0}
                out.append(
                    _call(client, token, "post", f"patients/{patient.pk}/substance-use", body).status_code
                )
            return out

        return job

    def same_day(token: str) -> Callable[[], list[int]]:
        """Several reports of the SAME day: each replaces the one before; exactly one stays live."""

        def job() -> list[int]:
            client = Client()
            body = {"day": today.isoformat(), "substance": "alcohol", "used": False}
            return [
                _call(client, token, "post", f"patients/{patient.pk}/substance-use", body).status_code
                for _ in range(ROUNDS)
            ]

        return job

    def measurements(token: str) -> Callable[[], list[int]]:
        def job() -> list[int]:
            client = Client()
            return [
                _call(
                    client, token, "post", f"patients/{patient.pk}/measurements", {"weight_kg": "70.5"}
                ).status_code
                for _ in range(ROUNDS)
            ]

        return job

    def lab_results(token: str) -> Callable[[], list[int]]:
        def job() -> list[int]:
            client = Client()
            body = {
                "kind": "urine-tox",
                "substance": "cannabis",
                "positive": False,
                "collected_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
            }
            return [
                _call(client, token, "post", f"patients/{patient.pk}/substance-use/tests", body).status_code
                for _ in range(ROUNDS)
            ]

        return job

    def registrations(token: str, worker: int) -> Callable[[], list[int]]:
        def job() -> list[int]:
            client = Client()
            out = []
            for i in range(ROUNDS):
                body = {
                    "medical_record_number": f"C-{worker}-{i}",
                    "given_name": "Parallel",
                    "family_name": f"Patient {worker}-{i}",
                    "date_of_birth": "1980-01-01",
                    "sex_at_birth": "unknown",
                }
                out.append(_call(client, token, "post", "patients", body).status_code)
            return out

        return job

    def reads(token: str) -> Callable[[], list[int]]:
        def job() -> list[int]:
            client = Client()
            return [_call(client, token, "get", f"patients/{patient.pk}").status_code for _ in range(ROUNDS)]

        return job

    n, p = _token(nurse), _token(prescriber)
    jobs = [
        vitals(n),
        vitals(p),
        side_effects(n),
        use_days(n, 0),
        use_days(p, 1),
        same_day(n),
        same_day(p),
        measurements(p),
        lab_results(n),
        registrations(n, 0),
        registrations(p, 1),
        reads(p),
    ]
    statuses = _run_parallel(jobs)

    assert statuses.count(500) == 0
    assert sorted(set(statuses)) in ([200, 201], [201]), statuses
    writes = sum(1 for s in statuses if s == 201)
    assert writes == (len(jobs) - 1) * ROUNDS
    assert VitalSign.objects.filter(session=session).count() == 2 * ROUNDS
    assert SideEffect.objects.filter(session=session).count() == ROUNDS
    assert BodyMeasurement.objects.filter(patient=patient).count() == ROUNDS + 1  # + the registration's
    assert LabResult.objects.filter(patient=patient).count() == ROUNDS
    days = SubstanceUseDay.objects.filter(patient=patient, substance="cannabis")
    assert days.count() == 2 * ROUNDS
    assert days.values("day").distinct().count() == 2 * ROUNDS  # none doubled
    same = SubstanceUseDay.objects.filter(patient=patient, substance="alcohol", day=today)
    assert same.count() == 2 * ROUNDS
    assert same.filter(entered_in_error=False).count() == 1
    assert Patient.objects.count() == before_patients + 2 * ROUNDS
    assert AuditEvent.objects.count() > before_events + writes
    report = verify_chain()
    assert report.ok, report.problem


def test_twenty_writers_on_a_sqlite_file_wait_their_turn_instead_of_failing(tmp_path: Path) -> None:
    """Immediate transactions (the write lock taken at BEGIN) and a busy timeout: on a real SQLite
    file (not the test run's shared in-memory database) 20 concurrent writers all succeed."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["KETACARE_DATA_DIR"] = str(tmp_path)
    run = functools.partial(subprocess.run, env=env, capture_output=True, text=True, timeout=300, check=False)
    migrated = run([sys.executable, "manage.py", "migrate", "-v0"], cwd=settings.BASE_DIR)
    assert migrated.returncode == 0, migrated.stderr
    result = run([sys.executable, "scripts/concurrent_writers.py", "20"], cwd=settings.BASE_DIR)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "20 concurrent writers: 0 failed, 0 problems" in result.stdout
