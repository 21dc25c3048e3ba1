"""Reads of the ledger, scoped to the user: the one place where access to ledger records is decided.

A record of a clinic where the user has no staff membership answers 404 (its existence does not
leak); a known record with too little role answers 403. Both are audited, and so is every read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Action, Role, role_may
from ketacare.accounts.selectors import clinics_where, role_in
from ketacare.audit.actions import AuditAction
from ketacare.audit.models import AuditEvent
from ketacare.audit.services import record_event
from ketacare.dosing.models import DosingSession
from ketacare.ledger.models import (
    Balance,
    Count,
    Discrepancy,
    Entry,
    LedgerSettings,
    LossReport,
    Lot,
    Product,
    StorageLocation,
)
from ketacare.rules import controlled_substances as cs

M = TypeVar("M", bound=models.Model)

MG = Decimal("0.001")


def _mg(total: object) -> Decimal:
    """A summed amount to the ledger's precision: SQLite sums decimals in floating point, so its
    totals carry noise far below a microgram; every amount has at most 3 decimals, so rounding to
    them gives the exact sum back (PostgreSQL sums exactly already)."""
    return Decimal(str(total or 0)).quantize(MG)


# A display window for the overview, not a rule: lots that expire within it are listed apart.
EXPIRING_WITHIN_DAYS = 60


def _refuse(
    user: User, action: Action, entity_type: str, entity_id: object, clinic: Clinic | None, outcome: str
) -> None:
    record_event(
        actor=user,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        clinic=clinic,
        outcome=outcome,
    )


def check_clinic_access(
    user: User, clinic: Clinic, action: Action, entity_type: str, entity_id: object
) -> None:
    """Refuse unless the user's role in this clinic allows the action: 404 for no staff membership
    (or a patient's), 403 for a staff role that may not; both audited."""
    role = role_in(user, clinic)
    if role is None or role == Role.PATIENT:
        _refuse(user, action, entity_type, entity_id, None, AuditEvent.Outcome.NOT_FOUND)
        raise Http404("Not found.")
    if not role_may(role, action):
        _refuse(user, action, entity_type, entity_id, clinic, AuditEvent.Outcome.DENIED)
        raise PermissionDenied(f"Your role ({role.label}) may not {Action(action).label.lower()}.")


def _fetch(user: User, queryset: QuerySet[M], pk: int, clinic_of: str, action: Action) -> M:
    label = queryset.model._meta.label_lower
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        _refuse(user, action, label, pk, None, AuditEvent.Outcome.NOT_FOUND)
        raise Http404("Not found.")
    clinic = obj
    for part in clinic_of.split("."):
        clinic = getattr(clinic, part)
    check_clinic_access(user, clinic, action, label, pk)  # type: ignore[arg-type]
    return obj


def get_lot_for(user: User, lot_id: int, action: Action = Action.LEDGER_VIEW) -> Lot:
    return _fetch(user, Lot.objects.select_related("product__clinic"), lot_id, "product.clinic", action)


def get_product_for(user: User, product_id: int, action: Action = Action.LEDGER_VIEW) -> Product:
    return _fetch(user, Product.objects.select_related("clinic"), product_id, "clinic", action)


def get_location_for(user: User, location_id: int, action: Action = Action.LEDGER_VIEW) -> StorageLocation:
    return _fetch(user, StorageLocation.objects.select_related("clinic"), location_id, "clinic", action)


def get_entry_for(user: User, entry_id: int, action: Action = Action.LEDGER_VIEW) -> Entry:
    return _fetch(
        user, Entry.objects.select_related("clinic", "lot__product", "session"), entry_id, "clinic", action
    )


def get_discrepancy_for(
    user: User, discrepancy_id: int, action: Action = Action.LEDGER_RESOLVE
) -> Discrepancy:
    queryset = Discrepancy.objects.select_related("clinic", "line__lot__product", "line__count__location")
    return _fetch(user, queryset, discrepancy_id, "clinic", action)


def get_loss_report_for(user: User, report_id: int, action: Action = Action.LEDGER_RECEIVE) -> LossReport:
    return _fetch(user, LossReport.objects.select_related("entry__clinic"), report_id, "entry.clinic", action)


def get_witness_for(user: User, clinic: Clinic, witness_id: int | None) -> User | None:
    """The named witness, if a staff member of this clinic; anyone else is refused as unknown."""
    if witness_id is None:
        return None
    witness = User.objects.filter(pk=witness_id, memberships__clinic=clinic, memberships__active=True).first()
    if witness is None:
        raise ValidationError({"witness_id": "No such witness on the staff of this clinic."})
    return witness


def clinic_for(user: User, clinic_id: int | None, action: Action) -> Clinic:
    """The clinic a request is about: the one named, or the user's only clinic where the action is
    allowed. Unknown or not theirs: 404; theirs without the role: 403 (both audited)."""
    if clinic_id is not None:
        clinic = Clinic.objects.filter(pk=clinic_id).first()
        if clinic is None:
            _refuse(user, action, "accounts.clinic", clinic_id, None, AuditEvent.Outcome.NOT_FOUND)
            raise Http404("Not found.")
        check_clinic_access(user, clinic, action, "accounts.clinic", clinic_id)
        return clinic
    allowed = list(clinics_where(user, action)[:2])
    if len(allowed) == 1:
        return allowed[0]
    if not allowed:
        _refuse(user, action, "accounts.clinic", "", None, AuditEvent.Outcome.DENIED)
        raise PermissionDenied(f"Your role may not {Action(action).label.lower()}.")
    raise ValidationError({"clinic_id": "You work in several clinics: say which one (clinic_id)."})


def visible_clinics(user: User, action: Action = Action.LEDGER_VIEW) -> QuerySet[Clinic]:
    """The clinics whose ledger this user may read; refused (403, audited) when there are none."""
    clinics = clinics_where(user, action)
    if not clinics.exists():
        _refuse(user, action, "ledger", "", None, AuditEvent.Outcome.DENIED)
        raise PermissionDenied(f"Your role may not {Action(action).label.lower()}.")
    return clinics


def audit_read(
    user: User, what: str, clinic: Clinic | None = None, entity: models.Model | None = None
) -> None:
    record_event(actor=user, action=AuditAction.READ, entity=entity, entity_type=what, clinic=clinic)


def settings_of(clinic: Clinic) -> LedgerSettings:
    """The clinic's ledger policy; the defaults (witness on, daily count) until it sets its own."""
    return LedgerSettings.objects.filter(clinic=clinic).first() or LedgerSettings(clinic=clinic)


# --- Balances ---------------------------------------------------------------------------------


def balance_mg(lot: Lot, location: StorageLocation | None = None) -> Decimal:
    rows = Balance.objects.filter(lot=lot)
    if location is not None:
        rows = rows.filter(location=location)
    return _mg(rows.aggregate(total=Sum("balance_mg"))["total"])


def derived_balances() -> dict[tuple[int, int], Decimal]:
    """Every (lot, location) balance recomputed from the entries alone."""
    rows = Entry.objects.values("lot_id", "location_id").annotate(total=Sum("stock_delta_mg"))
    return {(r["lot_id"], r["location_id"]): _mg(r["total"]) for r in rows}


def balance_rows(clinics: QuerySet[Clinic] | list[Clinic]) -> QuerySet[Balance]:
    return (
        Balance.objects.filter(location__clinic__in=clinics)
        .select_related("lot__product", "location")
        .order_by("lot__product__name", "lot__expires_on", "location__name")
    )


def products_of(clinics: QuerySet[Clinic] | list[Clinic]) -> QuerySet[Product]:
    return Product.objects.filter(clinic__in=clinics).select_related("clinic")


def lots_of(clinics: QuerySet[Clinic] | list[Clinic]) -> QuerySet[Lot]:
    return Lot.objects.filter(product__clinic__in=clinics).select_related("product")


def locations_of(clinics: QuerySet[Clinic] | list[Clinic]) -> QuerySet[StorageLocation]:
    return StorageLocation.objects.filter(clinic__in=clinics).select_related("clinic")


def entries_of(clinics: QuerySet[Clinic] | list[Clinic]) -> QuerySet[Entry]:
    return Entry.objects.filter(clinic__in=clinics).select_related(
        "lot__product", "location", "recorded_by", "witness", "session"
    )


def expiring_lots(clinics: QuerySet[Clinic] | list[Clinic], today: dt.date | None = None) -> QuerySet[Lot]:
    """Lots with stock that have expired or expire within the display window."""
    today = today or timezone.localdate()
    return (
        lots_of(clinics)
        .filter(expires_on__lte=today + dt.timedelta(days=EXPIRING_WITHIN_DAYS), balances__balance_mg__gt=0)
        .distinct()
        .order_by("expires_on")
    )


def open_discrepancies(clinics: QuerySet[Clinic] | list[Clinic]) -> QuerySet[Discrepancy]:
    return Discrepancy.objects.filter(clinic__in=clinics, resolved_at__isnull=True).select_related(
        "line__lot__product", "line__count__location", "line__count__counted_by"
    )


def open_loss_reports(clinics: QuerySet[Clinic] | list[Clinic]) -> QuerySet[LossReport]:
    return (
        LossReport.objects.filter(entry__clinic__in=clinics)
        .filter(Q(notice_sent_at__isnull=True) | Q(form_106_filed_at__isnull=True))
        .select_related("entry__lot__product")
    )


def counts_of(clinics: QuerySet[Clinic] | list[Clinic]) -> QuerySet[Count]:
    return Count.objects.filter(clinic__in=clinics).select_related("location", "counted_by", "witness")


@dataclass(frozen=True)
class InventoryStatus:
    last_inventory_on: dt.date | None
    next_due_on: dt.date | None
    last_scheduled_at: dt.datetime | None
    scheduled_overdue: bool


def inventory_status(clinic: Clinic, today: dt.date | None = None) -> InventoryStatus:
    """When the clinic last took a full inventory and when the next biennial one is due (1304.11),
    and whether its own count schedule (clinic-set) has a count today."""
    today = today or timezone.localdate()
    counts = Count.objects.filter(clinic=clinic)
    last_inventory = (
        counts.filter(kind__in=[Count.Kind.INITIAL, Count.Kind.BIENNIAL]).order_by("-counted_at").first()
    )
    last_on = timezone.localdate(last_inventory.counted_at) if last_inventory else None
    last_scheduled = counts.order_by("-counted_at").values_list("counted_at", flat=True).first()
    overdue = last_scheduled is None or timezone.localdate(last_scheduled) < today
    return InventoryStatus(
        last_on, cs.biennial_inventory_due(last_on) if last_on else None, last_scheduled, overdue
    )


# --- Sessions ---------------------------------------------------------------------------------


def unaccounted_by_lot(session: DosingSession) -> dict[int, Decimal]:
    """Per lot, what was drawn for the session and not yet administered, wasted or returned."""
    rows = (
        Entry.objects.filter(session=session)
        .values("lot_id")
        .annotate(total=Sum("session_delta_mg"))
        .order_by("lot_id")
    )
    totals = {r["lot_id"]: _mg(r["total"]) for r in rows}
    return {lot_id: total for lot_id, total in totals.items() if total}


def unaccounted_problems(session: DosingSession) -> list[str]:
    """The session cannot be signed while a drawn amount is unaccounted for (one of session_problems)."""
    return _unaccounted_messages(session)


def _unaccounted_messages(session: DosingSession) -> list[str]:
    outstanding = unaccounted_by_lot(session)
    if not outstanding:
        return []
    lots = {lot.pk: lot for lot in Lot.objects.filter(pk__in=outstanding)}
    return [
        f"{amount.normalize():f} mg of ketamine from lot {lots[lot_id].lot_number} drawn for this session "
        "is not "
        "accounted for: record what was administered, wasted or returned in the ledger before signing."
        for lot_id, amount in outstanding.items()
    ]


# --- What a session drew, the dose it delivered, and how they agree ------------------------------
#
# The rule (docs/ledger.md, "Sessions"): the administration recorded in the ledger is exactly the
# session's delivered dose, and whatever else was drawn is wasted or returned. The delivered dose is
# the one dosing computes from the infusion events (`dosing.services.delivered_dose_mg`); a session
# without infusion events (an injection, or a session recorded after the fact without its pump
# events) delivered its recorded dose. Amounts are compared in mg of ketamine base to 0.01 mg, the
# delivered dose's own precision: a salt-labelled product's mg are converted with the one factor the
# dosing app uses (`pharmacology.units.BASE_PER_HCL`).

CENTI_MG = Decimal("0.01")
DELIVERED_FROM_EVENTS = "infusion_events"
DELIVERED_FROM_DOSE = "session_dose"


def base_per_label_mg(product: Product) -> Decimal:
    """mg of ketamine base in one mg as the product's label counts it."""
    from ketacare.pharmacology.units import BASE_PER_HCL

    return Decimal(str(BASE_PER_HCL)) if product.strength_basis == Product.Basis.SALT else Decimal(1)


def label_mg(base_mg: Decimal, product: Product) -> Decimal:
    """An amount of base in the product's label mg (what a ledger entry of that product records)."""
    return (base_mg / base_per_label_mg(product)).quantize(MG)


@dataclass(frozen=True)
class SessionAccount:
    """Ordered, delivered, drawn, administered, wasted, returned: one session's numbers, the same
    ones on the session page, the ledger pages, the API and the check that holds back the signature.

    Ledger amounts are in mg of base (to 0.01 mg); `delivered_mg` is None when it cannot be computed
    (not started, or infusion events without a prepared concentration)."""

    session_id: int
    ordered_mg: Decimal
    delivered_mg: Decimal | None
    delivered_from: str
    delivered_final: bool
    infusion_state: str
    drawn_mg: Decimal
    administered_mg: Decimal
    wasted_mg: Decimal
    returned_mg: Decimal
    unaccounted_mg: Decimal
    has_entries: bool
    keeps_ledger: bool
    problems: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @property
    def to_administer_mg(self) -> Decimal | None:
        """What is still to be recorded as administered (mg base), once the delivered dose is known."""
        if self.delivered_mg is None:
            return None
        return max(self.delivered_mg - self.administered_mg, Decimal(0))

    @property
    def to_waste_or_return_mg(self) -> Decimal:
        """What of the draw is neither administered nor still to be administered (mg base)."""
        return max(self.unaccounted_mg - (self.to_administer_mg or Decimal(0)), Decimal(0))

    @property
    def administered_matches_delivered(self) -> bool | None:
        """None until something is recorded as administered against a known, final delivered dose."""
        if self.delivered_mg is None or not self.delivered_final or not self.administered_mg:
            return None
        return self.administered_mg == self.delivered_mg


def delivered_dose(session: DosingSession) -> tuple[Decimal | None, str, bool, str]:
    """(delivered mg base, where it comes from, whether it is final, the infusion's state)."""
    from ketacare.dosing import services as dosing_services

    events = list(session.infusion_events.order_by("at", "id"))
    if events:
        state = dosing_services.infusion_state(events)
        final = state == "stopped" or session.ended_at is not None
        delivered = dosing_services.delivered_dose_mg(session, until=session.ended_at)
        return delivered, DELIVERED_FROM_EVENTS, final, state
    if session.started_at is None:
        return None, DELIVERED_FROM_DOSE, False, "not_started"
    return session.dose_mg, DELIVERED_FROM_DOSE, True, "no_events"


def _base_total(entries: list[Entry]) -> Decimal:
    return sum((e.quantity_mg * base_per_label_mg(e.lot.product) for e in entries), Decimal(0)).quantize(
        CENTI_MG
    )


def keeps_ledger(clinic_id: int) -> bool:
    """A clinic keeps a ledger once it has a storage location."""
    return StorageLocation.objects.filter(clinic_id=clinic_id).exists()


def session_account(session: DosingSession) -> SessionAccount:
    entries = list(
        Entry.objects.filter(session=session, reversed_by__isnull=True)
        .exclude(kind=Entry.Kind.REVERSAL)
        .select_related("lot__product")
    )
    by_kind: dict[str, list[Entry]] = {}
    for entry in entries:
        by_kind.setdefault(entry.kind, []).append(entry)
    delivered, source, final, state = delivered_dose(session)
    drawn = _base_total(by_kind.get(Entry.Kind.DRAW, []))
    administered = _base_total(by_kind.get(Entry.Kind.ADMINISTRATION, []))
    wasted = _base_total(by_kind.get(Entry.Kind.WASTE, []))
    returned = _base_total(by_kind.get(Entry.Kind.RETURN, []))
    keeps = keeps_ledger(session.patient.clinic_id)
    problems = [*_unaccounted_messages(session)]
    where = "its infusion events" if source == DELIVERED_FROM_EVENTS else "the session's recorded dose"
    if entries and session.started_at is not None:
        if delivered is None:
            problems.append(
                "The delivered dose cannot be computed from the infusion events: record the prepared "
                "dose's concentration on the session page."
            )
        elif final and administered != delivered:
            problems.append(
                f"The ledger records {administered.normalize():f} mg administered, but the session "
                f"delivered {delivered.normalize():f} mg (from {where}): record the administration of "
                "exactly the delivered dose and waste or return the rest of the draw."
            )
    elif (
        not entries
        and keeps
        and session.drug == "ketamine"
        and session.started_at is not None
        and delivered
        and final
    ):
        problems.append(
            f"Nothing was drawn from the ledger for this session, which delivered {delivered.normalize():f} "
            "mg of ketamine: record the draw, the administration and the waste or return in the ledger."
        )
    unaccounted = sum(
        (e.session_delta_mg * base_per_label_mg(e.lot.product) for e in entries), Decimal(0)
    ).quantize(CENTI_MG)
    drawn_lots = sorted({e.lot.lot_number for e in by_kind.get(Entry.Kind.DRAW, [])})
    notes = []
    if session.lot_number and drawn_lots and session.lot_number not in drawn_lots:
        # Shown, not enforced: the prepared dose's lot is typed from the vial, the draw chosen here.
        notes.append(
            f"The prepared dose names lot {session.lot_number}; the ledger's draws are from lot "
            f"{', '.join(drawn_lots)}. Check which vial was used."
        )
    return SessionAccount(
        session_id=session.pk,
        ordered_mg=session.dose_mg,
        delivered_mg=delivered,
        delivered_from=source,
        delivered_final=final,
        infusion_state=state,
        drawn_mg=drawn,
        administered_mg=administered,
        wasted_mg=wasted,
        returned_mg=returned,
        unaccounted_mg=unaccounted,
        has_entries=bool(entries),
        keeps_ledger=keeps,
        problems=tuple(problems),
        notes=tuple(notes),
    )


def session_problems(session: DosingSession) -> list[str]:
    """dosing.sign_checks: why the session cannot be signed yet, from the ledger's side: a drawn
    amount not accounted for, or an administration that is not the delivered dose."""
    return list(session_account(session).problems)


def open_session_accounts(
    clinics: QuerySet[Clinic] | list[Clinic],
) -> list[tuple[DosingSession, SessionAccount]]:
    """Unsigned sessions that drew from the ledger, with their numbers (the overview's panel)."""
    sessions = (
        DosingSession.objects.filter(
            patient__clinic__in=clinics, signed_at__isnull=True, ledger_entries__isnull=False
        )
        .distinct()
        .select_related("patient")
        .order_by("started_at", "id")
    )
    return [(session, session_account(session)) for session in sessions]


def session_entries(session: DosingSession) -> QuerySet[Entry]:
    return Entry.objects.filter(session=session).select_related(
        "lot__product", "location", "recorded_by", "witness"
    )


# --- The dispensing record --------------------------------------------------------------------


def dispensing_record(clinic: Clinic, start: dt.date, end: dt.date) -> QuerySet[Entry]:
    """Every entry of the clinic dated within [start, end] (local days), oldest first, with what the
    record shows (21 CFR 1304.21 receipt and disposal; the content listed in 1304.22(c))."""
    tz = timezone.get_current_timezone()
    begin = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    finish = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return (
        Entry.objects.filter(clinic=clinic, occurred_at__gte=begin, occurred_at__lt=finish)
        .select_related("lot__product", "location", "recorded_by", "witness", "session__patient", "reverses")
        .order_by("occurred_at", "id")
    )
