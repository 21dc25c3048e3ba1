"""Twenty clinicians drawing from one lot at once, on PostgreSQL: the balance stays exact and never
goes below zero; the draws that do not fit are refused cleanly (ValidationError, a 400), none fails
with a deadlock or a database error."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from ketacare.dosing import services as dosing
from ketacare.ledger import selectors, services
from ketacare.ledger.models import Balance, Entry
from ketacare.ledger.tests.conftest import receive
from ketacare.plans.testing import signed_order

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks under real concurrency need PostgreSQL"
)

DRAWERS = 20
DRAW_MG = Decimal("300")  # 20 x 300 mg = 6000 mg asked of a 5000 mg lot: 16 fit, 4 must be refused


@pytest.fixture
def committed_db(transactional_db: None) -> Any:
    """Real commits; the append-only audit table is lifted afterwards so the database can be emptied."""
    from ketacare.audit import triggers

    triggers.install(connection)
    yield
    triggers.remove(connection)


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_draws_leave_the_balance_exact_and_never_negative(
    committed_db: None, lot: Any, safe: Any, clinic_admin: Any, patient: Any, prescriber: Any, nurse: Any
) -> None:
    receive(clinic_admin, lot, safe)
    sessions = []
    for _ in range(DRAWERS):
        planned = dosing.plan_session(
            by=prescriber,
            patient=patient,
            route="iv-infusion",
            dose_mg=Decimal("30"),
            order=signed_order(patient, route="iv-infusion", dose_mg=Decimal("30")),
        )
        sessions.append(planned)
    barrier = threading.Barrier(DRAWERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def draw(session: Any) -> None:
        try:
            barrier.wait()
            services.record_entry(
                by=nurse, kind="draw", lot=lot, location=safe, quantity_mg=DRAW_MG, session=session
            )
            result = "drawn"
        except ValidationError:
            result = "refused"
        except Exception as exc:  # noqa: BLE001  (any other error is the failure this test looks for)
            result = f"error: {type(exc).__name__}: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=draw, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(set(outcomes)) == ["drawn", "refused"], outcomes
    drawn = outcomes.count("drawn")
    assert drawn == 16
    balance = Balance.objects.get(lot=lot, location=safe).balance_mg
    assert balance == Decimal("5000") - drawn * DRAW_MG >= 0
    assert selectors.derived_balances()[(lot.pk, safe.pk)] == balance
    assert Entry.objects.filter(kind="draw").count() == drawn
