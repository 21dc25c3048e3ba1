"""/api/v1/ledger: controlled-substance products, lots, locations, entries, balance and counts.

The same services, access checks and audit as the pages; errors in the API's one shape (a draw
above the balance answers 400). No module-level `from __future__ import annotations` here: django-ninja's
pagination needs the real annotations (shared/DESIGN.md, pitfalls).
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from django.http import Http404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.roles import Action
from ketacare.api_errors import ERROR_RESPONSES
from ketacare.api_input import StrictSchema
from ketacare.api_paging import Pagination
from ketacare.dosing.selectors import audit_session_read, get_session_for
from ketacare.ledger import selectors, services
from ketacare.ledger.models import (
    CONTAINER_ML_MAX,
    QUANTITY_MG_MAX,
    STRENGTH_MG_PER_ML_MAX,
    Count,
    LossReport,
    Lot,
)

router = Router(tags=["ledger"])

QuantityMg = Annotated[Decimal, Field(gt=0, le=QUANTITY_MG_MAX, max_digits=12, decimal_places=3)]
Text = Annotated[str, Field(max_length=500)]


class Forbid(StrictSchema):
    """Every ledger input: the strict base (unknown fields, control characters, dates)."""


class ProductIn(Forbid):
    clinic_id: int | None = Field(None, description="Needed only if you work in several clinics.")
    name: str = Field(..., min_length=1, max_length=150)
    strength_mg_per_ml: Decimal = Field(..., gt=0, le=STRENGTH_MG_PER_ML_MAX, max_digits=8, decimal_places=3)
    strength_basis: Literal["base", "salt"] = Field(..., description="Whether the label states base or salt.")
    container_ml: Decimal = Field(..., gt=0, le=CONTAINER_ML_MAX, max_digits=8, decimal_places=3)
    schedule: Literal["II", "III", "IV", "V"] = "III"


class ProductOut(Schema):
    id: int
    clinic_id: int
    name: str
    strength_mg_per_ml: Decimal
    strength_basis: str
    container_ml: Decimal
    schedule: str


class LotIn(Forbid):
    product_id: int
    lot_number: str = Field(..., min_length=1, max_length=40)
    expires_on: dt.date


class LotOut(Schema):
    id: int
    product_id: int
    lot_number: str
    expires_on: dt.date


class LocationIn(Forbid):
    clinic_id: int | None = None
    name: str = Field(..., min_length=1, max_length=100)
    kind: Literal["safe", "cart"]
    registration_number: str = Field("", max_length=20)


class LocationOut(Schema):
    id: int
    clinic_id: int
    name: str
    kind: str
    registration_number: str


class EntryIn(Forbid):
    kind: Literal[
        "receipt",
        "transfer",
        "draw",
        "administration",
        "return",
        "waste",
        "destruction",
        "loss",
        "adjustment",
    ]
    lot_id: int
    quantity_mg: QuantityMg
    location_id: int | None = Field(
        None, description="Default: where the lot is (draw), where it was drawn from, or the safe."
    )
    to_location_id: int | None = Field(None, description="Transfer only: where it goes.")
    session_id: int | None = None
    witness_id: int | None = None
    witness_password: str | None = Field(
        None,
        max_length=128,
        description="The witness's password, re-entered; without it the witness is recorded as named.",
    )
    reason: Text = ""
    occurred_at: dt.datetime | None = None
    increase: bool = Field(False, description="Adjustment only: add instead of remove.")
    loss_kind: Literal["theft", "loss"] = "loss"
    supplier_name: str = Field("", max_length=200)
    supplier_address: str = Field("", max_length=300)
    supplier_registration_number: str = Field("", max_length=20)
    invoice_number: str = Field("", max_length=60)
    received_on: dt.date | None = None


class EntryOut(Schema):
    id: int
    kind: str
    lot_id: int
    location_id: int
    quantity_mg: Decimal
    quantity_ml: Decimal
    stock_delta_mg: Decimal
    session_id: int | None
    witness_id: int | None
    witness_method: str
    reason: str
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    recorded_by: str = Field(..., alias="recorded_by.username")
    reverses_id: int | None
    delivered_mg: Decimal | None = Field(
        None, description="Administration only: the session's delivered dose (mg base) when recorded."
    )
    supplier_name: str
    supplier_registration_number: str
    invoice_number: str
    received_on: dt.date | None


class ReversalIn(Forbid):
    reason: str = Field(..., min_length=1, max_length=500)


class BalanceOut(Schema):
    lot_id: int
    balance_mg: Decimal


class CountLineIn(Forbid):
    lot_id: int
    counted_mg: Decimal = Field(..., ge=0, le=QUANTITY_MG_MAX, max_digits=12, decimal_places=3)


class CountIn(Forbid):
    location_id: int
    kind: Literal["scheduled", "initial", "biennial"] = "scheduled"
    lines: list[CountLineIn] = Field(..., max_length=500)
    counted_at: dt.datetime | None = None
    witness_id: int | None = None


class CountLineOut(Schema):
    lot_id: int
    counted_mg: Decimal
    ledger_mg: Decimal
    discrepancy_id: int | None = None


class CountOut(Schema):
    id: int
    location_id: int
    kind: str
    counted_at: dt.datetime
    counted_by: str
    lines: list[CountLineOut]


def _count_out(count: Count) -> dict[str, object]:
    lines = [
        {
            "lot_id": line.lot_id,
            "counted_mg": line.counted_mg,
            "ledger_mg": line.ledger_mg,
            "discrepancy_id": getattr(getattr(line, "discrepancy", None), "pk", None),
        }
        for line in count.lines.select_related("discrepancy")
    ]
    return {
        "id": count.pk,
        "location_id": count.location_id,
        "kind": count.kind,
        "counted_at": count.counted_at,
        "counted_by": count.counted_by.username,
        "lines": lines,
    }


# --- Products, lots, locations ------------------------------------------------------------------


@router.get(
    "/products", response={200: list[ProductOut], **ERROR_RESPONSES}, summary="Products of your clinics"
)
@paginate(Pagination)
def list_products(request: AuthedRequest):  # type: ignore[no-untyped-def]
    clinics = selectors.visible_clinics(request.user)
    selectors.audit_read(request.user, "ledger.product")
    return selectors.products_of(clinics)


@router.post("/products", response={201: ProductOut, **ERROR_RESPONSES}, summary="Add a product")
def create_product(request: AuthedRequest, payload: ProductIn) -> Status:
    data = payload.dict()
    clinic = selectors.clinic_for(request.user, data.pop("clinic_id"), Action.LEDGER_RECEIVE)
    return Status(201, services.create_product(by=request.user, clinic=clinic, **data))


@router.get("/lots", response={200: list[LotOut], **ERROR_RESPONSES}, summary="Lots of your clinics")
@paginate(Pagination)
def list_lots(request: AuthedRequest, product_id: int | None = None):  # type: ignore[no-untyped-def]
    clinics = selectors.visible_clinics(request.user)
    lots = selectors.lots_of(clinics)
    if product_id is not None:
        lots = lots.filter(product_id=product_id)
    selectors.audit_read(request.user, "ledger.lot")
    return lots


@router.post("/lots", response={201: LotOut, **ERROR_RESPONSES}, summary="Add a lot of a product")
def create_lot(request: AuthedRequest, payload: LotIn) -> Status:
    product = selectors.get_product_for(request.user, payload.product_id, Action.LEDGER_RECEIVE)
    lot = services.create_lot(
        by=request.user, product=product, lot_number=payload.lot_number, expires_on=payload.expires_on
    )
    return Status(201, lot)


@router.get("/locations", response={200: list[LocationOut], **ERROR_RESPONSES}, summary="Safes and carts")
@paginate(Pagination)
def list_locations(request: AuthedRequest):  # type: ignore[no-untyped-def]
    clinics = selectors.visible_clinics(request.user)
    selectors.audit_read(request.user, "ledger.storagelocation")
    return selectors.locations_of(clinics)


@router.post("/locations", response={201: LocationOut, **ERROR_RESPONSES}, summary="Add a safe or cart")
def create_location(request: AuthedRequest, payload: LocationIn) -> Status:
    data = payload.dict()
    clinic = selectors.clinic_for(request.user, data.pop("clinic_id"), Action.LEDGER_RECEIVE)
    return Status(201, services.create_location(by=request.user, clinic=clinic, **data))


# --- Entries and balance ------------------------------------------------------------------------


@router.get("/entries", response={200: list[EntryOut], **ERROR_RESPONSES}, summary="Entries, newest first")
@paginate(Pagination)
def list_entries(  # type: ignore[no-untyped-def]
    request: AuthedRequest, lot_id: int | None = None, session_id: int | None = None
):
    clinics = selectors.visible_clinics(request.user)
    entries = selectors.entries_of(clinics)
    if lot_id is not None:
        entries = entries.filter(lot_id=lot_id)
    if session_id is not None:
        entries = entries.filter(session_id=session_id)
    selectors.audit_read(request.user, "ledger.entry")
    return entries


@router.post("/entries", response={201: EntryOut, **ERROR_RESPONSES}, summary="Record an entry")
def record_entry(request: AuthedRequest, payload: EntryIn) -> Status:
    data = payload.dict()
    action = services.KIND_ACTION[data["kind"]]
    lot = selectors.get_lot_for(request.user, data.pop("lot_id"), action)
    clinic = lot.product.clinic
    location_id, to_location_id, session_id = (
        data.pop("location_id"),
        data.pop("to_location_id"),
        data.pop("session_id"),
    )
    location = selectors.get_location_for(request.user, location_id, action) if location_id else None
    to_location = selectors.get_location_for(request.user, to_location_id, action) if to_location_id else None
    session = get_session_for(request.user, session_id, Action.LEDGER_DRAW) if session_id else None
    witness = selectors.get_witness_for(request.user, clinic, data.pop("witness_id"))
    receipt = services.Receipt(
        **{
            field: data.pop(field)
            for field in (
                "supplier_name",
                "supplier_address",
                "supplier_registration_number",
                "invoice_number",
                "received_on",
            )
        }
    )
    entry = services.record_entry(
        by=request.user,
        lot=lot,
        location=location,
        to_location=to_location,
        session=session,
        witness=witness,
        receipt=receipt,
        **data,
    )
    return Status(201, entry)


@router.post(
    "/entries/{entry_id}/reverse",
    response={201: EntryOut, **ERROR_RESPONSES},
    summary="Reverse a wrong entry with a new one (the wrong one stays)",
)
def reverse_entry(request: AuthedRequest, entry_id: int, payload: ReversalIn) -> Status:
    entry = selectors.get_entry_for(request.user, entry_id, Action.LEDGER_RECEIVE)
    return Status(201, services.reverse_entry(by=request.user, entry=entry, reason=payload.reason))


@router.get("/balance", response={200: BalanceOut, **ERROR_RESPONSES}, summary="A lot's balance, mg")
def balance(request: AuthedRequest, lot_id: int, location_id: int | None = None) -> dict[str, object]:
    lot = selectors.get_lot_for(request.user, lot_id)
    location = selectors.get_location_for(request.user, location_id) if location_id else None
    if location is not None and location.clinic_id != lot.product.clinic_id:
        raise Http404("Not found.")
    selectors.audit_read(request.user, "ledger.balance", lot.product.clinic, lot)
    return {"lot_id": lot.pk, "balance_mg": selectors.balance_mg(lot, location)}


class SessionAccountOut(Schema):
    """One session's numbers, mg of ketamine base (a salt-labelled product's mg converted)."""

    session_id: int
    ordered_mg: Decimal
    delivered_mg: Decimal | None = Field(
        ..., description="From the infusion events, or the session's dose without any; null if unknown."
    )
    delivered_from: Literal["infusion_events", "session_dose"]
    delivered_final: bool = Field(..., description="False while the infusion still runs or is paused.")
    drawn_mg: Decimal
    administered_mg: Decimal
    wasted_mg: Decimal
    returned_mg: Decimal
    unaccounted_mg: Decimal
    to_administer_mg: Decimal | None = Field(
        ..., description="The delivered dose not yet recorded as administered."
    )
    to_waste_or_return_mg: Decimal
    problems: list[str] = Field(..., description="What holds the session's signature back, if anything.")
    notes: list[str] = Field(
        ..., description="Shown, not enforced: e.g. the prepared lot is not the drawn one."
    )


@router.get(
    "/sessions/{session_id}",
    response={200: SessionAccountOut, **ERROR_RESPONSES},
    summary="A session's ledger: ordered, delivered, drawn, administered, wasted, returned",
)
def session_account(request: AuthedRequest, session_id: int) -> dict[str, object]:
    session = get_session_for(request.user, session_id, Action.LEDGER_VIEW)
    audit_session_read(request.user, session)
    account = selectors.session_account(session)
    return {
        **{
            field: getattr(account, field)
            for field in SessionAccountOut.model_fields
            if hasattr(account, field)
        },
        "problems": list(account.problems),
        "notes": list(account.notes),
    }


# --- Counts -------------------------------------------------------------------------------------


@router.get("/counts", response={200: list[CountOut], **ERROR_RESPONSES}, summary="Counts, newest first")
@paginate(Pagination)
def list_counts(request: AuthedRequest):  # type: ignore[no-untyped-def]
    clinics = selectors.visible_clinics(request.user)
    selectors.audit_read(request.user, "ledger.count")
    return [_count_out(count) for count in selectors.counts_of(clinics)[:500]]


@router.post("/counts", response={201: CountOut, **ERROR_RESPONSES}, summary="Record a count of a location")
def record_count(request: AuthedRequest, payload: CountIn) -> Status:
    location = selectors.get_location_for(request.user, payload.location_id, Action.LEDGER_COUNT)
    counted: dict[Lot, Decimal] = {}
    for line in payload.lines:
        lot = selectors.get_lot_for(request.user, line.lot_id, Action.LEDGER_COUNT)
        counted[lot] = line.counted_mg
    witness = selectors.get_witness_for(request.user, location.clinic, payload.witness_id)
    count = services.record_count(
        by=request.user,
        location=location,
        kind=payload.kind,
        counted_mg=counted,
        counted_at=payload.counted_at,
        witness=witness,
    )
    return Status(201, _count_out(count))


class ResolveIn(Forbid):
    reason: str = Field(..., min_length=1, max_length=500)
    adjust: bool = Field(True, description="Also bring the ledger to the counted amount.")


class DiscrepancyOut(Schema):
    id: int
    lot_id: int = Field(..., alias="line.lot_id")
    counted_mg: Decimal = Field(..., alias="line.counted_mg")
    ledger_mg: Decimal = Field(..., alias="line.ledger_mg")
    opened_at: dt.datetime
    resolved_at: dt.datetime | None
    resolution: str
    adjustment_id: int | None


@router.get(
    "/discrepancies", response={200: list[DiscrepancyOut], **ERROR_RESPONSES}, summary="Open discrepancies"
)
@paginate(Pagination)
def list_discrepancies(request: AuthedRequest):  # type: ignore[no-untyped-def]
    clinics = selectors.visible_clinics(request.user)
    selectors.audit_read(request.user, "ledger.discrepancy")
    return selectors.open_discrepancies(clinics)


@router.post(
    "/discrepancies/{discrepancy_id}/resolve",
    response={200: DiscrepancyOut, **ERROR_RESPONSES},
    summary="Resolve a discrepancy with a reason",
)
def resolve(request: AuthedRequest, discrepancy_id: int, payload: ResolveIn) -> object:
    discrepancy = selectors.get_discrepancy_for(request.user, discrepancy_id)
    return services.resolve_discrepancy(
        by=request.user, discrepancy=discrepancy, reason=payload.reason, adjust=payload.adjust
    )


class LossNoticeIn(Forbid):
    notice_sent_at: dt.datetime | None = None
    form_106_filed_at: dt.datetime | None = None
    form_106_reference: str = Field("", max_length=60)


class LossReportOut(Schema):
    id: int
    entry_id: int
    kind: str
    discovered_at: dt.datetime
    notice_due_on: dt.date
    notice_sent_at: dt.datetime | None
    form_106_filed_at: dt.datetime | None
    form_106_reference: str


@router.post(
    "/loss-reports/{report_id}",
    response={200: LossReportOut, **ERROR_RESPONSES},
    summary="Record the notice of a theft or loss and its Form 106",
)
def loss_notice(request: AuthedRequest, report_id: int, payload: LossNoticeIn) -> LossReport:
    report = selectors.get_loss_report_for(request.user, report_id)
    return services.record_loss_notice(by=request.user, report=report, **payload.dict())
