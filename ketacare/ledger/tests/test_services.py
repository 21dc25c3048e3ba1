"""The ledger's rules, through the real services and database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ketacare.audit.models import AuditEvent
from ketacare.dosing import services as dosing
from ketacare.ledger import selectors, services
from ketacare.ledger.models import Balance, Discrepancy, Entry, LossReport
from ketacare.ledger.tests.conftest import receive

pytestmark = pytest.mark.django_db


def _balances_equal_entries() -> None:
    derived = selectors.derived_balances()
    stored = {(b.lot_id, b.location_id): b.balance_mg for b in Balance.objects.all()}
    assert {k: v for k, v in stored.items() if v} == {k: v for k, v in derived.items() if v}


def test_a_receipt_adds_to_the_balance_which_equals_the_sum_of_entries(stocked: Any, safe: Any) -> None:
    assert selectors.balance_mg(stocked) == Decimal("5000")
    entry = Entry.objects.get(kind="receipt")
    assert entry.quantity_ml == Decimal("100")
    _balances_equal_entries()


def test_draw_administer_and_waste_account_for_the_session(
    stocked: Any, session: Any, nurse: Any, prescriber: Any
) -> None:
    services.record_entry(by=nurse, kind="draw", lot=stocked, quantity_mg=Decimal("50"), session=session)
    assert selectors.balance_mg(stocked) == Decimal("4950")
    assert selectors.unaccounted_problems(session)
    services.record_entry(
        by=nurse, kind="administration", lot=stocked, quantity_mg=Decimal("32.25"), session=session
    )
    services.record_entry(
        by=nurse,
        kind="waste",
        lot=stocked,
        quantity_mg=Decimal("17.75"),
        session=session,
        witness=prescriber,
        witness_password="correct horse battery",
    )
    assert selectors.unaccounted_problems(session) == []
    assert selectors.balance_mg(stocked) == Decimal("4950")
    assert Entry.objects.get(kind="waste").witness_method == "password"
    _balances_equal_entries()


def test_a_return_puts_the_drawn_amount_back_in_stock(stocked: Any, session: Any, nurse: Any) -> None:
    services.record_entry(by=nurse, kind="draw", lot=stocked, quantity_mg=Decimal("500"), session=session)
    services.record_entry(by=nurse, kind="return", lot=stocked, quantity_mg=Decimal("500"), session=session)
    assert selectors.balance_mg(stocked) == Decimal("5000")
    assert selectors.unaccounted_by_lot(session) == {}


def test_a_draw_above_the_balance_is_refused_and_nothing_is_saved(
    stocked: Any, session: Any, nurse: Any
) -> None:
    before = Entry.objects.count()
    with pytest.raises(ValidationError, match="Only 5000 mg of lot K123"):
        services.record_entry(
            by=nurse, kind="draw", lot=stocked, quantity_mg=Decimal("5000.001"), session=session
        )
    assert Entry.objects.count() == before
    assert selectors.balance_mg(stocked) == Decimal("5000")


def test_a_waste_without_the_witness_the_clinic_requires_is_refused(
    stocked: Any, session: Any, nurse: Any
) -> None:
    services.record_entry(by=nurse, kind="draw", lot=stocked, quantity_mg=Decimal("50"), session=session)
    with pytest.raises(ValidationError, match="needs a witness"):
        services.record_entry(by=nurse, kind="waste", lot=stocked, quantity_mg=Decimal("10"), session=session)


def test_the_witness_must_be_another_person(stocked: Any, session: Any, nurse: Any) -> None:
    services.record_entry(by=nurse, kind="draw", lot=stocked, quantity_mg=Decimal("50"), session=session)
    with pytest.raises(ValidationError, match="another person"):
        services.record_entry(
            by=nurse, kind="waste", lot=stocked, quantity_mg=Decimal("10"), session=session, witness=nurse
        )


def test_a_witness_must_be_a_credentialed_clinician_with_the_right_password(
    stocked: Any, session: Any, nurse: Any, therapist: Any, prescriber: Any
) -> None:
    services.record_entry(by=nurse, kind="draw", lot=stocked, quantity_mg=Decimal("50"), session=session)
    with pytest.raises(ValidationError, match="may not witness"):
        services.record_entry(
            by=nurse, kind="waste", lot=stocked, quantity_mg=Decimal("10"), session=session, witness=therapist
        )
    with pytest.raises(ValidationError, match="password is not correct"):
        services.record_entry(
            by=nurse,
            kind="waste",
            lot=stocked,
            quantity_mg=Decimal("10"),
            session=session,
            witness=prescriber,
            witness_password="wrong",
        )


def test_a_clinic_may_turn_its_witness_policy_off(
    stocked: Any, session: Any, nurse: Any, clinic: Any, clinic_admin: Any
) -> None:
    services.update_settings(
        by=clinic_admin,
        clinic=clinic,
        registration_number="",
        count_frequency="shift",
        waste_requires_witness=False,
    )
    services.record_entry(by=nurse, kind="draw", lot=stocked, quantity_mg=Decimal("50"), session=session)
    services.record_entry(by=nurse, kind="waste", lot=stocked, quantity_mg=Decimal("50"), session=session)
    assert selectors.unaccounted_by_lot(session) == {}


def test_an_expired_lot_cannot_be_drawn(
    product: Any, safe: Any, clinic_admin: Any, session: Any, nurse: Any
) -> None:
    lot = services.create_lot(
        by=clinic_admin, product=product, lot_number="OLD", expires_on=dt.date.today() + dt.timedelta(days=1)
    )
    receive(clinic_admin, lot, safe)
    lot.expires_on = dt.date.today() - dt.timedelta(days=1)
    lot.save()
    with pytest.raises(ValidationError, match="expired"):
        services.record_entry(by=nurse, kind="draw", lot=lot, quantity_mg=Decimal("50"), session=session)
    # Its destruction is still recorded, with a witness and a reason.
    services.record_entry(
        by=clinic_admin,
        kind="destruction",
        lot=lot,
        quantity_mg=Decimal("5000"),
        witness=nurse,
        reason="Expired",
    )
    assert selectors.balance_mg(lot) == 0


def test_an_entry_dated_in_the_future_is_refused(stocked: Any, session: Any, nurse: Any) -> None:
    with pytest.raises(ValidationError, match="future"):
        services.record_entry(
            by=nurse,
            kind="draw",
            lot=stocked,
            quantity_mg=Decimal("5"),
            session=session,
            occurred_at=timezone.now() + dt.timedelta(hours=1),
        )


def test_administration_cannot_exceed_what_was_drawn(stocked: Any, session: Any, nurse: Any) -> None:
    services.record_entry(by=nurse, kind="draw", lot=stocked, quantity_mg=Decimal("50"), session=session)
    with pytest.raises(ValidationError, match="not yet accounted for"):
        services.record_entry(
            by=nurse, kind="administration", lot=stocked, quantity_mg=Decimal("50.5"), session=session
        )


def test_a_session_cannot_be_signed_while_its_draw_is_unaccounted_for(
    stocked: Any, session: Any, nurse: Any, prescriber: Any
) -> None:
    services.record_entry(by=nurse, kind="draw", lot=stocked, quantity_mg=Decimal("50"), session=session)
    dosing.end_session(by=nurse, session=session, discharge_note="Steady, left with escort.")
    with pytest.raises(ValidationError, match="not accounted for"):
        dosing.sign_session(by=prescriber, session=session, password="correct horse battery")
    services.record_entry(
        by=nurse, kind="administration", lot=stocked, quantity_mg=Decimal("32.25"), session=session
    )
    services.record_entry(by=nurse, kind="return", lot=stocked, quantity_mg=Decimal("17.75"), session=session)
    signed = dosing.sign_session(by=prescriber, session=session, password="correct horse battery")
    assert signed.signed_at is not None
    with pytest.raises(ValidationError, match="signed"):
        services.record_entry(by=nurse, kind="draw", lot=stocked, quantity_mg=Decimal("5"), session=session)


def test_a_wrong_entry_is_reversed_by_a_new_one_and_stays(stocked: Any, clinic_admin: Any) -> None:
    receipt = Entry.objects.get(kind="receipt")
    reversal = services.reverse_entry(by=clinic_admin, entry=receipt, reason="Entered against the wrong lot")
    assert reversal.reverses == receipt
    assert Entry.objects.filter(pk=receipt.pk).exists()
    assert selectors.balance_mg(stocked) == 0
    with pytest.raises(ValidationError, match="already reversed"):
        services.reverse_entry(by=clinic_admin, entry=receipt, reason="again")
    _balances_equal_entries()


def test_a_transfer_moves_stock_between_locations(stocked: Any, safe: Any, cart: Any, nurse: Any) -> None:
    services.record_entry(
        by=nurse, kind="transfer", lot=stocked, quantity_mg=Decimal("1000"), location=safe, to_location=cart
    )
    assert selectors.balance_mg(stocked, safe) == Decimal("4000")
    assert selectors.balance_mg(stocked, cart) == Decimal("1000")
    _balances_equal_entries()


def test_a_loss_tracks_the_one_business_day_notice(stocked: Any, clinic_admin: Any) -> None:
    entry = services.record_entry(
        by=clinic_admin,
        kind="loss",
        lot=stocked,
        quantity_mg=Decimal("500"),
        reason="Vial missing at count",
        loss_kind="theft",
    )
    report = LossReport.objects.get(entry=entry)
    assert report.notice_due_on > timezone.localdate(entry.occurred_at)
    services.record_loss_notice(
        by=clinic_admin, report=report, notice_sent_at=timezone.now(), form_106_reference="F106-1"
    )
    report.refresh_from_db()
    assert report.notice_sent_at is not None


def test_a_count_that_disagrees_opens_a_discrepancy_an_administrator_resolves(
    stocked: Any, safe: Any, nurse: Any, clinic_admin: Any
) -> None:
    count = services.record_count(
        by=nurse, location=safe, kind="scheduled", counted_mg={stocked: Decimal("4500")}
    )
    discrepancy = Discrepancy.objects.get(line__count=count)
    assert discrepancy.is_open
    with pytest.raises(PermissionDenied):
        services.resolve_discrepancy(by=nurse, discrepancy=discrepancy, reason="x", adjust=True)
    services.resolve_discrepancy(
        by=clinic_admin, discrepancy=discrepancy, reason="Vial broken, not recorded", adjust=True
    )
    assert selectors.balance_mg(stocked) == Decimal("4500")
    _balances_equal_entries()


def test_a_count_must_cover_every_lot_in_the_location(stocked: Any, safe: Any, nurse: Any) -> None:
    with pytest.raises(ValidationError, match="missing K123"):
        services.record_count(by=nurse, location=safe, kind="scheduled", counted_mg={})


def test_roles_outside_the_ledger_are_refused(stocked: Any, session: Any, therapist: Any, nurse: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.record_entry(
            by=therapist, kind="draw", lot=stocked, quantity_mg=Decimal("5"), session=session
        )
    with pytest.raises(PermissionDenied):
        receive(nurse, stocked, stocked.balances.first().location)


def test_the_audit_detail_holds_ids_and_codes_but_no_quantities(
    stocked: Any, session: Any, nurse: Any, safe: Any
) -> None:
    services.record_entry(by=nurse, kind="draw", lot=stocked, quantity_mg=Decimal("50"), session=session)
    event = AuditEvent.objects.filter(action="ledger.draw").get()
    assert event.patient_id == session.patient_id
    assert event.detail == {"kind": "draw", "lot": stocked.pk, "location": safe.pk, "session": session.pk}


def test_the_ledger_registers_its_sign_check_with_dosing_once() -> None:
    from ketacare.dosing import sign_checks

    assert sign_checks._checks.count(selectors.session_problems) == 1
    sign_checks.register(selectors.unaccounted_problems)
    assert sign_checks._checks.count(selectors.session_problems) == 1


def test_a_reversed_draw_no_longer_holds_the_signature_back(
    stocked: Any, session: Any, nurse: Any, clinic_admin: Any
) -> None:
    draw = services.record_entry(
        by=nurse, kind="draw", lot=stocked, quantity_mg=Decimal("50"), session=session
    )
    services.reverse_entry(by=clinic_admin, entry=draw, reason="Drawn against the wrong session")
    assert selectors.unaccounted_problems(session) == []
    assert selectors.balance_mg(stocked) == Decimal("5000")


def test_a_receipt_without_a_location_goes_to_the_safe(
    lot: Any, cart: Any, safe: Any, clinic_admin: Any
) -> None:
    entry = services.record_entry(
        by=clinic_admin,
        kind="receipt",
        lot=lot,
        quantity_mg=Decimal("500"),
        receipt=services.Receipt(supplier_name="Acme", invoice_number="I-4", received_on=dt.date.today()),
    )
    assert entry.location == safe
