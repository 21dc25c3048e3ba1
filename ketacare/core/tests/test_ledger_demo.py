"""The demo clinic's ledger agrees with all its sessions: the signed ones and today's session day."""

from __future__ import annotations

import pytest
from django.utils import timezone

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
    # Today's session day: a session in progress either still holds its whole draw open (fine while
    # in progress) or, its infusion over, has administered exactly its delivered dose and wasted the
    # rest. At least one holds its draw open; one ended is waiting for its signature.
    in_progress = started.filter(status="in_progress")
    assert in_progress.exists()
    held_open = 0
    for session in in_progress:
        account = selectors.session_account(session)
        if account.administered_mg:
            assert account.administered_mg == account.delivered_mg and account.unaccounted_mg == 0
        else:
            assert account.unaccounted_mg == account.drawn_mg > 0
            held_open += 1
    assert held_open >= 1
    assert started.filter(ended_at__isnull=False, signed_at__isnull=True).exists()
    assert not Entry.objects.filter(session__isnull=False, session__started_at__isnull=True).exists()
    stored = {(b.lot_id, b.location_id): b.balance_mg for b in Balance.objects.all() if b.balance_mg}
    assert stored == {k: v for k, v in selectors.derived_balances().items() if v}
    assert Discrepancy.objects.filter(resolved_at__isnull=True).count() == 1


def test_the_demo_session_waiting_for_its_signature_can_be_signed() -> None:
    from ketacare.accounts.demo import DEMO_PASSWORD
    from ketacare.accounts.models import User
    from ketacare.dosing import services as dosing

    build_demo_clinic()
    # Today's session day holds one session waiting for its signature (the esketamine sessions of the
    # monitoring-form demo, days ago, may wait too).
    waiting = (
        DosingSession.objects.filter(ended_at__isnull=False, signed_at__isnull=True)
        .order_by("-ended_at")
        .first()
    )
    assert waiting is not None and timezone.localdate(waiting.ended_at) == timezone.localdate()
    prescriber = User.objects.get(username="prescriber")
    assert dosing.sign_session(by=prescriber, session=waiting, password=DEMO_PASSWORD).signed_at is not None
