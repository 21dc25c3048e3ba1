"""The demo clinic's ledger agrees with its sessions."""

from __future__ import annotations

import pytest

from ketacare.demo import build_demo_clinic
from ketacare.dosing.models import DosingSession
from ketacare.ledger import selectors
from ketacare.ledger.models import Balance, Discrepancy, Entry

pytestmark = pytest.mark.django_db


def test_every_demo_session_is_administered_from_the_ledger_and_fully_accounted_for() -> None:
    build_demo_clinic()
    # The signed sessions; today's session day in progress (ketacare.dosing.demo.build_today) is built
    # after the ledger and draws nothing yet.
    sessions = DosingSession.objects.filter(patient__clinic__slug="riverside", signed_at__isnull=False)
    assert sessions.exists()
    for session in sessions:
        administered = sum(
            e.quantity_mg for e in Entry.objects.filter(session=session, kind="administration")
        )
        assert administered == session.dose_mg
        assert selectors.unaccounted_by_lot(session) == {}
    stored = {(b.lot_id, b.location_id): b.balance_mg for b in Balance.objects.all() if b.balance_mg}
    assert stored == {k: v for k, v in selectors.derived_balances().items() if v}
    assert Discrepancy.objects.filter(resolved_at__isnull=True).count() == 1
