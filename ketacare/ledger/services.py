"""Every write to the ledger: atomic, checked against the actor's role, audited (ids and codes only).

Locks are always taken in one order, and before the audit write (whose PostgreSQL advisory lock
comes last): the dosing session row, then the entry being reversed or the discrepancy being
resolved, then the balance rows sorted by (lot id, location id). Concurrent writers therefore
queue instead of deadlocking, and a balance is read, checked and changed under its own row lock,
so twenty clinicians drawing from one lot at once leave it exact and never below zero.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Action, role_may
from ketacare.accounts.selectors import may_administer_ketamine, require_in_clinic, role_in
from ketacare.audit.actions import AuditAction
from ketacare.audit.services import record_event
from ketacare.dosing.models import DosingSession
from ketacare.ledger import selectors
from ketacare.ledger.models import (
    TEXT_MAX,
    Balance,
    Count,
    CountLine,
    Discrepancy,
    Entry,
    LedgerSettings,
    LossReport,
    Lot,
    Product,
    StorageLocation,
)
from ketacare.ledger.selectors import settings_of
from ketacare.records import save_checked
from ketacare.rules import controlled_substances as cs

K = Entry.Kind
# Who may record each kind (accounts/roles.py, docs/security.md).
KIND_ACTION: dict[str, Action] = {
    K.RECEIPT: Action.LEDGER_RECEIVE,
    K.DESTRUCTION: Action.LEDGER_RECEIVE,
    K.LOSS: Action.LEDGER_RECEIVE,
    K.REVERSAL: Action.LEDGER_RECEIVE,
    K.ADJUSTMENT: Action.LEDGER_RESOLVE,
    K.TRANSFER: Action.LEDGER_DRAW,
    K.DRAW: Action.LEDGER_DRAW,
    K.ADMINISTRATION: Action.LEDGER_DRAW,
    K.RETURN: Action.LEDGER_DRAW,
    K.WASTE: Action.LEDGER_DRAW,
}
SESSION_KINDS = {K.DRAW, K.ADMINISTRATION, K.RETURN, K.WASTE}
WITNESSED_KINDS = {K.WASTE, K.DESTRUCTION}
REASON_KINDS = {K.DESTRUCTION, K.LOSS, K.ADJUSTMENT, K.REVERSAL}
# Effect of each kind on (stock balance, amount drawn for the session and not yet accounted for).
EFFECT: dict[str, tuple[int, int]] = {
    K.RECEIPT: (1, 0),
    K.DRAW: (-1, 1),
    K.ADMINISTRATION: (0, -1),
    K.WASTE: (0, -1),
    K.RETURN: (1, -1),
    K.DESTRUCTION: (-1, 0),
    K.LOSS: (-1, 0),
}
CLOCK_SKEW = dt.timedelta(minutes=5)
MG = Decimal("0.001")
ML = Decimal("0.0001")


def clean_text(
    value: str, field: str, *, required: bool = False, max_length: int = TEXT_MAX, what: str = ""
) -> str:
    """Trimmed text without control characters, within its length; refused with a message otherwise."""
    value = (value or "").strip()
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValidationError({field: "Remove the control characters from this text."})
    if len(value) > max_length:
        raise ValidationError({field: f"Keep this to {max_length} characters (it has {len(value)})."})
    if required and not value:
        raise ValidationError({field: what or "This is required."})
    return value


def _when(at: dt.datetime | None, field: str = "occurred_at") -> dt.datetime:
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + CLOCK_SKEW:
        raise ValidationError({field: "This time is in the future: enter when it actually happened."})
    return at


def _audit(
    by: User, action: str, entity: Any, clinic: Clinic, detail: dict[str, Any], patient_id: int | None = None
) -> None:
    record_event(
        actor=by,
        action=AuditAction(action),
        entity=entity,
        clinic=clinic,
        patient_id=patient_id,
        detail=detail,
    )


def _lock_balances(keys: list[tuple[int, int]]) -> dict[tuple[int, int], Balance]:
    """The balance rows of these (lot id, location id) pairs, created at zero if missing, locked in
    ascending order (the one order every writer uses)."""
    ordered = sorted(set(keys))
    Balance.objects.bulk_create(
        [Balance(lot_id=lot, location_id=loc, balance_mg=Decimal("0")) for lot, loc in ordered],
        ignore_conflicts=True,
    )
    locked: dict[tuple[int, int], Balance] = {}
    for lot, loc in ordered:
        locked[(lot, loc)] = Balance.objects.select_for_update().get(lot_id=lot, location_id=loc)
    return locked


def _apply(balance: Balance, delta_mg: Decimal, lot: Lot, location: StorageLocation) -> None:
    new = balance.balance_mg + delta_mg
    if new < 0:
        raise ValidationError(
            {
                "quantity_mg": f"Only {balance.balance_mg.normalize():f} mg of lot {lot.lot_number} is in "
                f"{location.name}; you asked for {(-delta_mg).normalize():f} mg. Nothing was saved."
            }
        )
    balance.balance_mg = new
    balance.save(update_fields=["balance_mg", "updated_at"])


def _check_witness(
    *, by: User, clinic: Clinic, witness: User | None, password: str | None, kind: str, on: dt.date
) -> str:
    """The witness rule, clinic policy (on by default; not a federal rule in what was verified):
    a second credentialed clinician of the clinic, never the person recording. Returns the method."""
    if witness is None:
        if kind in WITNESSED_KINDS and settings_of(clinic).waste_requires_witness:
            raise ValidationError(
                {
                    "witness_id": f"Clinic policy: a {Entry.Kind(kind).label.lower()} needs a witness, "
                    "a second credentialed clinician."
                }
            )
        return Entry.WitnessMethod.NONE
    if witness.pk == by.pk:
        raise ValidationError({"witness_id": "The witness must be another person, not the one recording."})
    role = role_in(witness, clinic)
    if role is None or not role_may(role, Action.LEDGER_WITNESS):
        raise ValidationError(
            {"witness_id": f"{witness} may not witness: a nurse or prescriber of this clinic must."}
        )
    decision = may_administer_ketamine(witness, clinic, on=on)
    if not decision:
        raise ValidationError(
            {"witness_id": [f"{witness} is not a credentialed clinician today:", *decision.reasons]}
        )
    if password is None:
        return Entry.WitnessMethod.NAMED
    if not witness.check_password(password):
        raise ValidationError({"witness_password": "The witness's password is not correct."})
    return Entry.WitnessMethod.PASSWORD


def _default_location(clinic: Clinic) -> StorageLocation:
    # Safes before carts ("safe" sorts after "cart"), then by name.
    location = StorageLocation.objects.filter(clinic=clinic).order_by("-kind", "name").first()
    if location is None:
        raise ValidationError({"location_id": "This clinic has no storage location yet: add its safe first."})
    return location


def _draw_location(session: DosingSession, lot: Lot) -> StorageLocation:
    last = (
        Entry.objects.filter(session=session, lot=lot, kind=K.DRAW)
        .order_by("-id")
        .select_related("location")
        .first()
    )
    if last is None:
        raise ValidationError({"lot_id": f"Nothing from lot {lot.lot_number} was drawn for this session."})
    return last.location


def _richest_location(clinic: Clinic, lot: Lot) -> StorageLocation:
    row = (
        Balance.objects.filter(lot=lot, balance_mg__gt=0)
        .select_related("location")
        .order_by("-balance_mg", "location_id")
        .first()
    )
    return row.location if row else _default_location(clinic)


def _ml(quantity_mg: Decimal, lot: Lot) -> Decimal:
    return (quantity_mg / lot.product.strength_mg_per_ml).quantize(ML, ROUND_HALF_UP)


@dataclass(frozen=True)
class Receipt:
    supplier_name: str = ""
    supplier_address: str = ""
    supplier_registration_number: str = ""
    invoice_number: str = ""
    received_on: dt.date | None = None


# --- Products, lots, locations, settings -------------------------------------------------------


@transaction.atomic
def create_location(
    *, by: User, clinic: Clinic, name: str, kind: str, registration_number: str = ""
) -> StorageLocation:
    require_in_clinic(by, clinic, Action.LEDGER_RECEIVE)
    location = StorageLocation(
        clinic=clinic,
        name=clean_text(name, "name", required=True, max_length=100, what="Name the location."),
        kind=kind,
        registration_number=clean_text(registration_number, "registration_number", max_length=20),
    )
    save_checked(location)
    _audit(by, "ledger.location", location, clinic, {"kind": kind})
    return location


@transaction.atomic
def create_product(
    *,
    by: User,
    clinic: Clinic,
    name: str,
    strength_mg_per_ml: Decimal,
    strength_basis: str,
    container_ml: Decimal,
    schedule: str = Product.Schedule.III,
) -> Product:
    require_in_clinic(by, clinic, Action.LEDGER_RECEIVE)
    product = Product(
        clinic=clinic,
        name=clean_text(name, "name", required=True, max_length=150, what="Name the product."),
        strength_mg_per_ml=strength_mg_per_ml,
        strength_basis=strength_basis,
        container_ml=container_ml,
        schedule=schedule,
        created_by=by,
    )
    save_checked(product)
    _audit(by, "ledger.product", product, clinic, {"schedule": schedule, "basis": strength_basis})
    return product


@transaction.atomic
def create_lot(*, by: User, product: Product, lot_number: str, expires_on: dt.date) -> Lot:
    require_in_clinic(by, product.clinic, Action.LEDGER_RECEIVE)
    lot = Lot(
        product=product,
        lot_number=clean_text(
            lot_number, "lot_number", required=True, max_length=40, what="Enter the lot number."
        ),
        expires_on=expires_on,
        created_by=by,
    )
    save_checked(lot)
    _audit(by, "ledger.lot", lot, product.clinic, {"product": product.pk})
    return lot


@transaction.atomic
def update_settings(
    *, by: User, clinic: Clinic, registration_number: str, count_frequency: str, waste_requires_witness: bool
) -> LedgerSettings:
    require_in_clinic(by, clinic, Action.LEDGER_RECEIVE)
    current = LedgerSettings.objects.select_for_update().filter(clinic=clinic).first() or LedgerSettings(
        clinic=clinic
    )
    current.registration_number = clean_text(registration_number, "registration_number", max_length=20)
    current.count_frequency = count_frequency
    current.waste_requires_witness = waste_requires_witness
    save_checked(current)
    _audit(
        by,
        "ledger.settings",
        current,
        clinic,
        {"count_frequency": count_frequency, "witness": waste_requires_witness},
    )
    return current


# --- Entries ----------------------------------------------------------------------------------


@transaction.atomic
def record_entry(
    *,
    by: User,
    kind: str,
    lot: Lot,
    quantity_mg: Decimal,
    location: StorageLocation | None = None,
    to_location: StorageLocation | None = None,
    session: DosingSession | None = None,
    witness: User | None = None,
    witness_password: str | None = None,
    reason: str = "",
    occurred_at: dt.datetime | None = None,
    receipt: Receipt | None = None,
    increase: bool = False,
    loss_kind: str = LossReport.Kind.LOSS,
    _net_zero_fill: bool = False,
) -> Entry:
    """Record one ledger entry (a transfer records its two halves and returns the one going out).

    `quantity_mg` is always positive; an adjustment says `increase` to add instead of remove."""
    if kind == K.REVERSAL:
        raise ValidationError({"kind": "Reverse an entry through its own route, naming the entry."})
    if kind not in KIND_ACTION:
        raise ValidationError({"kind": "Unknown kind of entry."})
    clinic = lot.product.clinic
    require_in_clinic(by, clinic, KIND_ACTION[kind])
    quantity_mg = Decimal(quantity_mg)
    if quantity_mg <= 0:
        raise ValidationError({"quantity_mg": "The quantity must be more than 0 mg."})
    if quantity_mg != quantity_mg.quantize(MG):
        raise ValidationError({"quantity_mg": "Give the quantity to at most 3 decimal places (micrograms)."})
    quantity_mg = quantity_mg.quantize(MG)
    at = _when(occurred_at)
    on = timezone.localdate(at)
    reason = clean_text(
        reason, "reason", required=kind in REASON_KINDS, what=f"Say why ({Entry.Kind(kind).label.lower()})."
    )
    for place in (location, to_location):
        if place is not None and place.clinic_id != clinic.pk:
            raise ValidationError({"location_id": "That location belongs to another clinic."})

    # The session first: its row lock is the first in the fixed order.
    if kind in SESSION_KINDS:
        if session is None:
            raise ValidationError(
                {"session_id": f"A {Entry.Kind(kind).label.lower()} needs its dosing session."}
            )
        session = DosingSession.objects.select_for_update().select_related("patient").get(pk=session.pk)
        if session.patient.clinic_id != clinic.pk:
            raise ValidationError({"session_id": "That session belongs to another clinic."})
        if session.signed_at is not None and not _net_zero_fill:
            raise ValidationError(
                {"session_id": "This session is signed; its ledger entries can no longer change."}
            )
        if kind == K.ADMINISTRATION and session.started_at is None:
            raise ValidationError({"session_id": "Start the session before recording an administration."})
    elif session is not None:
        raise ValidationError({"session_id": f"A {Entry.Kind(kind).label.lower()} is not tied to a session."})

    if lot.expires_on < on and kind in {K.RECEIPT, K.TRANSFER, K.DRAW, K.ADMINISTRATION}:
        raise ValidationError(
            {
                "lot_id": f"Lot {lot.lot_number} expired on {lot.expires_on:%Y-%m-%d}: it cannot be used. "
                "Record its destruction instead."
            }
        )
    method = _check_witness(
        by=by, clinic=clinic, witness=witness, password=witness_password, kind=kind, on=on
    )

    if kind == K.TRANSFER:
        return _transfer(
            by=by,
            clinic=clinic,
            lot=lot,
            quantity_mg=quantity_mg,
            source=location,
            target=to_location,
            at=at,
            reason=reason,
        )

    if location is None:
        if kind in {K.ADMINISTRATION, K.WASTE, K.RETURN}:
            location = _draw_location(session, lot)  # type: ignore[arg-type]
        elif kind == K.DRAW:
            location = _richest_location(clinic, lot)
        else:
            location = _default_location(clinic)

    delivered_mg: Decimal | None = None
    if session is not None and kind != K.DRAW:
        outstanding = sum(
            (e.session_delta_mg for e in Entry.objects.filter(session=session, lot=lot)), Decimal("0")
        )
        if quantity_mg > outstanding:
            raise ValidationError(
                {
                    "quantity_mg": f"Only {outstanding.normalize():f} mg from lot {lot.lot_number} drawn for "
                    f"this session is not yet accounted for; you entered {quantity_mg.normalize():f} mg."
                }
            )
        delivered_mg = _check_against_delivered(session, kind, lot, quantity_mg)

    stock_sign, session_sign = EFFECT.get(kind, (1 if increase else -1, 0))
    balances = _lock_balances([(lot.pk, location.pk)])
    _apply(balances[(lot.pk, location.pk)], stock_sign * quantity_mg, lot, location)

    receipt = receipt or Receipt()
    if kind == K.RECEIPT:
        _check_receipt(receipt, on)
    entry = Entry(
        clinic=clinic,
        kind=kind,
        lot=lot,
        location=location,
        quantity_mg=quantity_mg,
        quantity_ml=_ml(quantity_mg, lot),
        stock_delta_mg=stock_sign * quantity_mg,
        session_delta_mg=session_sign * quantity_mg,
        session=session,
        delivered_mg=delivered_mg if kind == K.ADMINISTRATION else None,
        witness=witness,
        witness_method=method,
        reason=reason,
        occurred_at=at,
        recorded_by=by,
        supplier_name=receipt.supplier_name,
        supplier_address=receipt.supplier_address,
        supplier_registration_number=receipt.supplier_registration_number,
        invoice_number=receipt.invoice_number,
        received_on=receipt.received_on if kind == K.RECEIPT else None,
    )
    save_checked(entry, validate_constraints=False)
    detail: dict[str, Any] = {"kind": kind, "lot": lot.pk, "location": location.pk}
    if session is not None:
        detail["session"] = session.pk
    if witness is not None:
        detail.update(witness=witness.pk, witness_method=method)
    if kind == K.LOSS:
        report = LossReport(
            entry=entry,
            kind=loss_kind,
            discovered_at=at,
            notice_due_on=cs.theft_loss_notice_due(on),
        )
        save_checked(report)
        detail["loss_report"] = report.pk
    _audit(by, f"ledger.{kind}", entry, clinic, detail, session.patient_id if session else None)
    return entry


def _check_against_delivered(
    session: DosingSession, kind: str, lot: Lot, quantity_mg: Decimal
) -> Decimal | None:
    """The administration recorded is exactly the session's delivered dose (docs/ledger.md,
    "Sessions"): an administration above what the session delivered and is not yet recorded as
    administered is refused, and so is an administration while the infusion still runs; a waste or
    return may not take what the infusion events show delivered and not yet recorded as administered.
    Returns the delivered dose."""
    account = selectors.session_account(session)
    delivered = account.delivered_mg
    quantity_base = (quantity_mg * selectors.base_per_label_mg(lot.product)).quantize(selectors.CENTI_MG)
    if kind == K.ADMINISTRATION:
        if delivered is None:
            raise ValidationError(
                {
                    "quantity_mg": "The delivered dose cannot be computed from this session's infusion "
                    "events: record the prepared dose's concentration on the session page first."
                }
            )
        if not account.delivered_final:
            state = "paused" if account.infusion_state == "paused" else "still running"
            raise ValidationError(
                {
                    "quantity_mg": f"The infusion is {state}: record its stop on the session page first. "
                    "The administration is the dose the pump delivered, known once it stops "
                    f"({delivered.normalize():f} mg so far)."
                }
            )
        left = account.to_administer_mg or Decimal(0)
        if quantity_base > left:
            raise ValidationError(
                {
                    "quantity_mg": f"The session delivered {delivered.normalize():f} mg (from "
                    f"{_source(account)}) and {account.administered_mg.normalize():f} mg is already recorded "
                    f"as administered, so at most {left.normalize():f} mg can be; you entered "
                    f"{quantity_base.normalize():f} mg. Waste or return the rest of the draw."
                }
            )
        return delivered
    # Once the pump's events show what was delivered, that part of the draw is spoken for; a session
    # without events may still return a whole draw (e.g. the wrong vial), the signature check holds.
    measured = account.delivered_from == selectors.DELIVERED_FROM_EVENTS
    reserved = (account.to_administer_mg or Decimal(0)) if measured else Decimal(0)
    spare = account.unaccounted_mg - reserved
    if reserved and quantity_base > spare:
        raise ValidationError(
            {
                "quantity_mg": f"{reserved.normalize():f} mg of what was drawn is the delivered dose still "
                f"to record as administered (from {_source(account)}); at most "
                f"{max(spare, Decimal(0)).normalize():f} mg can be "
                f"{'wasted' if kind == K.WASTE else 'returned'}; "
                f"you entered {quantity_base.normalize():f} mg."
            }
        )
    return None


def _source(account: selectors.SessionAccount) -> str:
    return (
        "its infusion events"
        if account.delivered_from == selectors.DELIVERED_FROM_EVENTS
        else "its recorded dose"
    )


def _check_receipt(receipt: Receipt, on: dt.date) -> None:
    errors: dict[str, str] = {}
    if not receipt.supplier_name.strip():
        errors["supplier_name"] = "Enter the supplier's name."
    if not receipt.invoice_number.strip():
        errors["invoice_number"] = "Enter the invoice or packing-slip number."
    if receipt.received_on is None:
        errors["received_on"] = "Enter the date the stock was actually received (21 CFR 1304.21(d))."
    elif receipt.received_on > on:
        errors["received_on"] = "The date received cannot be after the entry's date."
    if errors:
        raise ValidationError(errors)
    for field, limit in (
        ("supplier_name", 200),
        ("supplier_address", 300),
        ("supplier_registration_number", 20),
        ("invoice_number", 60),
    ):
        clean_text(getattr(receipt, field), field, max_length=limit)


def _transfer(
    *,
    by: User,
    clinic: Clinic,
    lot: Lot,
    quantity_mg: Decimal,
    source: StorageLocation | None,
    target: StorageLocation | None,
    at: dt.datetime,
    reason: str,
) -> Entry:
    if source is None or target is None:
        raise ValidationError({"to_location_id": "A transfer names where it comes from and where it goes."})
    if source.pk == target.pk:
        raise ValidationError({"to_location_id": "A transfer goes to another location."})
    balances = _lock_balances([(lot.pk, source.pk), (lot.pk, target.pk)])
    _apply(balances[(lot.pk, source.pk)], -quantity_mg, lot, source)
    _apply(balances[(lot.pk, target.pk)], quantity_mg, lot, target)
    common = {
        "clinic": clinic,
        "kind": K.TRANSFER,
        "lot": lot,
        "quantity_mg": quantity_mg,
        "quantity_ml": _ml(quantity_mg, lot),
        "reason": reason,
        "occurred_at": at,
        "recorded_by": by,
    }
    out = Entry(location=source, stock_delta_mg=-quantity_mg, **common)
    save_checked(out, validate_constraints=False)
    into = Entry(location=target, stock_delta_mg=quantity_mg, counterpart=out, **common)
    save_checked(into, validate_constraints=False)
    out.counterpart = into
    out.save(update_fields=["counterpart"])
    _audit(
        by,
        "ledger.transfer",
        out,
        clinic,
        {"kind": "transfer", "lot": lot.pk, "from": source.pk, "to": target.pk, "counterpart": into.pk},
    )
    return out


@transaction.atomic
def reverse_entry(*, by: User, entry: Entry, reason: str) -> Entry:
    """Undo a wrong entry with a new one carrying the opposite effect and the reason; the wrong
    entry stays. A balance that would go below zero refuses the reversal."""
    clinic = entry.clinic
    require_in_clinic(by, clinic, Action.LEDGER_RECEIVE)
    reason = clean_text(reason, "reason", required=True, what="Say why this entry is wrong.")
    if entry.session_id is not None:
        session = DosingSession.objects.select_for_update().get(pk=entry.session_id)
        if session.signed_at is not None:
            raise ValidationError("The session of this entry is signed; the entry can no longer be reversed.")
    original = Entry.objects.select_for_update().select_related("lot__product", "location").get(pk=entry.pk)
    if original.kind == K.REVERSAL:
        raise ValidationError("A reversal cannot itself be reversed; record a new, correct entry instead.")
    if original.kind == K.TRANSFER:
        raise ValidationError("Record a transfer back instead of reversing a transfer.")
    if Entry.objects.filter(reverses=original).exists():
        raise ValidationError("This entry is already reversed.")
    if original.session_id is not None and original.kind == K.DRAW:
        outstanding = sum(
            (
                e.session_delta_mg
                for e in Entry.objects.filter(session_id=original.session_id, lot=original.lot)
            ),
            Decimal("0"),
        )
        if outstanding < original.session_delta_mg:
            raise ValidationError("Part of this draw is already accounted for: reverse those entries first.")
    balances = _lock_balances([(original.lot_id, original.location_id)])
    _apply(
        balances[(original.lot_id, original.location_id)],
        -original.stock_delta_mg,
        original.lot,
        original.location,
    )
    reversal = Entry(
        clinic=clinic,
        kind=K.REVERSAL,
        lot=original.lot,
        location=original.location,
        quantity_mg=original.quantity_mg,
        quantity_ml=original.quantity_ml,
        stock_delta_mg=-original.stock_delta_mg,
        session_delta_mg=-original.session_delta_mg,
        session_id=original.session_id,
        reason=reason,
        occurred_at=timezone.now(),
        recorded_by=by,
        reverses=original,
    )
    save_checked(reversal, validate_constraints=False)
    patient_id = original.session.patient_id if original.session_id else None  # type: ignore[union-attr]
    _audit(by, "ledger.reversal", reversal, clinic, {"kind": "reversal", "reverses": original.pk}, patient_id)
    return reversal


@transaction.atomic
def record_loss_notice(
    *,
    by: User,
    report: LossReport,
    notice_sent_at: dt.datetime | None = None,
    form_106_filed_at: dt.datetime | None = None,
    form_106_reference: str = "",
) -> LossReport:
    """Track the follow-up of a theft or loss: the written notice and the electronic Form 106."""
    clinic = report.entry.clinic
    require_in_clinic(by, clinic, Action.LEDGER_RECEIVE)
    report = LossReport.objects.select_for_update().get(pk=report.pk)
    if notice_sent_at is not None:
        report.notice_sent_at = _when(notice_sent_at, "notice_sent_at")
    if form_106_filed_at is not None:
        report.form_106_filed_at = _when(form_106_filed_at, "form_106_filed_at")
    if form_106_reference:
        report.form_106_reference = clean_text(form_106_reference, "form_106_reference", max_length=60)
    save_checked(report)
    _audit(by, "ledger.loss_notice", report, clinic, {"entry": report.entry_id})
    return report


# --- Counts and discrepancies -----------------------------------------------------------------


@transaction.atomic
def record_count(
    *,
    by: User,
    location: StorageLocation,
    kind: str,
    counted_mg: dict[Lot, Decimal],
    counted_at: dt.datetime | None = None,
    witness: User | None = None,
) -> Count:
    """Count every lot in a location against the ledger; each difference opens a discrepancy."""
    clinic = location.clinic
    require_in_clinic(by, clinic, Action.LEDGER_COUNT)
    at = _when(counted_at, "counted_at")
    if kind not in Count.Kind.values:
        raise ValidationError({"kind": "Unknown kind of count."})
    for lot in counted_mg:
        if lot.product.clinic_id != clinic.pk:
            raise ValidationError({"lines": "A counted lot belongs to another clinic."})
    if witness is not None:
        _check_witness(
            by=by, clinic=clinic, witness=witness, password=None, kind=K.ADJUSTMENT, on=timezone.localdate(at)
        )
    held = set(Balance.objects.filter(location=location, balance_mg__gt=0).values_list("lot_id", flat=True))
    missing = held - {lot.pk for lot in counted_mg}
    if missing:
        numbers = ", ".join(sorted(Lot.objects.filter(pk__in=missing).values_list("lot_number", flat=True)))
        raise ValidationError(
            {"lines": f"Count every lot the ledger has in {location.name}: missing {numbers}."}
        )
    balances = _lock_balances([(lot.pk, location.pk) for lot in counted_mg])
    count = Count(clinic=clinic, location=location, kind=kind, counted_at=at, counted_by=by, witness=witness)
    save_checked(count)
    opened = []
    for lot, amount in sorted(counted_mg.items(), key=lambda item: item[0].pk):
        amount = Decimal(amount)
        if amount < 0:
            raise ValidationError({"lines": "A counted amount cannot be negative."})
        line = CountLine(
            count=count, lot=lot, counted_mg=amount, ledger_mg=balances[(lot.pk, location.pk)].balance_mg
        )
        save_checked(line, validate_constraints=False)
        if line.counted_mg != line.ledger_mg:
            discrepancy = Discrepancy(line=line, clinic=clinic)
            save_checked(discrepancy, validate_constraints=False)
            opened.append(discrepancy.pk)
    _audit(
        by, "ledger.count", count, clinic, {"kind": kind, "location": location.pk, "discrepancies": opened}
    )
    return count


@transaction.atomic
def resolve_discrepancy(*, by: User, discrepancy: Discrepancy, reason: str, adjust: bool) -> Discrepancy:
    """Close a flagged discrepancy with a reason; `adjust` also brings the ledger to the counted amount
    with an adjustment entry (refused if the balance would go below zero)."""
    clinic = discrepancy.clinic
    require_in_clinic(by, clinic, Action.LEDGER_RESOLVE)
    reason = clean_text(reason, "reason", required=True, what="Say how the discrepancy was explained.")
    discrepancy = (
        Discrepancy.objects.select_for_update()
        .select_related("line__lot__product", "line__count__location")
        .get(pk=discrepancy.pk)
    )
    if discrepancy.resolved_at is not None:
        raise ValidationError("This discrepancy is already resolved.")
    line = discrepancy.line
    adjustment = None
    if adjust:
        difference = line.difference_mg
        location = line.count.location
        balances = _lock_balances([(line.lot_id, location.pk)])
        _apply(balances[(line.lot_id, location.pk)], difference, line.lot, location)
        adjustment = Entry(
            clinic=clinic,
            kind=K.ADJUSTMENT,
            lot=line.lot,
            location=location,
            quantity_mg=abs(difference),
            quantity_ml=_ml(abs(difference), line.lot),
            stock_delta_mg=difference,
            reason=reason,
            occurred_at=timezone.now(),
            recorded_by=by,
        )
        save_checked(adjustment, validate_constraints=False)
    discrepancy.resolved_at = timezone.now()
    discrepancy.resolved_by = by
    discrepancy.resolution = reason
    discrepancy.adjustment = adjustment
    save_checked(discrepancy, validate_constraints=False)
    detail: dict[str, Any] = {"adjustment": adjustment.pk if adjustment else None}
    _audit(by, "ledger.resolve", discrepancy, clinic, detail)
    return discrepancy


@transaction.atomic
def record_session_use(
    *,
    by: User,
    session: DosingSession,
    lot: Lot,
    drawn_mg: Decimal,
    witness: User | None,
    drawn_at: dt.datetime,
    administered_at: dt.datetime,
    location: StorageLocation | None = None,
    witness_password: str | None = None,
) -> list[Entry]:
    """A session's whole use of the drug in one step: the draw, the administration of the session's
    delivered dose (from its infusion events, or its recorded dose without any) and the waste of the
    rest (with the witness), written together in one transaction.

    This is how a session recorded after the fact gets its ledger entries, even one already signed:
    the entries net to zero for the session, so its drawn amount is never left open, and the
    administered amount is exactly the delivered dose, so the ledger and the session agree.
    A signed session that already has ledger entries is refused."""
    locked = DosingSession.objects.select_for_update().select_related("patient").get(pk=session.pk)
    if locked.signed_at is not None and Entry.objects.filter(session=locked).exists():
        raise ValidationError({"session_id": "This signed session already has ledger entries."})
    delivered, _, final, _ = selectors.delivered_dose(locked)
    if delivered is None or not final:
        raise ValidationError({"session_id": "The session's delivered dose is not known yet."})
    given = selectors.label_mg(delivered, lot.product)
    if drawn_mg < given:
        raise ValidationError({"quantity_mg": "Draw at least the session's delivered dose."})
    common: dict[str, Any] = {"by": by, "lot": lot, "session": locked, "_net_zero_fill": True}
    entries = [
        record_entry(kind=K.DRAW, quantity_mg=drawn_mg, location=location, occurred_at=drawn_at, **common),
        record_entry(kind=K.ADMINISTRATION, quantity_mg=given, occurred_at=administered_at, **common),
    ]
    if drawn_mg > given:
        entries.append(
            record_entry(
                kind=K.WASTE,
                quantity_mg=drawn_mg - given,
                witness=witness,
                witness_password=witness_password,
                occurred_at=administered_at,
                **common,
            )
        )
    return entries
