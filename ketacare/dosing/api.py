"""/api/v1/sessions: monitored dosing sessions, their vitals (with the alerts they raise), side
effects, start, end and signature. Never delete. The same services and checks as the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from django.http import Http404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.roles import Action
from ketacare.api_errors import ERROR_RESPONSES
from ketacare.api_input import StrictSchema
from ketacare.api_paging import Pagination
from ketacare.audit.services import record_event
from ketacare.dosing import selectors, services
from ketacare.dosing.labels import ROUTE_LABELS
from ketacare.dosing.models import DosingSession, SideEffect, VitalSign
from ketacare.patients.selectors import get_patient_for
from ketacare.rules import record_limits as limits

router = Router(tags=["sessions"])
Entry = TypeVar("Entry", VitalSign, SideEffect)

Route = Annotated[str, Field(pattern="^(" + "|".join(ROUTE_LABELS) + ")$")]
DoseMg = Annotated[Decimal, Field(gt=0, le=limits.SESSION_DOSE_MG_MAX, max_digits=7, decimal_places=2)]
Systolic = Annotated[int, Field(ge=limits.SYSTOLIC_MMHG_MIN, le=limits.SYSTOLIC_MMHG_MAX)]
Diastolic = Annotated[int, Field(ge=limits.DIASTOLIC_MMHG_MIN, le=limits.DIASTOLIC_MMHG_MAX)]
HeartRate = Annotated[int, Field(ge=limits.HEART_RATE_PER_MIN_MIN, le=limits.HEART_RATE_PER_MIN_MAX)]
SpO2 = Annotated[int, Field(ge=limits.SPO2_PERCENT_MIN, le=limits.SPO2_PERCENT_MAX)]
RespiratoryRate = Annotated[
    int, Field(ge=limits.RESPIRATORY_RATE_PER_MIN_MIN, le=limits.RESPIRATORY_RATE_PER_MIN_MAX)
]
Kind = Annotated[str, Field(pattern="^(" + "|".join(SideEffect.Kind.values) + ")$")]
Severity = Annotated[str, Field(pattern="^(mild|moderate|severe)$")]


class SessionOut(Schema):
    id: int
    patient_id: int
    route: str
    dose_mg: Decimal
    duration_min: Decimal | None
    regimen: str
    status: str
    signed: bool
    created_at: dt.datetime
    created_by: str = Field(..., alias="created_by.username")
    consent_confirmed: bool
    fasting_confirmed: bool
    escort_confirmed: bool
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    discharge_note: str
    signed_at: dt.datetime | None


class SessionIn(StrictSchema):
    patient_id: int
    route: Route
    dose_mg: DoseMg = Field(..., description="Ketamine base, mg.")
    duration_min: Annotated[Decimal, Field(ge=0, le=1440, max_digits=6, decimal_places=1)] | None = None
    regimen: str = Field("", max_length=300)


class ChecklistIn(StrictSchema):
    consent_confirmed: bool
    fasting_confirmed: bool
    escort_confirmed: bool


class VitalIn(StrictSchema):
    systolic_mmhg: Systolic
    diastolic_mmhg: Diastolic
    heart_rate_per_min: HeartRate
    spo2_percent: SpO2
    respiratory_rate_per_min: RespiratoryRate | None = None
    measured_at: dt.datetime | None = None


class VitalOut(Schema):
    id: int
    measured_at: dt.datetime
    systolic_mmhg: int
    diastolic_mmhg: int
    heart_rate_per_min: int
    spo2_percent: int
    respiratory_rate_per_min: int | None
    alerts: list[str]
    recorded_at: dt.datetime
    recorded_by: str = Field(..., alias="recorded_by.username")
    entered_in_error: bool
    error_reason: str


class VitalAlertOut(Schema):
    """An in-session alert a vital sign raised (distinct from outcomes' safety alerts, AlertOut)."""

    code: str
    message: str


class RecordedVitalOut(Schema):
    """What recording a vital caused: the stored reading and the alerts it raised."""

    vital: VitalOut
    alerts: list[VitalAlertOut]


class SideEffectIn(StrictSchema):
    kind: Kind
    severity: Severity
    note: str = Field("", max_length=500)
    occurred_at: dt.datetime | None = None


class SideEffectOut(Schema):
    id: int
    occurred_at: dt.datetime
    kind: str
    severity: str
    note: str
    recorded_at: dt.datetime
    recorded_by: str = Field(..., alias="recorded_by.username")
    entered_in_error: bool
    error_reason: str


class EndIn(StrictSchema):
    discharge_note: str = Field(..., min_length=1, max_length=4000)


def _session(
    request: AuthedRequest, session_id: int, action: Action = Action.ADMINISTER_KETAMINE
) -> DosingSession:
    return selectors.get_session_for(request.user, session_id, action)


@router.get("", response={200: list[SessionOut], **ERROR_RESPONSES}, summary="A patient's sessions")
@paginate(Pagination)
def list_sessions(request: AuthedRequest, patient_id: int) -> Any:
    patient = get_patient_for(request.user, patient_id, Action.ADMINISTER_KETAMINE)
    record_event(
        actor=request.user, action="read", entity=patient, clinic=patient.clinic, patient_id=patient.pk
    )
    return list(selectors.sessions_of(patient))


@router.post("", response={201: SessionOut, **ERROR_RESPONSES}, summary="Plan a session")
def plan_session(request: AuthedRequest, payload: SessionIn) -> Status:
    data = payload.dict()
    patient = get_patient_for(request.user, data.pop("patient_id"), Action.ADMINISTER_KETAMINE)
    return Status(201, services.plan_session(by=request.user, patient=patient, **data))


@router.get("/{session_id}", response={200: SessionOut, **ERROR_RESPONSES}, summary="Read one session")
def read_session(request: AuthedRequest, session_id: int) -> DosingSession:
    session = _session(request, session_id)
    selectors.audit_session_read(request.user, session)
    return session


@router.post(
    "/{session_id}/start",
    response={200: SessionOut, **ERROR_RESPONSES},
    summary="Confirm the checklist and start",
)
def start_session(request: AuthedRequest, session_id: int, payload: ChecklistIn) -> DosingSession:
    return services.start_session(by=request.user, session=_session(request, session_id), **payload.dict())


@router.get(
    "/{session_id}/vitals",
    response={200: list[VitalOut], **ERROR_RESPONSES},
    summary="Vital signs, in time order",
)
@paginate(Pagination)
def list_vitals(request: AuthedRequest, session_id: int) -> Any:
    session = _session(request, session_id)
    selectors.audit_session_read(request.user, session)
    return list(session.vitals.select_related("recorded_by"))


@router.post(
    "/{session_id}/vitals",
    response={201: RecordedVitalOut, **ERROR_RESPONSES},
    summary="Record vital signs; returns the alerts they raised",
)
def record_vital(request: AuthedRequest, session_id: int, payload: VitalIn) -> Status:
    recorded = services.record_vital_sign(
        by=request.user, session=_session(request, session_id), **payload.dict()
    )
    return Status(201, {"vital": recorded.vital, "alerts": recorded.alerts})


@router.get(
    "/{session_id}/side-effects",
    response={200: list[SideEffectOut], **ERROR_RESPONSES},
    summary="Side effects, in time order",
)
@paginate(Pagination)
def list_side_effects(request: AuthedRequest, session_id: int) -> Any:
    session = _session(request, session_id)
    selectors.audit_session_read(request.user, session)
    return list(session.side_effects.select_related("recorded_by"))


@router.post(
    "/{session_id}/side-effects",
    response={201: SideEffectOut, **ERROR_RESPONSES},
    summary="Record a side effect",
)
def record_side_effect(request: AuthedRequest, session_id: int, payload: SideEffectIn) -> Status:
    effect = services.record_side_effect(
        by=request.user, session=_session(request, session_id), **payload.dict()
    )
    return Status(201, effect)


@router.post(
    "/{session_id}/end", response={200: SessionOut, **ERROR_RESPONSES}, summary="End with a discharge note"
)
def end_session(request: AuthedRequest, session_id: int, payload: EndIn) -> DosingSession:
    return services.end_session(by=request.user, session=_session(request, session_id), **payload.dict())


@router.post(
    "/{session_id}/sign",
    response={200: SessionOut, **ERROR_RESPONSES},
    summary="Sign an ended session (final)",
)
def sign_session(request: AuthedRequest, session_id: int) -> DosingSession:
    return services.sign_session(by=request.user, session=_session(request, session_id, Action.SIGN_SESSION))


class AddendumIn(StrictSchema):
    text: str = Field(..., min_length=1, max_length=4000)


class AddendumOut(Schema):
    id: int
    text: str
    recorded_at: dt.datetime
    recorded_by: str = Field(..., alias="recorded_by.username")


class EnteredInErrorIn(StrictSchema):
    reason: str = Field(..., min_length=1, max_length=300)


@router.get(
    "/{session_id}/addenda",
    response={200: list[AddendumOut], **ERROR_RESPONSES},
    summary="Addenda, oldest first",
)
@paginate(Pagination)
def list_addenda(request: AuthedRequest, session_id: int) -> Any:
    session = _session(request, session_id)
    selectors.audit_session_read(request.user, session)
    return list(session.addenda.select_related("recorded_by"))


@router.post(
    "/{session_id}/addenda",
    response={201: AddendumOut, **ERROR_RESPONSES},
    summary="Add a note beside the session (also after signing)",
)
def add_addendum(request: AuthedRequest, session_id: int, payload: AddendumIn) -> Status:
    return Status(
        201, services.add_addendum(by=request.user, session=_session(request, session_id), text=payload.text)
    )


def _mark(request: AuthedRequest, session_id: int, model: type[Entry], entry_id: int, reason: str) -> Entry:
    session = _session(request, session_id)
    entry = model.objects.select_related("recorded_by").filter(pk=entry_id, session=session).first()
    if entry is None:
        raise Http404("No such entry in this session.")
    services.mark_session_entry_in_error(by=request.user, entry=entry, reason=reason)
    entry.refresh_from_db()
    return entry


@router.post(
    "/{session_id}/vitals/{vital_id}/entered-in-error",
    response={200: VitalOut, **ERROR_RESPONSES},
    summary="Mark a vital-sign reading entered in error (it stays, with the reason)",
)
def vital_entered_in_error(
    request: AuthedRequest, session_id: int, vital_id: int, payload: EnteredInErrorIn
) -> VitalSign:
    return _mark(request, session_id, VitalSign, vital_id, payload.reason)


@router.post(
    "/{session_id}/side-effects/{side_effect_id}/entered-in-error",
    response={200: SideEffectOut, **ERROR_RESPONSES},
    summary="Mark a side effect entered in error (it stays, with the reason)",
)
def side_effect_entered_in_error(
    request: AuthedRequest, session_id: int, side_effect_id: int, payload: EnteredInErrorIn
) -> SideEffect:
    return _mark(request, session_id, SideEffect, side_effect_id, payload.reason)
