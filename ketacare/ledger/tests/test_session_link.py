"""The ledger and the session's infusion record agree: the administration recorded is exactly the
delivered dose computed from the infusion events, the rest of the draw is wasted or returned, and the
signature waits for both (the same numbers on the pages, the API and the sign check)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ketacare.dosing import services as dosing
from ketacare.ledger import selectors, services
from ketacare.ledger.models import Entry
from ketacare.ledger.tests.conftest import receive
from ketacare.plans.testing import signed_order

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


@pytest.fixture
def infusion(patient: Any, prescriber: Any, nurse: Any) -> Any:
    """Started 50 minutes ago; 50 mg/mL base; the pump ran at 1.2 mL/h for 30 minutes: 30 mg delivered
    (the order was 32.25 mg)."""
    planned = dosing.plan_session(
        by=prescriber,
        patient=patient,
        route="iv-infusion",
        dose_mg=Decimal("32.25"),
        duration_min=Decimal(40),
        order=signed_order(patient, route="iv-infusion", dose_mg=Decimal("32.25")),
    )
    began = timezone.now() - dt.timedelta(minutes=50)
    session = dosing.start_session(
        by=nurse,
        session=planned,
        consent_confirmed=True,
        fasting_confirmed=True,
        escort_confirmed=True,
        identity_identifiers=["full_name", "date_of_birth"],
        started_at=began,
    )
    session = dosing.prepare_dose(
        by=nurse,
        session=session,
        concentration_mg_per_ml=Decimal("50"),
        concentration_as="base",
        lot_number="K123",
        lot_expiry=dt.date.today() + dt.timedelta(days=365),
    )
    dosing.record_infusion_event(by=nurse, session=session, kind="start", rate_ml_h=Decimal("1.2"), at=began)
    return session


def _stop(session: Any, nurse: Any) -> None:
    dosing.record_infusion_event(
        by=nurse, session=session, kind="stop", at=session.started_at + dt.timedelta(minutes=30)
    )


def _entry(by: Any, kind: str, lot: Any, session: Any, mg: str, **extra: Any) -> Entry:
    return services.record_entry(by=by, kind=kind, lot=lot, quantity_mg=Decimal(mg), session=session, **extra)


def test_administration_is_refused_while_the_infusion_runs(stocked: Any, infusion: Any, nurse: Any) -> None:
    _entry(nurse, "draw", stocked, infusion, "50")
    with pytest.raises(ValidationError, match="still running: record its stop"):
        _entry(nurse, "administration", stocked, infusion, "30")
    account = selectors.session_account(infusion)
    assert account.delivered_final is False and account.delivered_mg and account.delivered_mg > 0


def test_administration_above_the_delivered_dose_is_refused_and_the_delivered_dose_is_recorded(
    stocked: Any, infusion: Any, nurse: Any
) -> None:
    _entry(nurse, "draw", stocked, infusion, "50")
    _stop(infusion, nurse)
    account = selectors.session_account(infusion)
    assert (account.ordered_mg, account.delivered_mg, account.delivered_from) == (
        Decimal("32.25"),
        Decimal("30.00"),
        "infusion_events",
    )
    assert account.to_administer_mg == Decimal("30.00")
    with pytest.raises(ValidationError, match=r"delivered 30 mg \(from its infusion events\)"):
        _entry(nurse, "administration", stocked, infusion, "32.25")  # the ordered dose, not the delivered
    entry = _entry(nurse, "administration", stocked, infusion, "30")
    assert entry.delivered_mg == Decimal("30.00")
    assert Entry.objects.filter(kind="administration").count() == 1


def test_a_waste_cannot_take_the_delivered_dose_still_to_record_as_administered(
    stocked: Any, infusion: Any, nurse: Any, prescriber: Any
) -> None:
    _entry(nurse, "draw", stocked, infusion, "50")
    _stop(infusion, nurse)
    witnessed = {"witness": prescriber, "witness_password": PASSWORD}
    with pytest.raises(ValidationError, match="at most 20 mg can be wasted"):
        _entry(nurse, "waste", stocked, infusion, "25", **witnessed)
    _entry(nurse, "waste", stocked, infusion, "20", **witnessed)
    _entry(nurse, "administration", stocked, infusion, "30")
    account = selectors.session_account(infusion)
    assert (account.drawn_mg, account.administered_mg, account.wasted_mg, account.unaccounted_mg) == (
        Decimal("50.00"),
        Decimal("30.00"),
        Decimal("20.00"),
        Decimal("0.00"),
    )
    assert account.problems == ()


def test_a_session_whose_administration_differs_from_the_delivered_dose_cannot_be_signed(
    stocked: Any, session: Any, nurse: Any, prescriber: Any
) -> None:
    # No infusion events: the session delivered its recorded dose (32.25 mg), which the ledger holds.
    _entry(nurse, "draw", stocked, session, "50")
    _entry(nurse, "administration", stocked, session, "25")
    _entry(nurse, "return", stocked, session, "25")
    assert selectors.unaccounted_by_lot(session) == {}  # the draw is accounted for...
    dosing.end_session(by=nurse, session=session, discharge_note="Steady, left with escort.")
    message = "25 mg administered, but the session delivered 32.25 mg \\(from the session's recorded dose\\)"
    with pytest.raises(ValidationError, match=message):
        dosing.sign_session(by=prescriber, session=session, password=PASSWORD)  # ...but not as given


def test_a_session_that_drew_nothing_in_a_clinic_keeping_a_ledger_cannot_be_signed(
    stocked: Any, infusion: Any, nurse: Any, prescriber: Any
) -> None:
    _stop(infusion, nurse)
    dosing.end_session(by=nurse, session=infusion, discharge_note="Steady, left with escort.")
    with pytest.raises(ValidationError, match="Nothing was drawn from the ledger"):
        dosing.sign_session(by=prescriber, session=infusion, password=PASSWORD)
    _entry(nurse, "draw", stocked, infusion, "30")
    with pytest.raises(ValidationError, match="not accounted for"):
        dosing.sign_session(by=prescriber, session=infusion, password=PASSWORD)


def test_a_salt_labelled_product_is_compared_in_mg_of_base(
    clinic: Any, clinic_admin: Any, safe: Any, infusion: Any, nurse: Any
) -> None:
    product = services.create_product(
        by=clinic_admin,
        clinic=clinic,
        name="Ketamine hydrochloride",
        strength_mg_per_ml=Decimal("50"),
        strength_basis="salt",
        container_ml=Decimal("10"),
    )
    lot = services.create_lot(
        by=clinic_admin, product=product, lot_number="S1", expires_on=dt.date.today() + dt.timedelta(days=99)
    )
    receive(clinic_admin, lot, safe)
    _entry(nurse, "draw", lot, infusion, "50")
    _stop(infusion, nurse)
    given = selectors.label_mg(Decimal("30.00"), product)  # 30 mg base as mg of the hydrochloride
    assert given > Decimal("34")
    _entry(nurse, "administration", lot, infusion, str(given))
    assert selectors.session_account(infusion).administered_mg == Decimal("30.00")


def test_record_session_use_administers_the_delivered_dose(
    stocked: Any, infusion: Any, nurse: Any, prescriber: Any
) -> None:
    _stop(infusion, nurse)
    entries = services.record_session_use(
        by=nurse,
        session=infusion,
        lot=stocked,
        drawn_mg=Decimal("40"),
        witness=prescriber,
        drawn_at=infusion.started_at - dt.timedelta(minutes=10),
        administered_at=infusion.started_at + dt.timedelta(minutes=35),
    )
    assert [(e.kind, e.quantity_mg) for e in entries] == [
        ("draw", Decimal("40")),
        ("administration", Decimal("30.000")),
        ("waste", Decimal("10.000")),
    ]


def test_a_draw_from_another_lot_than_the_prepared_dose_names_is_noted(
    product: Any, clinic_admin: Any, safe: Any, infusion: Any, nurse: Any
) -> None:
    other = services.create_lot(
        by=clinic_admin,
        product=product,
        lot_number="K999",
        expires_on=dt.date.today() + dt.timedelta(days=99),
    )
    receive(clinic_admin, other, safe)
    _entry(nurse, "draw", other, infusion, "50")
    assert selectors.session_account(infusion).notes == (
        "The prepared dose names lot K123; the ledger's draws are from lot K999. Check which vial was used.",
    )
