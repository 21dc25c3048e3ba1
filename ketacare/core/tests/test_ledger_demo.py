"""The demo clinic's ledger agrees with all its sessions: the signed ones and today's session day."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketacare.demo import build_demo_clinic
from ketacare.dosing.models import DosingSession
from ketacare.ledger import selectors
from ketacare.ledger.models import Balance, Discrepancy, Entry

pytestmark = pytest.mark.django_db


def test_every_demo_session_draws_from_the_ledger_and_administers_exactly_its_delivered_dose() -> None:
    build_demo_clinic()
    started = DosingSession.objects.filter(patient__clinic__slug="riverside", started_at__isnull=False)
    signed = started.filter(signed_at__isnull=False)
    assert signed.count() > 10
    for session in started:
        account = selectors.session_account(session)
        assert account.drawn_mg >= session.dose_mg, session.chair
        if session.signed_at is not None or session.ended_at is not None:
            # Signed, or ended and waiting for the signature: nothing open, nothing holds it back.
            assert account.administered_mg == account.delivered_mg
            assert account.unaccounted_mg == 0
            assert account.problems == ()
            administration = Entry.objects.get(session=session, kind="administration")
            assert administration.delivered_mg == account.delivered_mg
    assert DosingSession.objects.filter(
        chair="Chair 4", ended_at__isnull=False, signed_at__isnull=True
    ).exists()
    # Today's session day: the one still infusing holds its draw open (fine while in progress); the
    # one whose infusion is over has administered its dose and wasted the rest.
    infusing = DosingSession.objects.get(chair="Chair 2")
    assert selectors.session_account(infusing).administered_mg == 0
    assert selectors.session_account(infusing).unaccounted_mg > 0
    monitoring = selectors.session_account(DosingSession.objects.get(chair="Room 3"))
    assert monitoring.administered_mg == monitoring.delivered_mg
    assert monitoring.unaccounted_mg == Decimal(0)
    assert not Entry.objects.filter(session__chair="Chair 1").exists()  # still in the checklist
    stored = {(b.lot_id, b.location_id): b.balance_mg for b in Balance.objects.all() if b.balance_mg}
    assert stored == {k: v for k, v in selectors.derived_balances().items() if v}
    assert Discrepancy.objects.filter(resolved_at__isnull=True).count() == 1


def test_the_demo_session_waiting_for_its_signature_can_be_signed() -> None:
    from ketacare.accounts.demo import DEMO_PASSWORD
    from ketacare.accounts.models import User
    from ketacare.dosing import services as dosing

    build_demo_clinic()
    waiting = DosingSession.objects.get(chair="Chair 4")
    prescriber = User.objects.get(username="prescriber")
    assert dosing.sign_session(by=prescriber, session=waiting, password=DEMO_PASSWORD).signed_at is not None
