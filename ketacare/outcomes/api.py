"""/api/v1/instruments and the outcomes of a patient: responses, alerts, assignments, substance use.

Answers are 0-based option positions in display order (as on the command line), or the value for
numeric items; null for an item not answered or skipped by the instrument's skip logic.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import StrictInt

from ketacare import instruments
from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.models import Clinic
from ketacare.accounts.roles import Action
from ketacare.accounts.selectors import is_staff_member
from ketacare.analytics import forecast, tlfb
from ketacare.api_errors import ERROR_RESPONSES
from ketacare.api_input import StrictSchema
from ketacare.api_paging import Lazy, Pagination
from ketacare.audit.actions import AuditAction
from ketacare.audit.services import record_event
from ketacare.instruments.serialize import summary_to_dict
from ketacare.outcomes import selectors, services
from ketacare.outcomes.booster import booster_forecast, threshold_problem
from ketacare.outcomes.models import (
    Assignment,
    LabResult,
    QuestionnaireResponse,
    SafetyAlert,
)
from ketacare.patients.selectors import get_patient_for

instruments_router = Router(tags=["instruments"])
router = Router(tags=["outcomes"])

Answer = StrictInt | None
Reason = Annotated[str, Field(min_length=1, max_length=300)]
SUBSTANCES = "^(alcohol|opioids|cocaine|amphetamines|cannabis|sedatives|tobacco|other)$"


def _user_clinics(request: AuthedRequest) -> list[Clinic]:
    return list(Clinic.objects.filter(memberships__user=request.user, memberships__active=True).distinct())


# --- instruments --------------------------------------------------------------------------------


class InstrumentSummary(Schema):
    id: str
    abbreviation: str
    name: str
    measures: str
    recall_period: str
    administration: str
    items: int
    total_range: list[int] | None
    licence: str
    requires_permission: bool
    offered: bool = Field(..., description="True when every clinic you work in may use it now.")


@instruments_router.get(
    "", response={200: list[InstrumentSummary], **ERROR_RESPONSES}, summary="The instrument registry"
)
@paginate(Pagination)
def list_instruments(request: AuthedRequest) -> Any:
    clinics = _user_clinics(request)
    return [
        {
            **summary_to_dict(i),
            "offered": bool(clinics) and all(selectors.instrument_available(c, i) for c in clinics),
        }
        for i in instruments.list_instruments()
    ]


@instruments_router.get(
    "/{instrument_id}",
    response={200: dict[str, Any], **ERROR_RESPONSES},
    summary="One instrument's full definition",
)
def read_instrument(request: AuthedRequest, instrument_id: str) -> dict[str, Any]:
    try:
        instrument = instruments.get_instrument(instrument_id)
    except instruments.UnknownInstrument:
        raise Http404 from None
    clinics = _user_clinics(request)
    data = instruments.instrument_to_dict(instrument)
    data["offered"] = bool(clinics) and all(selectors.instrument_available(c, instrument) for c in clinics)
    return data


# --- responses ----------------------------------------------------------------------------------


class FlagOut(Schema):
    code: str
    severity: str
    message: str


class AlertOut(Schema):
    id: int
    flag_code: str
    severity: str
    message: str
    recipient: str | None
    raised_at: dt.datetime
    acknowledged_at: dt.datetime | None
    action_taken: str


class ResponseOut(Schema):
    id: int
    instrument: str
    status: str
    answers: list[int | None]
    answered_at: dt.datetime
    recorded_at: dt.datetime
    recorded_by: str
    score_total: int | None
    band: str | None
    flags: list[FlagOut]
    result: dict[str, Any] = Field(
        ..., description="Subscales, item scores and thresholds in force (empty for a draft)."
    )
    entered_in_error: bool
    error_reason: str
    replaces: int | None
    replaced_by: int | None
    alerts: list[AlertOut] = Field([], description="Safety alerts this submission raised.")
    crisis_information: str | None = Field(
        None, description="Shown to the patient at once when suicide risk is flagged."
    )


class ResponseIn(StrictSchema):
    instrument: str = Field(..., min_length=1, max_length=40, examples=["phq-9"])
    answers: list[Answer] = Field(..., max_length=100)
    draft: bool = Field(False, description="Store unscored, even when incomplete.")
    answered_at: dt.datetime | None = None
    assignment: int | None = None


class DraftIn(StrictSchema):
    answers: list[Answer] = Field(..., max_length=100)
    draft: bool = Field(True, description="false submits the draft: it is then scored and final.")


class CorrectionIn(StrictSchema):
    answers: list[Answer] = Field(..., max_length=100)
    reason: Reason


class ReasonIn(StrictSchema):
    reason: Reason


def _alert_out(alert: SafetyAlert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "flag_code": alert.flag_code,
        "severity": alert.severity,
        "message": alert.message,
        "recipient": alert.recipient.get_username() if alert.recipient else None,
        "raised_at": alert.raised_at,
        "acknowledged_at": alert.acknowledged_at,
        "action_taken": alert.action_taken,
    }


def _response_out(
    response: QuestionnaireResponse, recorded: services.Recorded | None = None
) -> dict[str, Any]:
    replaced_by = getattr(response, "replaced_by", None)
    return {
        "id": response.pk,
        "instrument": response.instrument_id,
        "status": response.status,
        "answers": response.answers,
        "answered_at": response.answered_at,
        "recorded_at": response.recorded_at,
        "recorded_by": response.recorded_by.get_username(),
        "score_total": response.score_total,
        "band": response.band_label or None,
        "flags": response.result.get("flags", []),
        "result": response.result,
        "entered_in_error": response.entered_in_error,
        "error_reason": response.error_reason,
        "replaces": response.replaces_id,
        "replaced_by": replaced_by.pk if replaced_by else None,
        "alerts": [_alert_out(a) for a in recorded.alerts] if recorded else [],
        "crisis_information": recorded.crisis_information if recorded else None,
    }


@router.get(
    "/{patient_id}/responses",
    response={200: list[ResponseOut], **ERROR_RESPONSES},
    summary="Questionnaire responses, newest first (drafts and entries in error included, marked)",
)
@paginate(Pagination)
def list_responses(
    request: AuthedRequest, patient_id: int, instrument: str | None = None, include_drafts: bool = True
) -> Any:
    # Plain query parameters: django-ninja's paginate cannot combine with a Query[Schema] here.
    patient = get_patient_for(request.user, patient_id)
    responses = selectors.responses_of(patient, instrument_id=instrument, include_drafts=include_drafts)
    return Lazy(responses.select_related("replaced_by"), _response_out)


@router.post(
    "/{patient_id}/responses",
    response={201: ResponseOut, **ERROR_RESPONSES},
    summary="Record a questionnaire: scored, or stored unscored as a draft",
)
def create_response(request: AuthedRequest, patient_id: int, payload: ResponseIn) -> Status:
    patient = get_patient_for(request.user, patient_id, Action.RECORD_RESPONSE)
    assignment = None
    if payload.assignment is not None:
        assignment = Assignment.objects.filter(pk=payload.assignment, patient=patient).first()
        if assignment is None:
            raise Http404("No such assignment for this patient.")
    recorded = services.record_response(
        by=request.user,
        patient=patient,
        instrument_id=payload.instrument,
        answers=payload.answers,
        draft=payload.draft,
        answered_at=payload.answered_at,
        assignment=assignment,
    )
    return Status(201, _response_out(recorded.response, recorded))


@router.get(
    "/{patient_id}/responses/{response_id}",
    response={200: ResponseOut, **ERROR_RESPONSES},
    summary="One response",
)
def read_response(request: AuthedRequest, patient_id: int, response_id: int) -> dict[str, Any]:
    patient = get_patient_for(request.user, patient_id)
    return _response_out(selectors.response_of(patient, response_id))


@router.patch(
    "/{patient_id}/responses/{response_id}",
    response={200: ResponseOut, **ERROR_RESPONSES},
    summary="Change a draft, or submit it with draft=false",
)
def update_response(
    request: AuthedRequest, patient_id: int, response_id: int, payload: DraftIn
) -> dict[str, Any]:
    patient = get_patient_for(request.user, patient_id, Action.RECORD_RESPONSE)
    response = selectors.response_of(patient, response_id)
    recorded = services.update_draft(
        by=request.user, response=response, answers=payload.answers, draft=payload.draft
    )
    return _response_out(recorded.response, recorded)


@router.post(
    "/{patient_id}/responses/{response_id}/correction",
    response={201: ResponseOut, **ERROR_RESPONSES},
    summary="Correct a submitted response: the earlier one is kept, marked entered-in-error",
)
def correct_response(
    request: AuthedRequest, patient_id: int, response_id: int, payload: CorrectionIn
) -> Status:
    patient = get_patient_for(request.user, patient_id, Action.RECORD_RESPONSE)
    response = selectors.response_of(patient, response_id)
    recorded = services.correct_response(
        by=request.user, response=response, answers=payload.answers, reason=payload.reason
    )
    return Status(201, _response_out(recorded.response, recorded))


@router.post(
    "/{patient_id}/responses/{response_id}/entered-in-error",
    response={200: ResponseOut, **ERROR_RESPONSES},
    summary="Withdraw a response entered in error (it stays, marked, with the reason)",
)
def withdraw_response(
    request: AuthedRequest, patient_id: int, response_id: int, payload: ReasonIn
) -> dict[str, Any]:
    patient = get_patient_for(request.user, patient_id, Action.RECORD_RESPONSE)
    response = selectors.response_of(patient, response_id)
    services.mark_response_entered_in_error(by=request.user, response=response, reason=payload.reason)
    return _response_out(response)


# --- alerts -------------------------------------------------------------------------------------


class AcknowledgeIn(StrictSchema):
    action_taken: str = Field(..., min_length=1, max_length=500)


@router.get(
    "/{patient_id}/alerts", response={200: list[AlertOut], **ERROR_RESPONSES}, summary="Safety alerts"
)
@paginate(Pagination)
def list_alerts(request: AuthedRequest, patient_id: int) -> Any:
    patient = get_patient_for(request.user, patient_id, Action.ACKNOWLEDGE_ALERT)
    record_event(
        actor=request.user,
        action=AuditAction.READ,
        entity_type="outcomes.safetyalert",
        clinic=patient.clinic,
        patient_id=patient.pk,
    )
    return Lazy(patient.safety_alerts.select_related("recipient").order_by("-raised_at", "-id"), _alert_out)


@router.post(
    "/{patient_id}/alerts/{alert_id}/acknowledge",
    response={200: AlertOut, **ERROR_RESPONSES},
    summary="Acknowledge a safety alert and record what was done",
)
def acknowledge_alert(
    request: AuthedRequest, patient_id: int, alert_id: int, payload: AcknowledgeIn
) -> dict[str, Any]:
    patient = get_patient_for(request.user, patient_id, Action.ACKNOWLEDGE_ALERT)
    alert = patient.safety_alerts.filter(pk=alert_id).first()
    if alert is None:
        raise Http404("No such alert.")
    return _alert_out(
        services.acknowledge_alert(by=request.user, alert=alert, action_taken=payload.action_taken)
    )


# --- assignments --------------------------------------------------------------------------------


class AssignmentIn(StrictSchema):
    instrument: str = Field(..., min_length=1, max_length=40)
    interval_days: int | None = Field(None, ge=1, le=365, description="Repeat every N days; omit for once.")
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None


class AssignmentOut(Schema):
    id: int
    instrument: str
    interval_days: int | None
    starts_on: dt.date
    ends_on: dt.date | None
    status: str
    due_on: dt.date | None
    next_due_on: dt.date | None
    last_answered_on: dt.date | None


def _assignment_out(state: selectors.AssignmentState) -> dict[str, Any]:
    a = state.assignment
    return {
        "id": a.pk,
        "instrument": a.instrument_id,
        "interval_days": a.interval_days,
        "starts_on": a.starts_on,
        "ends_on": a.ends_on,
        "status": state.state.status.value,
        "due_on": state.state.due_on,
        "next_due_on": state.state.next_due_on,
        "last_answered_on": state.last_answered_on,
    }


@router.get(
    "/{patient_id}/assignments",
    response={200: list[AssignmentOut], **ERROR_RESPONSES},
    summary="Active assignments and what is due",
)
@paginate(Pagination)
def list_assignments(request: AuthedRequest, patient_id: int) -> Any:
    patient = get_patient_for(request.user, patient_id)
    return [_assignment_out(s) for s in selectors.assignment_states(patient)]


@router.post(
    "/{patient_id}/assignments",
    response={201: AssignmentOut, **ERROR_RESPONSES},
    summary="Assign a questionnaire",
)
def create_assignment(request: AuthedRequest, patient_id: int, payload: AssignmentIn) -> Status:
    patient = get_patient_for(request.user, patient_id, Action.ASSIGN_INSTRUMENT)
    assignment = services.assign_instrument(
        by=request.user,
        patient=patient,
        instrument_id=payload.instrument,
        interval_days=payload.interval_days,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
    )
    state = next(s for s in selectors.assignment_states(patient) if s.assignment.pk == assignment.pk)
    return Status(201, _assignment_out(state))


# --- substance use ------------------------------------------------------------------------------


class UseDayIn(StrictSchema):
    day: dt.date
    substance: str = Field(..., pattern=SUBSTANCES)
    used: bool
    standard_drinks: Decimal | None = Field(
        None, gt=0, le=tlfb.STANDARD_DRINKS_PER_DAY_MAX, max_digits=4, decimal_places=1
    )


class UseDayOut(Schema):
    id: int
    day: dt.date
    substance: str
    used: bool
    standard_drinks: Decimal | None
    recorded_at: dt.datetime
    recorded_by: str = Field(..., alias="recorded_by.username")


class LabResultIn(StrictSchema):
    kind: str = Field(..., pattern="^(urine-tox|urine-etg|breath-alcohol)$")
    substance: str = Field(..., pattern=SUBSTANCES)
    positive: bool
    collected_at: dt.datetime
    reading: str = Field("", max_length=60)


class LabResultOut(Schema):
    id: int
    kind: str
    substance: str
    positive: bool
    collected_at: dt.datetime
    reading: str
    contradicts_self_report: bool
    contradiction: str | None


class SummaryOut(Schema):
    days_assessed: int
    days_abstinent: int
    percent_days_abstinent: float | None
    drinking_days: int
    heavy_drinking_days: int
    heavy_drinking_more_than_drinks: int
    drinks_per_drinking_day: float | None
    use_days_by_substance: dict[str, int]


class RelapseOut(Schema):
    definition: str
    start: dt.date | None
    relapse_on: dt.date | None
    days_to_relapse: int | None
    days_observed: int | None
    problem: str | None


class SubstanceUseOut(Schema):
    days: list[UseDayOut]
    summary: SummaryOut
    tests: list[LabResultOut]
    relapse: RelapseOut


class UseFilter(StrictSchema):
    start: dt.date | None = None
    end: dt.date | None = None
    relapse_from: dt.date | None = Field(
        None,
        description=(
            "Day the relapse clock starts (e.g. the quit day); by default the first reported day without use."
        ),
    )


def _lab_out(result: LabResult, contradictions: dict[int, str]) -> dict[str, Any]:
    return {
        "id": result.pk,
        "kind": result.kind,
        "substance": result.substance,
        "positive": result.positive,
        "collected_at": result.collected_at,
        "reading": result.reading,
        "contradicts_self_report": result.pk in contradictions,
        "contradiction": contradictions.get(result.pk),
    }


@router.get(
    "/{patient_id}/substance-use",
    response={200: SubstanceUseOut, **ERROR_RESPONSES},
    summary="Timeline follow-back calendar, its summary, tests against self-report, time to relapse",
)
def read_substance_use(request: AuthedRequest, patient_id: int, filters: Query[UseFilter]) -> dict[str, Any]:
    patient = get_patient_for(request.user, patient_id)
    view = selectors.substance_use(
        patient, start=filters.start, end=filters.end, relapse_from=filters.relapse_from
    )
    summary = view.summary
    relapse = view.relapse
    return {
        "days": view.days,
        "summary": {
            **{k: getattr(summary, k) for k in SummaryOut.model_fields if hasattr(summary, k)},
            "heavy_drinking_more_than_drinks": view.heavy_drinking_cutoff,
        },
        "tests": [_lab_out(r, view.contradictions) for r in view.lab_results],
        "relapse": {
            "definition": view.relapse_definition.value,
            "start": relapse.start if relapse else None,
            "relapse_on": relapse.relapse_on if relapse else None,
            "days_to_relapse": relapse.days_to_relapse if relapse else None,
            "days_observed": relapse.days_observed if relapse else None,
            "problem": view.relapse_problem or None,
        },
    }


@router.post(
    "/{patient_id}/substance-use",
    response={201: UseDayOut, **ERROR_RESPONSES},
    summary="Report one day's use of one substance (a new report of the same day replaces the old)",
)
def create_use_day(request: AuthedRequest, patient_id: int, payload: UseDayIn) -> Status:
    patient = get_patient_for(request.user, patient_id, Action.RECORD_SUBSTANCE_USE)
    entry = services.record_substance_use(by=request.user, patient=patient, **payload.dict())
    return Status(201, entry)


@router.post(
    "/{patient_id}/substance-use/tests",
    response={201: LabResultOut, **ERROR_RESPONSES},
    summary="Record a urine toxicology, EtG or breath alcohol result",
)
def create_lab_result(request: AuthedRequest, patient_id: int, payload: LabResultIn) -> Status:
    patient = get_patient_for(request.user, patient_id, Action.RECORD_LAB_RESULT)
    result = services.record_lab_result(by=request.user, patient=patient, **payload.dict())
    day = timezone.localdate(result.collected_at)
    view = selectors.substance_use(patient, start=day, end=day)
    return Status(201, _lab_out(result, view.contradictions))


# --- booster forecast ---------------------------------------------------------------------------


class ForecastQuery(StrictSchema):
    instrument: Literal["craving-vas", "phq-9"] = "craving-vas"
    threshold: float | None = Field(
        None, ge=0, le=100, description="The maintenance threshold (the clinician's or the plan's)."
    )


class ForecastOut(Schema):
    instrument: str
    sessions: int
    benefit_half_life_days: float | None
    threshold: float | None
    latest_session: dt.date | None
    crossing_on: dt.date | None
    interval: float
    earliest_on: dt.date | None
    latest_on: dt.date | None = Field(..., description="None: later than a year, or no forecast.")
    points_used: int
    statement: str
    caveat: str


@router.get(
    "/{patient_id}/forecast",
    response={200: ForecastOut, **ERROR_RESPONSES},
    summary="Booster forecast: when a measure is likely to rise above the threshold (statistical)",
)
def get_forecast(request: AuthedRequest, patient_id: int, query: Query[ForecastQuery]) -> dict[str, Any]:
    if not is_staff_member(request.user):
        raise PermissionDenied("The booster forecast is for clinic staff.")
    patient = get_patient_for(request.user, patient_id)
    problem = threshold_problem(query.instrument, query.threshold)
    if problem:
        raise ValidationError({"threshold": problem})
    found = booster_forecast(patient, query.instrument, query.threshold)
    result = found.result
    return {
        "instrument": found.instrument_id,
        "sessions": found.sessions,
        "benefit_half_life_days": found.benefit_half_life_days,
        "threshold": query.threshold,
        "latest_session": result.latest_session if result else None,
        "crossing_on": result.crossing_on if result else None,
        "interval": forecast.INTERVAL,
        "earliest_on": result.earliest_on if result else None,
        "latest_on": result.latest_on if result else None,
        "points_used": result.points_used if result else 0,
        "statement": result.reason if result else "Give a threshold to forecast when it is crossed.",
        "caveat": forecast.NOT_PHARMACOLOGY,
    }
