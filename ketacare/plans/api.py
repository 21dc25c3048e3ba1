"""/api/v1: a patient's allergies, history flags and screening; the protocol library; orders.

The same services and checks as the pages: a dose outside the checks answers 400 naming the check
(field `confirm_reason`) unless the body carries `confirm_reason`; a nurse ordering answers 403.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import PermissionDenied
from ninja import Field, Router, Schema, Status

from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.roles import Action
from ketacare.accounts.selectors import clinics_where
from ketacare.api_errors import ERROR_RESPONSES
from ketacare.api_input import StrictSchema
from ketacare.audit.actions import AuditAction
from ketacare.audit.services import record_event
from ketacare.dosing.labels import ROUTE_LABELS
from ketacare.patients import services as patients
from ketacare.patients.models import Allergy, HistoryFlag
from ketacare.patients.selectors import get_patient_for
from ketacare.plans import selectors, services
from ketacare.plans.models import Order, Screening
from ketacare.rules import protocols

patients_router = Router(tags=["screening"])
protocols_router = Router(tags=["protocols"])
orders_router = Router(tags=["orders"])

Route = Annotated[str, Field(pattern="^(" + "|".join(ROUTE_LABELS) + ")$")]
# Printable text only: no NUL or other control characters.
Text = Annotated[str, Field(pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")]


class In(StrictSchema):
    """Every input here: the strict base (unknown fields, control characters, dates)."""


class AllergyIn(In):
    substance: Annotated[Text, Field(min_length=1, max_length=120)]
    reaction: Annotated[Text, Field(max_length=200)] = ""
    severity: Annotated[str, Field(pattern="^(mild|moderate|severe|unknown)$")] = "unknown"


class AllergyOut(Schema):
    id: int
    substance: str
    reaction: str
    severity: str
    recorded_at: dt.datetime
    recorded_by: str = Field(..., alias="recorded_by.username")


class HistoryIn(In):
    flag: Annotated[str, Field(pattern="^(" + "|".join(HistoryFlag.Flag.values) + ")$")]
    note: Annotated[Text, Field(max_length=300)] = ""


class HistoryOut(Schema):
    id: int
    flag: str
    note: str
    recorded_at: dt.datetime
    recorded_by: str = Field(..., alias="recorded_by.username")


class ReasonOut(Schema):
    code: str
    class_: str = Field(..., alias="class")
    message: str
    source: str
    input: str = ""


class ScreeningOut(Schema):
    id: int
    result: str
    effective_result: str
    reasons: list[ReasonOut]
    run_at: dt.datetime
    run_by: str
    trigger: str


class OverrideIn(In):
    code: Annotated[str, Field(min_length=1, max_length=60)]
    justification: Annotated[Text, Field(min_length=1, max_length=2000)]


class OverrideOut(Schema):
    id: int
    code: str
    input_ref: str
    justification: str
    overridden_at: dt.datetime
    overridden_by: str = Field(..., alias="overridden_by.username")


def _screening_out(screening: Screening) -> dict[str, object]:
    return {
        "id": screening.pk,
        "result": screening.result,
        "effective_result": services.effective_result(screening),
        "reasons": screening.reasons,
        "run_at": screening.run_at,
        "run_by": screening.run_by.get_username(),
        "trigger": screening.trigger,
    }


@patients_router.get(
    "/{patient_id}/allergies", response={200: list[AllergyOut], **ERROR_RESPONSES}, summary="Allergies"
)
def list_allergies(request: AuthedRequest, patient_id: int) -> list[Allergy]:
    patient = get_patient_for(request.user, patient_id)
    return list(patient.allergies.filter(entered_in_error=False).select_related("recorded_by"))


@patients_router.post(
    "/{patient_id}/allergies", response={201: AllergyOut, **ERROR_RESPONSES}, summary="Record an allergy"
)
def add_allergy(request: AuthedRequest, patient_id: int, payload: AllergyIn) -> Status:
    patient = get_patient_for(request.user, patient_id, Action.EDIT_CLINICAL)
    return Status(201, patients.add_allergy(by=request.user, patient=patient, **payload.dict()))


@patients_router.get(
    "/{patient_id}/history", response={200: list[HistoryOut], **ERROR_RESPONSES}, summary="History flags"
)
def list_history(request: AuthedRequest, patient_id: int) -> list[HistoryFlag]:
    patient = get_patient_for(request.user, patient_id)
    return list(patient.history_flags.filter(entered_in_error=False).select_related("recorded_by"))


@patients_router.post(
    "/{patient_id}/history", response={201: HistoryOut, **ERROR_RESPONSES}, summary="Record a history flag"
)
def add_history(request: AuthedRequest, patient_id: int, payload: HistoryIn) -> Status:
    patient = get_patient_for(request.user, patient_id, Action.EDIT_CLINICAL)
    return Status(201, patients.add_history_flag(by=request.user, patient=patient, **payload.dict()))


@patients_router.get(
    "/{patient_id}/screening",
    response={200: ScreeningOut, **ERROR_RESPONSES},
    summary="The latest eligibility screening",
    by_alias=True,
)
def latest_screening(request: AuthedRequest, patient_id: int) -> dict[str, object]:
    from django.http import Http404

    patient = get_patient_for(request.user, patient_id, Action.SCREEN_ELIGIBILITY)
    screening = selectors.latest_screening(patient)
    if screening is None:
        raise Http404("Not screened yet.")
    record_event(
        actor=request.user,
        action=AuditAction.READ,
        entity=screening,
        clinic=patient.clinic,
        patient_id=patient.pk,
    )
    return _screening_out(screening)


@patients_router.post(
    "/{patient_id}/screening",
    response={201: ScreeningOut, **ERROR_RESPONSES},
    summary="Run eligibility screening now",
    by_alias=True,
)
def run_screening(request: AuthedRequest, patient_id: int) -> Status:
    patient = get_patient_for(request.user, patient_id, Action.SCREEN_ELIGIBILITY)
    return Status(
        201, _screening_out(services.run_screening(by=request.user, patient=patient, trigger="api"))
    )


@patients_router.post(
    "/{patient_id}/screening/overrides",
    response={201: OverrideOut, **ERROR_RESPONSES},
    summary="Override a relative reason of the latest screening (prescriber, with a justification)",
)
def override(request: AuthedRequest, patient_id: int, payload: OverrideIn) -> Status:
    from django.core.exceptions import ValidationError

    patient = get_patient_for(request.user, patient_id, Action.OVERRIDE_SCREENING)
    screening = selectors.latest_screening(patient)
    if screening is None:
        raise ValidationError("Run the screening first.")
    return Status(201, services.override_reason(by=request.user, screening=screening, **payload.dict()))


# --- protocols ------------------------------------------------------------------------------------


class NumberOut(Schema):
    value: Decimal | None
    unit: str
    status: str
    source: str


class TextOut(Schema):
    text: str
    status: str
    source: str


class ProtocolOut(Schema):
    id: str
    title: str
    citation: str
    substance: str
    route: str
    dose: NumberOut
    dose_basis: str
    duration_min: NumberOut
    loading: TextOut | None
    sessions: NumberOut
    spacing: TextOut
    timing: TextOut
    adjunct: TextOut
    primary_endpoint: TextOut
    population: TextOut
    comparator: TextOut
    clinic_set: bool = False


class ClinicProtocolIn(In):
    name: Annotated[Text, Field(min_length=1, max_length=120)]
    route: Route
    mg_per_kg_min: Annotated[Decimal, Field(gt=0, max_digits=5, decimal_places=3)]
    mg_per_kg_max: Annotated[Decimal, Field(gt=0, max_digits=5, decimal_places=3)]
    duration_min: Annotated[Decimal, Field(ge=0, le=1440, max_digits=6, decimal_places=1)] | None = None
    sessions: Annotated[int, Field(ge=1, le=52)]
    min_spacing_days: Annotated[int, Field(ge=1, le=365)]
    rationale: Annotated[Text, Field(max_length=500)] = ""


@protocols_router.get(
    "", response={200: list[ProtocolOut], **ERROR_RESPONSES}, summary="The protocol library"
)
def list_protocols(request: AuthedRequest) -> list[object]:
    if not clinics_where(request.user, Action.VIEW_PATIENT).exists():
        raise PermissionDenied("The protocol library is for clinic staff.")
    library: list[object] = list(protocols.LIBRARY.values())
    for own in selectors.clinic_protocols_for(request.user):
        library.append(
            {
                "id": own.library_id,
                "title": own.name,
                "citation": f"Clinic protocol: {own.rationale}" if own.rationale else "Clinic protocol",
                "substance": "",
                "route": own.route,
                "dose": {
                    "value": own.mg_per_kg_max,
                    "unit": "mg/kg",
                    "status": "clinic-set",
                    "source": "clinic",
                },
                "dose_basis": "base",
                "duration_min": {
                    "value": own.duration_min,
                    "unit": "min",
                    "status": "clinic-set",
                    "source": "clinic",
                },
                "loading": None,
                "sessions": {
                    "value": own.sessions,
                    "unit": "sessions",
                    "status": "clinic-set",
                    "source": "clinic",
                },
                "spacing": {
                    "text": f"at least {own.min_spacing_days} days",
                    "status": "clinic-set",
                    "source": "clinic",
                },
                **{
                    k: {"text": "", "status": "clinic-set", "source": "clinic"}
                    for k in ("timing", "adjunct", "primary_endpoint", "population", "comparator")
                },
                "clinic_set": True,
            }
        )
    return library


@protocols_router.post(
    "", response={201: ProtocolOut, **ERROR_RESPONSES}, summary="Add a clinic protocol (within bounds)"
)
def add_protocol(request: AuthedRequest, payload: ClinicProtocolIn) -> Status:
    clinic = clinics_where(request.user, Action.ORDER_KETAMINE).order_by("name").first()
    if clinic is None:
        raise PermissionDenied("Only a prescriber adds a clinic protocol.")
    own = services.add_clinic_protocol(by=request.user, clinic=clinic, **payload.dict())
    (created,) = [p for p in list_protocols(request) if isinstance(p, dict) and p["id"] == own.library_id]
    return Status(201, created)


# --- orders ---------------------------------------------------------------------------------------


class OrderIn(In):
    patient_id: int
    protocol: Annotated[str, Field(min_length=1, max_length=40)]
    route: Route
    dose: Annotated[str, Field(min_length=1, max_length=20, description='"0.71mg/kg" or "50mg"')]
    salt: Annotated[str, Field(pattern="^(base|hcl)$")] = "base"
    duration_min: Annotated[Decimal, Field(ge=0, le=1440, max_digits=6, decimal_places=1)] | None = None
    loading_amount: Annotated[Decimal, Field(gt=0, max_digits=8, decimal_places=3)] | None = None
    loading_duration_min: Annotated[Decimal, Field(ge=0, le=60, max_digits=4, decimal_places=1)] | None = None
    sessions: Annotated[int, Field(ge=1, le=52)] = 1
    interval_days: Annotated[int, Field(ge=1, le=365)] | None = None
    start_on: dt.date | None = None
    confirm_reason: Annotated[Text, Field(max_length=1000)] = ""


class FindingOut(Schema):
    code: str
    message: str


class OrderOut(Schema):
    id: int
    patient_id: int
    protocol: str = Field(..., alias="protocol_id")
    protocol_title: str
    route: str
    dose: str = Field(..., alias="dose_text")
    salt: str
    dose_mg: Decimal
    mg_per_kg: Decimal
    weight_kg: Decimal
    weight_measured_at: dt.datetime
    weight_stale: bool
    duration_min: Decimal | None
    loading_amount: Decimal | None
    loading_duration_min: Decimal | None
    sessions: int
    interval_days: int | None
    start_on: dt.date
    findings: list[FindingOut]
    confirm_reason: str
    status: str
    created_at: dt.datetime
    signed_at: dt.datetime | None
    discontinued_at: dt.datetime | None
    discontinue_reason: str


class DiscontinueIn(In):
    reason: Annotated[Text, Field(min_length=1, max_length=300)]


@orders_router.get(
    "", response={200: list[OrderOut], **ERROR_RESPONSES}, summary="A patient's ketamine orders"
)
def list_orders(request: AuthedRequest, patient_id: int) -> list[Order]:
    patient = get_patient_for(request.user, patient_id, Action.ADMINISTER_KETAMINE)
    record_event(
        actor=request.user,
        action=AuditAction.READ,
        entity=patient,
        clinic=patient.clinic,
        patient_id=patient.pk,
    )
    return list(selectors.orders_of(patient))


@orders_router.post("", response={201: OrderOut, **ERROR_RESPONSES}, summary="Order ketamine (prescriber)")
def create_order(request: AuthedRequest, payload: OrderIn) -> Status:
    data = payload.dict()
    patient = get_patient_for(request.user, data.pop("patient_id"), Action.ORDER_KETAMINE)
    return Status(201, services.create_order(by=request.user, patient=patient, **data))


@orders_router.get("/{order_id}", response={200: OrderOut, **ERROR_RESPONSES}, summary="Read one order")
def read_order(request: AuthedRequest, order_id: int) -> Order:
    return selectors.get_order_for(request.user, order_id, Action.ADMINISTER_KETAMINE)


@orders_router.post("/{order_id}/sign", response={200: OrderOut, **ERROR_RESPONSES}, summary="Sign an order")
def sign_order(request: AuthedRequest, order_id: int) -> Order:
    order = selectors.get_order_for(request.user, order_id, Action.ORDER_KETAMINE)
    return services.sign_order(by=request.user, order=order)


@orders_router.post(
    "/{order_id}/discontinue", response={200: OrderOut, **ERROR_RESPONSES}, summary="Discontinue an order"
)
def discontinue_order(request: AuthedRequest, order_id: int, payload: DiscontinueIn) -> Order:
    order = selectors.get_order_for(request.user, order_id, Action.ORDER_KETAMINE)
    return services.discontinue_order(by=request.user, order=order, reason=payload.reason)
