"""/api/v1/plans, /api/v1/mat-orders and /api/v1/therapy-sessions (issue 12).

The same services, access and audit as the pages: a nurse or prescriber writes a plan, a prescriber
orders MAT, a therapist records therapy; a patient's own login reads their own (404 for anyone else's).
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.roles import Action
from ketacare.api_errors import ERROR_RESPONSES
from ketacare.api_input import StrictSchema
from ketacare.api_paging import Lazy, Pagination
from ketacare.patients.selectors import get_patient_for
from ketacare.plans import selectors, services
from ketacare.plans.models import TherapySession, TreatmentPlan
from ketacare.plans.services import TherapyLine

plans_router = Router(tags=["plans"])
mat_router = Router(tags=["mat"])
therapy_router = Router(tags=["therapy"])

Text = Annotated[str, Field(pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")]
# A record id: bounded so that no number reaches the database beyond its integer column.
Id = Annotated[int, Field(ge=1, le=2_147_483_647)]


class PlanMeasurementIn(StrictSchema):
    instrument: Annotated[str, Field(min_length=1, max_length=40)]
    interval_days: Annotated[int, Field(ge=1, le=365)]


class PlanTherapyIn(StrictSchema):
    modality: Annotated[str, Field(min_length=1, max_length=20)]
    every_days: Annotated[int, Field(ge=1, le=90)]
    therapist_id: Id | None = None


class PlanIn(StrictSchema):
    patient_id: Id
    protocol: Annotated[str, Field(max_length=40, description="A library id, clinic-<id>, or empty")] = ""
    title: Annotated[Text, Field(min_length=1, max_length=120)]
    substances: Annotated[list[Annotated[str, Field(max_length=20)]], Field(min_length=1, max_length=8)]
    goals: Annotated[
        list[Annotated[Text, Field(min_length=1, max_length=300)]],
        Field(min_length=1, max_length=20, description="In the patient's own words"),
    ]
    order_id: Id | None = None
    induction_sessions: Annotated[int, Field(ge=1, le=52)] | None = None
    induction_spacing_days: Annotated[int, Field(ge=1, le=365)] | None = None
    maintenance_instrument: Annotated[str, Field(pattern="^(|craving-vas|phq-9)$")] = ""
    maintenance_weeks: Annotated[int, Field(ge=1, le=12)] | None = None
    preparation_visits: Annotated[int, Field(ge=0, le=20)] = 0
    integration_after_each_dose: bool = False
    measurements: Annotated[list[PlanMeasurementIn], Field(max_length=10)] = []
    therapies: Annotated[list[PlanTherapyIn], Field(max_length=5)] = []
    reason: Annotated[Text, Field(min_length=1, max_length=1000)] = "New plan."


class PlanStatusIn(StrictSchema):
    status: Annotated[str, Field(pattern="^(draft|active|on_hold|completed|discontinued)$")]
    reason: Annotated[Text, Field(min_length=1, max_length=1000)]


class PlanAgreementIn(StrictSchema):
    how: Annotated[str, Field(pattern="^(in_person|written|remote)$")]
    note: Annotated[Text, Field(max_length=500)] = ""


class PlanGoalOut(Schema):
    id: int
    text: str
    achieved_on: dt.date | None


class PlanTherapyOut(Schema):
    modality: str
    every_days: int
    therapist_id: Id | None


class PlanChangeOut(Schema):
    kind: str
    from_status: str
    to_status: str
    fields: list[str]
    reason: str
    at: dt.datetime
    by: str


class PlanOut(Schema):
    id: int
    patient_id: Id
    title: str
    substances: list[str]
    status: str
    protocol: str
    protocol_title: str
    order_id: Id | None
    induction_sessions: int | None
    induction_spacing_days: int | None
    maintenance_instrument: str
    maintenance_weeks: int | None
    preparation_visits: int
    integration_after_each_dose: bool
    measurements: list[dict[str, Any]]
    goals: list[PlanGoalOut]
    therapies: list[PlanTherapyOut]
    agreed_at: dt.datetime | None
    agreed_how: str
    created_at: dt.datetime
    problems: list[str] = Field(..., description="What the plan refers to that does not hold now")
    changes: list[PlanChangeOut]


def _plan_out(plan: TreatmentPlan) -> dict[str, Any]:
    return {
        **{
            name: getattr(plan, name)
            for name in (
                "id",
                "patient_id",
                "title",
                "substances",
                "status",
                "protocol_title",
                "order_id",
                "induction_sessions",
                "induction_spacing_days",
                "maintenance_instrument",
                "maintenance_weeks",
                "preparation_visits",
                "integration_after_each_dose",
                "measurements",
                "agreed_at",
                "agreed_how",
                "created_at",
            )
        },
        "protocol": plan.protocol_id,
        "goals": list(plan.goals.filter(active=True)),
        "therapies": list(plan.therapies.filter(active=True)),
        "problems": selectors.plan_course_problems(plan),
        "changes": [
            {
                "kind": c.kind,
                "from_status": c.from_status,
                "to_status": c.to_status,
                "fields": c.fields,
                "reason": c.reason,
                "at": c.at,
                "by": c.by.get_username(),
            }
            for c in plan.changes.select_related("by")
        ],
    }


@plans_router.get("", response={200: list[PlanOut], **ERROR_RESPONSES}, summary="A patient's treatment plans")
@paginate(Pagination)
def list_plans(request: AuthedRequest, patient_id: Id) -> Any:
    patient = get_patient_for(request.user, patient_id)
    return Lazy(selectors.plans_of(patient), _plan_out)


@plans_router.post(
    "", response={201: PlanOut, **ERROR_RESPONSES}, summary="Write a treatment plan (nurse or prescriber)"
)
def create_plan(request: AuthedRequest, payload: PlanIn) -> Status:
    data = payload.dict()
    patient = get_patient_for(request.user, data.pop("patient_id"), Action.EDIT_PLAN)
    data["therapies"] = [TherapyLine(**t) for t in data["therapies"]]
    return Status(201, _plan_out(services.create_plan(by=request.user, patient=patient, **data)))


@plans_router.get("/{plan_id}", response={200: PlanOut, **ERROR_RESPONSES}, summary="Read one plan")
def read_plan(request: AuthedRequest, plan_id: Id) -> dict[str, Any]:
    return _plan_out(selectors.get_plan_for(request.user, plan_id))


@plans_router.post(
    "/{plan_id}/status",
    response={200: PlanOut, **ERROR_RESPONSES},
    summary="Change a plan's status, with why",
)
def plan_status(request: AuthedRequest, plan_id: Id, payload: PlanStatusIn) -> dict[str, Any]:
    plan = selectors.get_plan_for(request.user, plan_id, Action.EDIT_PLAN)
    return _plan_out(services.change_plan_status(by=request.user, plan=plan, **payload.dict()))


@plans_router.post(
    "/{plan_id}/agreement",
    response={200: PlanOut, **ERROR_RESPONSES},
    summary="Record the patient's agreement",
)
def plan_agreement(request: AuthedRequest, plan_id: Id, payload: PlanAgreementIn) -> dict[str, Any]:
    plan = selectors.get_plan_for(request.user, plan_id, Action.EDIT_PLAN)
    return _plan_out(services.record_agreement(by=request.user, plan=plan, **payload.dict()))


# --- MAT ------------------------------------------------------------------------------------------


class MatOrderIn(StrictSchema):
    patient_id: Id
    drug: Annotated[str, Field(pattern="^(methadone|buprenorphine|naltrexone)$")]
    form: Annotated[str, Field(pattern="^(oral|sublingual|injection-xr)$")]
    dose_mg: Annotated[Decimal, Field(gt=0, max_digits=7, decimal_places=2)]
    schedule: Annotated[Text, Field(min_length=1, max_length=120)]
    start_on: dt.date | None = None
    is_start: bool = True
    plan_id: Id | None = None
    last_opioid_use_on: dt.date | None = None
    no_opioid_use: bool = False
    note: Annotated[Text, Field(max_length=500)] = ""


class MatDoseChangeOut(Schema):
    dose_mg: Decimal
    effective_on: dt.date
    reason: str
    changed_at: dt.datetime


class MatOrderOut(Schema):
    id: int
    patient_id: Id
    plan_id: Id | None
    drug: str
    form: str
    dose_mg: Decimal
    schedule: str
    start_on: dt.date
    is_start: bool
    cows_threshold: int | None
    opioid_free_days_required: int | None
    status: str
    created_at: dt.datetime
    stopped_at: dt.datetime | None
    stop_reason: str
    dose_history: list[MatDoseChangeOut] = Field(..., alias="dose_changes")


@mat_router.get("", response={200: list[MatOrderOut], **ERROR_RESPONSES}, summary="A patient's MAT orders")
@paginate(Pagination)
def list_mat_orders(request: AuthedRequest, patient_id: Id) -> Any:
    patient = get_patient_for(request.user, patient_id)
    return selectors.mat_orders_of(patient)


@mat_router.post("", response={201: MatOrderOut, **ERROR_RESPONSES}, summary="Order MAT (prescriber)")
def create_mat_order(request: AuthedRequest, payload: MatOrderIn) -> Status:
    data = payload.dict()
    patient = get_patient_for(request.user, data.pop("patient_id"), Action.ORDER_MAT)
    return Status(201, services.create_mat_order(by=request.user, patient=patient, **data))


# --- therapy --------------------------------------------------------------------------------------


class TherapySessionIn(StrictSchema):
    patient_id: Id
    kind: Annotated[str, Field(pattern="^(therapy|preparation|integration)$")]
    modality: Annotated[str, Field(pattern="^(cbt|mi|met|mbrp|kap-preparation|kap-integration)$")]
    occurred_at: dt.datetime
    attendance: Annotated[str, Field(pattern="^(attended|missed)$")]
    duration_min: Annotated[int, Field(ge=1, le=480)] | None = None
    goal_ids: Annotated[list[Id], Field(max_length=20)] = []
    note: Annotated[Text, Field(max_length=2000)] = ""
    homework: Annotated[Text, Field(max_length=1000)] = ""
    plan_id: Id | None = None
    dosing_session_id: Id | None = None


class TherapySessionOut(Schema):
    id: int
    patient_id: Id
    plan_id: Id | None
    kind: str
    modality: str
    occurred_at: dt.datetime
    duration_min: int | None
    attendance: str
    goal_ids: list[int]
    note: str
    homework: str
    dosing_session_id: Id | None
    hours_after_dose: Decimal | None
    outside_window: bool
    entered_in_error: bool
    recorded_at: dt.datetime

    @staticmethod
    def resolve_goal_ids(obj: TherapySession) -> list[int]:
        return [g.pk for g in obj.goals.all()]


@therapy_router.get(
    "", response={200: list[TherapySessionOut], **ERROR_RESPONSES}, summary="A patient's therapy sessions"
)
@paginate(Pagination)
def list_therapy_sessions(request: AuthedRequest, patient_id: Id) -> Any:
    patient = get_patient_for(request.user, patient_id)
    return selectors.therapy_sessions_of(patient)


@therapy_router.post(
    "", response={201: TherapySessionOut, **ERROR_RESPONSES}, summary="Record a therapy session (therapist)"
)
def record_therapy_session(request: AuthedRequest, payload: TherapySessionIn) -> Status:
    data = payload.dict()
    patient = get_patient_for(request.user, data.pop("patient_id"), Action.RECORD_THERAPY)
    session = services.record_therapy_session(by=request.user, patient=patient, **data)
    return Status(201, session)
