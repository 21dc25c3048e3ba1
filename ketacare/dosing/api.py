"""/api/v1/sessions: monitored dosing sessions, their vitals (with the alerts they raise), side
effects, start, end and signature. Never delete. The same services and checks as the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AfterValidator

from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.roles import Action
from ketacare.api_errors import ERROR_RESPONSES
from ketacare.api_input import ALLOW_FUTURE, StrictSchema
from ketacare.api_paging import Pagination
from ketacare.dosing import selectors, services
from ketacare.dosing.gates import IDENTIFIERS
from ketacare.dosing.labels import ROUTE_LABELS
from ketacare.dosing.models import DosingSession, SessionAlert, SideEffect, VitalSign
from ketacare.patients.selectors import get_patient_for
from ketacare.plans.selectors import signed_orders_of
from ketacare.rules import record_limits as limits
from ketacare.text_input import NOTE_MAX_LENGTH

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


def _no_control_characters(value: str) -> str:
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise ValueError("Text may not contain control characters.")
    return value


PlainText = Annotated[str, AfterValidator(_no_control_characters)]
Kind = Annotated[str, Field(pattern="^(" + "|".join(SideEffect.Kind.values) + ")$")]
Severity = Annotated[str, Field(pattern="^(mild|moderate|severe)$")]


class SessionOut(Schema):
    id: int
    patient_id: int
    route: str
    dose_mg: Decimal
    duration_min: Decimal | None
    regimen: str
    order_id: int | None
    status: str
    signed: bool
    created_at: dt.datetime
    created_by: str = Field(..., alias="created_by.username")
    chair: str
    drug: str
    identity_identifiers: list[str]
    prescriber_on_site: str | None = None
    consent_confirmed: bool
    fasting_confirmed: bool
    escort_confirmed: bool
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    discharge_note: str
    signed_at: dt.datetime | None

    @staticmethod
    def resolve_prescriber_on_site(obj: DosingSession) -> str | None:
        return obj.prescriber_on_site.username if obj.prescriber_on_site else None


class SessionIn(StrictSchema):
    patient_id: int
    route: Route
    dose_mg: DoseMg = Field(..., description="Ketamine base, mg.")
    duration_min: Annotated[Decimal, Field(ge=0, le=1440, max_digits=6, decimal_places=1)] | None = None
    regimen: str = Field("", max_length=300)
    order_id: int | None = Field(None, description="The signed order the session gives (required).")
    chair: PlainText = Field("", max_length=40)
    drug: Annotated[str, Field(pattern="^(ketamine|esketamine)$")] = "ketamine"


Identifier = Annotated[str, Field(pattern="^(" + "|".join(IDENTIFIERS) + ")$")]


class ChecklistIn(StrictSchema):
    identity_identifiers: list[Identifier] = Field(
        default_factory=list,
        max_length=len(IDENTIFIERS),
        description="The identifiers checked against the record (at least two).",
    )
    consent_confirmed: bool
    fasting_confirmed: bool
    escort_confirmed: bool
    prescriber_on_site_username: PlainText | None = Field(
        None,
        max_length=150,
        description="The prescriber on site (esketamine, or where the clinic asks); a prescriber starting "
        "the session is on site.",
    )
    override_reason: PlainText = Field("", max_length=500)


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

    id: int
    code: str
    message: str


class SessionAlertOut(Schema):
    id: int
    vital_id: int
    code: str
    message: str
    raised_at: dt.datetime
    late: bool
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None = None
    action: str
    note: str

    @staticmethod
    def resolve_acknowledged_by(obj: SessionAlert) -> str | None:
        return obj.acknowledged_by.username if obj.acknowledged_by else None


class AcknowledgeIn(StrictSchema):
    action: Annotated[str, Field(pattern="^(recheck|pause|stop|escalate)$")]
    note: PlainText = Field(..., min_length=1, max_length=500)


class RecordedVitalOut(Schema):
    """What recording a vital caused: the stored reading and the alerts it raised."""

    vital: VitalOut
    alerts: list[VitalAlertOut]


class SideEffectIn(StrictSchema):
    kind: Kind
    severity: Severity
    note: str = Field("", max_length=500)
    occurred_at: dt.datetime | None = None
    intervention: PlainText = Field("", max_length=200, description="e.g. antiemetic, infusion paused")
    outcome: Annotated[str, Field(pattern="^(|resolved|resolving|ongoing)$")] = ""
    serious: bool = Field(False, description="A serious adverse event, flagged for reporting.")


class SideEffectOut(Schema):
    id: int
    occurred_at: dt.datetime
    kind: str
    severity: str
    note: str
    intervention: str
    outcome: str
    serious: bool
    recorded_at: dt.datetime
    recorded_by: str = Field(..., alias="recorded_by.username")
    entered_in_error: bool
    error_reason: str


class SignIn(StrictSchema):
    """Signing re-authenticates: the password, and the authenticator code where two-factor is on."""

    password: str = Field(..., min_length=1, max_length=200)
    otp_token: str = Field("", max_length=10)


class EndIn(StrictSchema):
    discharge_note: str = Field(..., min_length=1, max_length=NOTE_MAX_LENGTH)


def _session(
    request: AuthedRequest, session_id: int, action: Action = Action.ADMINISTER_KETAMINE
) -> DosingSession:
    return selectors.get_session_for(request.user, session_id, action)


@router.get("", response={200: list[SessionOut], **ERROR_RESPONSES}, summary="A patient's sessions")
@paginate(Pagination)
def list_sessions(request: AuthedRequest, patient_id: int) -> Any:
    patient = get_patient_for(request.user, patient_id, Action.ADMINISTER_KETAMINE, read=True)
    return list(selectors.sessions_of(patient))


@router.post("", response={201: SessionOut, **ERROR_RESPONSES}, summary="Plan a session")
def plan_session(request: AuthedRequest, payload: SessionIn) -> Status:
    data = payload.dict()
    patient = get_patient_for(request.user, data.pop("patient_id"), Action.ADMINISTER_KETAMINE)
    order = signed_orders_of(patient).filter(pk=data.pop("order_id") or 0).first()
    return Status(201, services.plan_session(by=request.user, patient=patient, order=order, **data))


@router.post(
    "/from-appointment/{appointment_id}",
    response={201: SessionOut, **ERROR_RESPONSES},
    summary="Open the session of today's booked ketamine appointment (from its signed order)",
)
def open_from_appointment(request: AuthedRequest, appointment_id: int) -> Status:
    from ketacare.plans.calendar_selectors import get_appointment_for

    appointment = get_appointment_for(request.user, appointment_id, Action.ADMINISTER_KETAMINE)
    return Status(201, services.open_session_from_appointment(by=request.user, appointment_id=appointment.pk))


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
    from ketacare.accounts.models import User

    data = payload.dict()
    name = data.pop("prescriber_on_site_username")
    on_site = User.objects.filter(username=name).first() if name else None
    if name and on_site is None:
        raise ValidationError({"prescriber_on_site_username": "No such prescriber."})
    return services.start_session(
        by=request.user, session=_session(request, session_id), prescriber_on_site=on_site, **data
    )


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
def sign_session(request: AuthedRequest, session_id: int, payload: SignIn) -> DosingSession:
    return services.sign_session(
        by=request.user, session=_session(request, session_id, Action.SIGN_SESSION), **payload.dict()
    )


class AddendumIn(StrictSchema):
    text: str = Field(..., min_length=1, max_length=NOTE_MAX_LENGTH)


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


@router.get(
    "/{session_id}/alerts",
    response={200: list[SessionAlertOut], **ERROR_RESPONSES},
    summary="The session's alerts, open and acknowledged",
)
@paginate(Pagination)
def list_alerts(request: AuthedRequest, session_id: int) -> Any:
    session = _session(request, session_id)
    selectors.audit_session_read(request.user, session)
    return list(session.alerts.select_related("acknowledged_by"))


@router.post(
    "/{session_id}/alerts/{alert_id}/acknowledge",
    response={200: SessionAlertOut, **ERROR_RESPONSES},
    summary="Acknowledge an alert with what was done (recheck, pause, stop, escalate) and a note",
)
def acknowledge_alert(
    request: AuthedRequest, session_id: int, alert_id: int, payload: AcknowledgeIn
) -> SessionAlert:
    return services.acknowledge_alert(
        by=request.user, session=_session(request, session_id), alert_id=alert_id, **payload.dict()
    )


class BoardAlertOut(Schema):
    id: int
    code: str
    message: str


class BoardRowOut(Schema):
    session_id: int
    patient_id: int
    patient: str
    chair: str
    drug: str
    status: str
    stage: str
    started_at: dt.datetime | None
    elapsed_min: int | None
    next_reading_due: dt.datetime | None
    next_reading_why: str
    open_alerts: list[BoardAlertOut]


day_board_router = Router(tags=["sessions"])


@day_board_router.get("", response={200: list[BoardRowOut], **ERROR_RESPONSES}, summary="Today's sessions")
@paginate(Pagination)
def day_board(request: AuthedRequest) -> Any:
    rows = selectors.day_board(request.user)
    selectors.audit_day_board(request.user, rows)
    return [
        {
            "session_id": r.session.pk,
            "patient_id": r.session.patient_id,
            "patient": r.session.patient.full_name,
            "chair": r.session.chair,
            "drug": r.session.drug,
            "status": r.session.status,
            "stage": r.stage,
            "started_at": r.session.started_at,
            "elapsed_min": r.elapsed_min,
            "next_reading_due": r.next_due.at if r.next_due else None,
            "next_reading_why": r.next_due.why if r.next_due else "",
            "open_alerts": r.open_alerts,
        }
        for r in rows
    ]


# --- The dose, infusion events, discharge, REMS ----------------------------------------------------


class DoseIn(StrictSchema):
    concentration_mg_per_ml: Annotated[Decimal, Field(gt=0, le=1000, max_digits=7, decimal_places=2)]
    concentration_as: Annotated[str, Field(pattern="^(base|hcl)$")]
    lot_number: PlainText = Field(..., min_length=1, max_length=40)
    lot_expiry: dt.date
    checked_by_username: PlainText | None = Field(None, max_length=150)


class DoseOut(Schema):
    session_id: int
    dose_mg: Decimal = Field(..., description="Ordered, mg ketamine base.")
    concentration_mg_per_ml: Decimal | None
    concentration_as: str
    volume_ml: Decimal | None = Field(None, description="Rounded to 0.01 mL.")
    pump_rate_ml_h: Decimal | None = Field(None, description="Rounded to 0.1 mL/h; infusions only.")
    lot_number: str
    lot_expiry: dt.date | None
    checked: bool


def _dose_out(session: DosingSession) -> dict[str, object]:
    return {
        "session_id": session.pk,
        "dose_mg": session.dose_mg,
        "concentration_mg_per_ml": session.concentration_mg_per_ml,
        "concentration_as": session.concentration_as,
        "volume_ml": session.volume_ml,
        "pump_rate_ml_h": session.pump_rate_ml_h,
        "lot_number": session.lot_number,
        "lot_expiry": session.lot_expiry,
        "checked": session.checked_by_id is not None,
    }


@router.post("/{session_id}/dose", response={200: DoseOut, **ERROR_RESPONSES}, summary="Prepare the dose")
def prepare_dose(request: AuthedRequest, session_id: int, payload: DoseIn) -> dict[str, object]:
    from ketacare.accounts.models import User

    data = payload.dict()
    checker_name = data.pop("checked_by_username")
    checker = User.objects.filter(username=checker_name).first() if checker_name else None
    if checker_name and checker is None:
        raise ValidationError({"checked_by_username": "No such clinician."})
    session = services.prepare_dose(
        by=request.user, session=_session(request, session_id), checked_by=checker, **data
    )
    return _dose_out(session)


class EventIn(StrictSchema):
    kind: Annotated[str, Field(pattern="^(start|pause|rate_change|resume|stop)$")]
    rate_ml_h: Annotated[Decimal, Field(gt=0, le=2000, max_digits=7, decimal_places=1)] | None = None
    at: dt.datetime | None = None
    note: PlainText = Field("", max_length=300)


class EventOut(Schema):
    id: int
    kind: str
    at: dt.datetime
    rate_ml_h: Decimal | None
    note: str
    recorded_by: str = Field(..., alias="recorded_by.username")


class EventsOut(Schema):
    events: list[EventOut]
    state: str
    ordered_dose_mg: Decimal
    delivered_dose_mg: Decimal | None = Field(
        None, description="mg base, computed from the events, until now."
    )


def _events_out(session: DosingSession) -> dict[str, object]:
    events = list(session.infusion_events.select_related("recorded_by"))
    return {
        "events": events,
        "state": services.infusion_state(events),
        "ordered_dose_mg": session.dose_mg,
        "delivered_dose_mg": services.delivered_dose_mg(session, until=session.ended_at),
    }


@router.get("/{session_id}/events", response={200: EventsOut, **ERROR_RESPONSES}, summary="Infusion events")
def list_events(request: AuthedRequest, session_id: int) -> dict[str, object]:
    session = _session(request, session_id)
    selectors.audit_session_read(request.user, session)
    return _events_out(session)


@router.post(
    "/{session_id}/events",
    response={201: EventsOut, **ERROR_RESPONSES},
    summary="Record an infusion event (start, pause, rate change, resume, stop)",
)
def record_event_(request: AuthedRequest, session_id: int, payload: EventIn) -> Status:
    session = _session(request, session_id)
    services.record_infusion_event(by=request.user, session=session, **payload.dict())
    session.refresh_from_db()
    return Status(201, _events_out(session))


class DischargeIn(StrictSchema):
    mental_status_at_baseline: bool
    escort_present: bool
    no_driving_advice_given: bool
    next_day_checkin_at: Annotated[dt.datetime | None, ALLOW_FUTURE] = None  # planned: may be tomorrow
    ready_to_leave_at: dt.datetime | None = None
    discharge_note: PlainText = Field(..., min_length=1, max_length=2000)
    ended_at: dt.datetime | None = None


@router.post(
    "/{session_id}/discharge",
    response={200: SessionOut, **ERROR_RESPONSES},
    summary="Discharge: every criterion checked, then the session ends",
)
def discharge(request: AuthedRequest, session_id: int, payload: DischargeIn) -> DosingSession:
    return services.discharge_session(
        by=request.user, session=_session(request, session_id), **payload.dict()
    )


class RemsFormOut(Schema):
    session_id: int
    treatment_date: dt.date | None
    dose_mg: Decimal
    lot_number: str
    total_minutes: int | None
    monitored_at_least_2_hours: bool | None
    bp_prior_to_administration: str | None
    bp_40_min_post_administration: str | None
    bp_prior_to_completion: str | None
    vitals_acceptable_prior_to_administration: bool | None
    vitals_acceptable_prior_to_completion: bool | None
    concomitant_benzodiazepines: bool | None
    concomitant_non_benzodiazepine_sedative_hypnotics: bool | None
    concomitant_psychostimulants: bool | None
    concomitant_maois: bool | None
    ready_to_leave_minutes: int | None
    due_on: dt.date | None
    submitted_at: dt.datetime | None
    overdue: bool
    missing: list[str]


class RemsQueueOut(RemsFormOut):
    patient: str
    patient_id: int


@router.get(
    "/{session_id}/rems-form",
    response={200: RemsFormOut, **ERROR_RESPONSES},
    summary="The esketamine REMS Patient Monitoring Form, filled from the session",
)
def rems_form(request: AuthedRequest, session_id: int) -> dict[str, object]:
    session = _session(request, session_id)
    if session.drug != "esketamine":
        raise ValidationError("Only an esketamine session has a REMS monitoring form.")
    selectors.audit_session_read(request.user, session)
    return selectors.rems_form(session)


@router.post(
    "/{session_id}/rems-form/submitted",
    response={200: RemsFormOut, **ERROR_RESPONSES},
    summary="Record that the REMS form was sent",
)
def rems_form_submitted(request: AuthedRequest, session_id: int) -> dict[str, object]:
    session = services.mark_rems_form_submitted(by=request.user, session=_session(request, session_id))
    return selectors.rems_form(session)


rems_router = Router(tags=["sessions"])


@rems_router.get(
    "",
    response={200: list[RemsQueueOut], **ERROR_RESPONSES},
    summary="Esketamine monitoring forms not yet sent: due within 7 days, or overdue",
)
@paginate(Pagination)
def rems_queue(request: AuthedRequest) -> Any:
    rows = selectors.rems_queue(request.user)
    selectors.audit_rems_queue(request.user, rows)
    return rows


SESSION_SCALES = services.SESSION_SCALES


class ScaleIn(StrictSchema):
    """MOAA/S and CADSS-6 at the clinic's set times; craving 0-100 before and after (the instruments'
    own definitions, scoring and bands in ketacare/instruments)."""

    instrument_id: Annotated[str, Field(pattern="^(moaas|cadss-6|craving-vas)$")]
    answers: list[int] = Field(..., max_length=50)
    answered_at: dt.datetime | None = None


class ScaleOut(Schema):
    id: int
    instrument_id: str
    answered_at: dt.datetime
    score_total: int | None
    band_label: str


@router.get(
    "/{session_id}/scales", response={200: list[ScaleOut], **ERROR_RESPONSES}, summary="Session scales"
)
@paginate(Pagination)
def list_scales(request: AuthedRequest, session_id: int) -> Any:
    session = _session(request, session_id)
    selectors.audit_session_read(request.user, session)
    return [r for r in selectors.session_scores(session) if r.instrument_id in SESSION_SCALES]


@router.post(
    "/{session_id}/scales",
    response={201: ScaleOut, **ERROR_RESPONSES},
    summary="Record MOAA/S, CADSS-6 or craving (0-100) in the session",
)
def record_scale(request: AuthedRequest, session_id: int, payload: ScaleIn) -> Status:
    recorded = services.record_session_scale(
        by=request.user, session=_session(request, session_id), **payload.dict()
    )
    return Status(201, recorded.response)


class PregnancyTestIn(StrictSchema):
    result: Annotated[str, Field(pattern="^(negative|positive)$")]
    tested_at: dt.datetime | None = None


class PregnancyTestOut(Schema):
    id: int
    tested_at: dt.datetime
    result: str
    recorded_at: dt.datetime
    recorded_by: str = Field(..., alias="recorded_by.username")
    entered_in_error: bool
    error_reason: str


@router.post(
    "/{session_id}/pregnancy-tests",
    response={201: PregnancyTestOut, **ERROR_RESPONSES},
    summary="Record a pregnancy test taken on the day (the clinic's start gate)",
)
def record_pregnancy_test(request: AuthedRequest, session_id: int, payload: PregnancyTestIn) -> Status:
    test = services.record_pregnancy_test(
        by=request.user, session=_session(request, session_id), **payload.dict()
    )
    return Status(201, test)


class RemsAnswersIn(StrictSchema):
    """The form's concomitant-medication items, yes or no each."""

    benzodiazepines: bool
    non_benzodiazepine_sedative_hypnotics: bool
    psychostimulants: bool
    maois: bool


@router.post(
    "/{session_id}/rems-form/medications",
    response={200: RemsFormOut, **ERROR_RESPONSES},
    summary="Answer the REMS form's concomitant-medication items",
)
def rems_medications(request: AuthedRequest, session_id: int, payload: RemsAnswersIn) -> dict[str, object]:
    session = _session(request, session_id)
    data = payload.dict()
    session = services.record_rems_answers(
        by=request.user,
        session=session,
        rems_benzodiazepines=data["benzodiazepines"],
        rems_sedative_hypnotics=data["non_benzodiazepine_sedative_hypnotics"],
        rems_psychostimulants=data["psychostimulants"],
        rems_maois=data["maois"],
    )
    return selectors.rems_form(session)
