"""Two people recording at the same moment lose nothing: parallel vital writers on one session, each in
its own connection (threads), all readings stored and every alert raised once. Real on PostgreSQL
(row locks); on SQLite the writers are serialised by the database lock and the test still holds."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections

from ketacare.dosing import services
from ketacare.dosing.models import SessionAlert, VitalSign
from ketacare.plans.testing import signed_order

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = 6


@pytest.fixture(autouse=True)
def _lift_audit_triggers_for_the_flush() -> Any:
    """A transactional test empties the database afterwards; the append-only audit table refuses
    that unless its triggers are lifted for the flush (as the browser fixture does)."""
    from ketacare.audit import triggers

    yield
    triggers.remove(connection)


EACH = 4


def test_parallel_vital_writers_on_one_session_lose_nothing(
    nurse, prescriber, clinic_admin, clinic, patient
) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers with one database lock; run with DATABASE_URL=postgres://...")
    services.update_session_settings(by=clinic_admin, clinic=clinic, heart_rate_above_per_min=110)
    session = services.plan_session(
        by=nurse,
        patient=patient,
        route="im",
        dose_mg=Decimal("30"),
        order=signed_order(patient, route="im", dose_mg=Decimal("30")),
    )
    services.start_session(
        by=nurse,
        session=session,
        consent_confirmed=True,
        fasting_confirmed=True,
        escort_confirmed=True,
        identity_identifiers=["full_name", "date_of_birth"],
    )
    barrier = threading.Barrier(WRITERS)
    failures: list[BaseException] = []

    def write(index: int) -> None:
        try:
            barrier.wait()
            for n in range(EACH):
                services.record_vital_sign(
                    by=nurse if index % 2 else prescriber,
                    session=session,
                    systolic_mmhg=120 + index,
                    diastolic_mmhg=70 + n,
                    heart_rate_per_min=115,  # every reading alerts
                    spo2_percent=97,
                )
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    stored = VitalSign.objects.filter(session=session)
    assert stored.count() == WRITERS * EACH
    assert {(v.systolic_mmhg, v.diastolic_mmhg) for v in stored} == {
        (120 + i, 70 + n) for i in range(WRITERS) for n in range(EACH)
    }
    assert SessionAlert.objects.filter(session=session, code="heart-rate-high").count() == WRITERS * EACH
