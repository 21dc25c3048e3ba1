"""Every read of outcomes, scoped to the user; access through `patients.selectors.get_patient_for`
(the patient's record, own-record rule included) and `permission_for` (a clinic's licence)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from ketacare import instruments
from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Action, Role, role_may
from ketacare.accounts.selectors import clinics_where, role_in
from ketacare.analytics import schedule, tlfb
from ketacare.audit.actions import AuditAction
from ketacare.audit.models import AuditEvent
from ketacare.audit.services import record_event, record_refusal
from ketacare.instruments.model import Instrument
from ketacare.outcomes import charts
from ketacare.outcomes.models import (
    Assignment,
    ClinicOutcomeSettings,
    DailyReport,
    InstrumentPermission,
    LabResult,
    QuestionnaireResponse,
    SafetyAlert,
    SubstanceUseDay,
)
from ketacare.outcomes.treatment import treatment_events
from ketacare.patients.models import Medication, Patient
from ketacare.patients.selectors import get_patient_for

# --- instruments --------------------------------------------------------------------------------


def offered_instruments(clinic: Clinic | int) -> list[Instrument]:
    """The instruments this clinic may use now (licence permission recorded where it is needed)."""
    return [i for i in instruments.list_instruments() if instrument_available(clinic, i)]


def permission_for(user: User, permission_id: int) -> InstrumentPermission:
    """An active instrument permission, if this user administers its clinic. A permission that does
    not exist, is already withdrawn, or belongs to a clinic where the user does not work answers 404;
    another role in its clinic 403. Both refusals are audited."""
    permission = (
        InstrumentPermission.objects.select_related("clinic", "recorded_by")
        .filter(pk=permission_id, withdrawn_at__isnull=True)
        .first()
    )
    role = role_in(user, permission.clinic) if permission is not None else None
    if permission is None or role is None or role == Role.PATIENT:
        _refuse_permission(user, permission_id, permission, AuditEvent.Outcome.NOT_FOUND)
        raise Http404("No such instrument permission.")
    if not role_may(role, Action.MANAGE_OUTCOME_SETTINGS):
        _refuse_permission(user, permission_id, permission, AuditEvent.Outcome.DENIED)
        raise PermissionDenied("Only a clinic administrator manages instrument permissions.")
    return permission


def _refuse_permission(
    user: User, permission_id: int, permission: InstrumentPermission | None, outcome: str
) -> None:
    record_refusal(
        actor=user,
        action=Action.MANAGE_OUTCOME_SETTINGS,
        entity_type=InstrumentPermission._meta.label_lower,
        entity_id=permission_id,
        clinic=permission.clinic if permission is not None else None,
        outcome=outcome,
    )


def permissions_of(clinic: Clinic) -> QuerySet[InstrumentPermission]:
    """The clinic's instrument permissions, active and withdrawn, by instrument, newest first."""
    return clinic.instrument_permissions.select_related("recorded_by", "withdrawn_by").order_by(
        "instrument_id", "-recorded_at", "-id"
    )


def clinic_of_staff(user: User) -> Clinic | None:
    """The first clinic where the user sees patients (for pages that work in one clinic)."""
    return clinics_where(user, Action.VIEW_PATIENT).order_by("name").first()


# --- responses ----------------------------------------------------------------------------------


def responses_of(
    patient: Patient, *, instrument_id: str | None = None, include_drafts: bool = True
) -> QuerySet[QuestionnaireResponse]:
    responses = patient.responses.select_related("recorded_by").order_by("-answered_at", "-id")
    if instrument_id:
        responses = responses.filter(instrument_id=instrument_id)
    if not include_drafts:
        responses = responses.exclude(status=QuestionnaireResponse.Status.DRAFT)
    return responses


def response_of(patient: Patient, response_id: int) -> QuestionnaireResponse:
    response = patient.responses.select_related("patient__clinic").filter(pk=response_id).first()
    if response is None:
        raise Http404("No such questionnaire response for this patient.")
    return response


@dataclass(frozen=True)
class TrendPoint:
    answered_at: dt.datetime
    total: int
    band: str


def trend(patient: Patient, instrument_id: str) -> list[TrendPoint]:
    """Valid, final totals of one instrument, oldest first."""
    rows = (
        patient.responses.filter(
            instrument_id=instrument_id,
            status=QuestionnaireResponse.Status.FINAL,
            entered_in_error=False,
            score_total__isnull=False,
        )
        .order_by("answered_at", "id")
        .values_list("answered_at", "score_total", "band_label")
    )
    return [TrendPoint(at, total, band) for at, total, band in rows if total is not None]


def instruments_answered(patient: Patient) -> list[str]:
    ids = set(
        patient.responses.filter(status=QuestionnaireResponse.Status.FINAL, entered_in_error=False)
        .values_list("instrument_id", flat=True)
        .distinct()
    )
    return [i.id for i in instruments.list_instruments() if i.id in ids]


def band_rank(instrument_id: str, band_label: str) -> int | None:
    """Position of a band in the instrument's order (higher is more severe); None when unranked."""
    instrument = instruments.get_instrument(instrument_id)
    labels = [band.label for band in instrument.bands]
    return labels.index(band_label) if band_label in labels else None


def worsening(points: list[TrendPoint], instrument_id: str) -> bool:
    """Worse when the latest total falls in a more severe band than the one before."""
    if len(points) < 2:
        return False
    before, latest = band_rank(instrument_id, points[-2].band), band_rank(instrument_id, points[-1].band)
    return before is not None and latest is not None and latest > before


# --- alerts -------------------------------------------------------------------------------------


def open_alerts_visible_to(user: User) -> QuerySet[SafetyAlert]:
    return (
        SafetyAlert.objects.filter(
            patient__clinic__in=clinics_where(user, Action.ACKNOWLEDGE_ALERT), acknowledged_at__isnull=True
        )
        .select_related("patient", "recipient", "response")
        .order_by("-raised_at")
    )


def alert_for(user: User, alert_id: int) -> SafetyAlert:
    alert = (
        SafetyAlert.objects.select_related("patient__clinic", "response", "recipient")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        raise Http404("No such alert.")
    get_patient_for(user, alert.patient_id)  # access check and audited read
    return alert


# --- assignments --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentState:
    assignment: Assignment
    instrument: Instrument
    state: schedule.DueState
    last_answered_on: dt.date | None
    # False while the clinic has no active permission for an instrument that needs one (withdrawn):
    # the assignment stays, but nothing asks the patient for it until a permission is recorded again.
    offered: bool = True


def assignment_states(patient: Patient, today: dt.date | None = None) -> list[AssignmentState]:
    today = today or timezone.localdate()
    answered: dict[str, list[dt.date]] = {}
    for instrument_id, answered_at in patient.responses.filter(
        status=QuestionnaireResponse.Status.FINAL, entered_in_error=False
    ).values_list("instrument_id", "answered_at"):
        answered.setdefault(instrument_id, []).append(timezone.localdate(answered_at))
    states = []
    for assignment in patient.assignments.filter(active=True).order_by("instrument_id", "starts_on"):
        days = answered.get(assignment.instrument_id, [])
        state = schedule.due_state(
            starts_on=assignment.starts_on,
            interval_days=assignment.interval_days,
            ends_on=assignment.ends_on,
            answered_on=days,
            today=today,
        )
        instrument = instruments.get_instrument(assignment.instrument_id)
        states.append(
            AssignmentState(
                assignment,
                instrument,
                state,
                max(days, default=None),
                offered=instrument_available(patient.clinic_id, instrument),
            )
        )
    return states


def due_now(patient: Patient, today: dt.date | None = None) -> list[AssignmentState]:
    """What the patient is asked to answer now: due or overdue, and offered by the clinic."""
    return [
        s
        for s in assignment_states(patient, today)
        if s.offered and s.state.status in (schedule.DueStatus.DUE, schedule.DueStatus.OVERDUE)
    ]


# --- substance use ------------------------------------------------------------------------------


def use_days(
    patient: Patient, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[SubstanceUseDay]:
    days = patient.substance_use_days.filter(entered_in_error=False)
    if start:
        days = days.filter(day__gte=start)
    if end:
        days = days.filter(day__lte=end)
    return days.order_by("day", "substance")


def _as_use_days(rows: QuerySet[SubstanceUseDay]) -> list[tlfb.UseDay]:
    return [tlfb.UseDay(r.day, r.substance, r.used, r.standard_drinks) for r in rows]


def _sex(patient: Patient) -> str | None:
    return patient.sex_at_birth if patient.sex_at_birth in ("female", "male") else None


@dataclass
class SubstanceUseView:
    days: list[SubstanceUseDay]
    lab_results: list[LabResult]
    summary: tlfb.Summary
    contradictions: dict[int, str]  # lab result id -> reason
    relapse: tlfb.Relapse | None
    relapse_definition: tlfb.RelapseDefinition = tlfb.RelapseDefinition.ANY_USE
    relapse_problem: str = ""
    heavy_drinking_cutoff: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def final_responses_between(
    patient_id: int, instrument_ids: Sequence[str], *, since: dt.datetime, until: dt.datetime | None = None
) -> list[QuestionnaireResponse]:
    """Final responses of these instruments answered in a window, oldest first (for dosing's session
    page: discharge scores recorded while the session ran)."""
    responses = QuestionnaireResponse.objects.filter(
        patient_id=patient_id,
        instrument_id__in=instrument_ids,
        status=QuestionnaireResponse.Status.FINAL,
        answered_at__gte=since,
    )
    if until is not None:
        responses = responses.filter(answered_at__lte=until)
    return list(responses.order_by("answered_at"))


def treatment_start(patient: Patient) -> dt.date | None:
    """The day of the patient's first ketamine session, where the relapse clock starts (as in the
    trials, time to relapse counts from the treatment); None before any session has started."""
    events = treatment_events(patient)
    return timezone.localdate(events[0].at) if events else None


def substance_use(
    patient: Patient,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    relapse_from: dt.date | None = None,
) -> SubstanceUseView:
    rows = list(use_days(patient, start, end))
    lab_rows = list(patient.lab_results.filter(entered_in_error=False).order_by("-collected_at"))
    if start:
        lab_rows = [r for r in lab_rows if timezone.localdate(r.collected_at) >= start]
    if end:
        lab_rows = [r for r in lab_rows if timezone.localdate(r.collected_at) <= end]
    days = [tlfb.UseDay(r.day, r.substance, r.used, r.standard_drinks) for r in rows]
    tests = {
        r.pk: tlfb.BiologicalTest(
            timezone.localdate(r.collected_at), tlfb.TestKind(r.kind), r.substance, r.positive
        )
        for r in lab_rows
    }
    flagged = {c.test: c.reason for c in tlfb.contradictions(tests.values(), days)}
    contradictions = {pk: flagged[test] for pk, test in tests.items() if test in flagged}
    settings = ClinicOutcomeSettings.objects.filter(clinic_id=patient.clinic_id).first()
    definition = tlfb.RelapseDefinition(
        settings.relapse_definition if settings else tlfb.RelapseDefinition.ANY_USE
    )
    relapse: tlfb.Relapse | None = None
    problem = ""
    begin = relapse_from or treatment_start(patient) or tlfb.abstinence_start(days)
    if begin is not None:
        try:
            relapse = tlfb.find_relapse(
                days,
                definition,
                start=begin,
                sex=_sex(patient),
                substance="alcohol" if definition == tlfb.RelapseDefinition.FIRST_HEAVY_DAY else None,
                regular_use_days=settings.regular_use_days if settings else None,
            )
        except ValueError as exc:
            problem = str(exc)
    return SubstanceUseView(
        days=rows,
        lab_results=lab_rows,
        summary=tlfb.summarise(days, _sex(patient)),
        contradictions=contradictions,
        relapse=relapse,
        relapse_definition=definition,
        relapse_problem=problem,
        heavy_drinking_cutoff=tlfb.heavy_drinking_cutoff(_sex(patient)),
    )


def daily_reports_of(patient: Patient, *, since: dt.date | None = None) -> QuerySet[DailyReport]:
    """The patient's daily check-ins, newest first, those entered in error included (shown struck
    through with their reason)."""
    reports = patient.daily_reports.select_related("craving", "recorded_by")
    if since is not None:
        reports = reports.filter(day__gte=since)
    return reports.order_by("-day", "-id")


def mood_series(patient: Patient) -> list[tuple[dt.date, int]]:
    """Mood by day for the chart: reports entered in error do not count."""
    return list(
        patient.daily_reports.filter(entered_in_error=False).order_by("day").values_list("day", "mood_0_10")
    )


def weekly_use_days(
    patient: Patient, *, weeks: int, today: dt.date | None = None
) -> list[tuple[dt.date, int, int]]:
    """(week start, days with any use, days reported) for the last `weeks` weeks with any report."""
    today = today or timezone.localdate()
    first = today - dt.timedelta(days=7 * weeks - 1)
    by_day: dict[dt.date, bool] = {}
    for day, used in use_days(patient, first, today).values_list("day", "used"):
        by_day[day] = by_day.get(day, False) or used
    result = []
    for week in range(weeks):
        start = first + dt.timedelta(days=7 * week)
        days = [start + dt.timedelta(days=d) for d in range(7)]
        reported = [d for d in days if d in by_day]
        if reported:
            result.append((start, sum(1 for d in reported if by_day[d]), len(reported)))
    return result


# --- the clinician's worklist -------------------------------------------------------------------


@dataclass
class WorklistRow:
    patient: Patient
    alerts: list[SafetyAlert] = field(default_factory=list)
    overdue: list[AssignmentState] = field(default_factory=list)
    worsening: list[tuple[str, TrendPoint, TrendPoint]] = field(default_factory=list)
    contradictions: int = 0

    @property
    def priority(self) -> tuple[int, int, int, int]:
        return (-len(self.alerts), -len(self.worsening), -self.contradictions, -len(self.overdue))


def worklist(user: User, today: dt.date | None = None, *, audit: bool = False) -> list[WorklistRow]:
    """What needs a clinician: open safety alerts (alarming), worsening bands, tests that contradict
    the self-report, and overdue questionnaires; most urgent first. Only the user's clinics."""
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied("Log in first.")
    today = today or timezone.localdate()
    patients = Patient.objects.filter(clinic__in=clinics_where(user, Action.VIEW_PATIENT)).select_related(
        "clinic"
    )
    rows: list[WorklistRow] = []
    alerts_by_patient: dict[int, list[SafetyAlert]] = {}
    for alert in open_alerts_visible_to(user):
        alerts_by_patient.setdefault(alert.patient_id, []).append(alert)
    for patient in patients:
        row = WorklistRow(patient, alerts=alerts_by_patient.get(patient.pk, []))
        row.overdue = [
            s
            for s in assignment_states(patient, today)
            if s.offered and s.state.status == schedule.DueStatus.OVERDUE
        ]
        for instrument_id in instruments_answered(patient):
            points = trend(patient, instrument_id)
            if worsening(points, instrument_id):
                row.worsening.append((instrument_id, points[-2], points[-1]))
        # The worklist looks back one month for contradicting tests (a page-length choice, not clinical).
        recent = today - dt.timedelta(days=30)
        row.contradictions = len(substance_use(patient, start=recent).contradictions)
        if row.alerts or row.overdue or row.worsening or row.contradictions:
            rows.append(row)
    rows.sort(key=lambda r: (r.priority, r.patient.family_name))
    if audit:  # the worklist page lists patients: an audited search
        record_event(
            actor=user, action=AuditAction.SEARCH, entity_type="outcomes.worklist", detail={"rows": len(rows)}
        )
    return rows


DEFAULT_CRISIS_INFORMATION = (
    "If you are in danger now or might act on these thoughts, call your local emergency number or go "
    "to the nearest emergency department. Your care team has been told about your answers and will "
    "contact you."
)


def instrument_available(clinic: Clinic | int, instrument: Instrument) -> bool:
    """An instrument whose licence needs permission is offered only while the clinic has an active
    (recorded, not withdrawn) permission for it."""
    if not instrument.licence.requires_permission:
        return True
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    return InstrumentPermission.objects.filter(
        clinic_id=clinic_id, instrument_id=instrument.id, withdrawn_at__isnull=True
    ).exists()


def crisis_information(clinic: Clinic) -> str:
    current = ClinicOutcomeSettings.objects.filter(clinic=clinic).first()
    return (current.crisis_information if current else "") or DEFAULT_CRISIS_INFORMATION


def responsible_clinician(patient: Patient) -> User | None:
    # Only while they still work at the patient's clinic: once an administrator ends their
    # membership the alerts go to the clinic's prescribers instead of someone who has left.
    member = (
        patient.care_team.filter(
            is_responsible=True,
            active=True,
            user__memberships__clinic=patient.clinic,
            user__memberships__active=True,
        )
        .select_related("user")
        .first()
    )
    return member.user if member else None


# --- what the pages show (views only render) -----------------------------------------------------

MAT_CLASSES = (
    Medication.DrugClass.METHADONE,
    Medication.DrugClass.BUPRENORPHINE,
    Medication.DrugClass.NALTREXONE,
)


def treatment_markers(patient: Patient) -> list[charts.Marker]:
    """MAT starts and stops, and every treatment (ketamine session) that started, for the trend charts."""
    markers = [charts.Marker(event.at, event.label, event.kind) for event in treatment_events(patient)]
    for med in patient.medications.filter(entered_in_error=False, drug_class__in=MAT_CLASSES):
        for day, verb in ((med.started_on, "started"), (med.stopped_on, "stopped")):
            if day is not None:
                at = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
                markers.append(charts.Marker(at, f"{med.name} {verb} {day:%d %b %Y}", "mat"))
    return markers


def trend_points(
    patient: Patient, instrument_id: str, *, since: dt.datetime | None = None
) -> list[charts.Point]:
    """One instrument's totals over time, each labelled with its date, total and band."""
    return [
        charts.Point(
            p.answered_at,
            p.total,
            f"{p.answered_at:%d %b %Y}: {p.total}{' (' + p.band + ')' if p.band else ''}",
        )
        for p in trend(patient, instrument_id)
        if since is None or p.answered_at >= since
    ]


def _at_noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def mood_points(patient: Patient) -> list[charts.Point]:
    return [
        charts.Point(_at_noon(day), mood, f"{day:%d %b %Y}: mood {mood}/10")
        for day, mood in mood_series(patient)
    ]


def use_week_points(patient: Patient) -> list[charts.Point]:
    # Sixteen weeks: the span of a ketamine course and its follow-up on one screen (a display choice).
    return [
        charts.Point(
            _at_noon(start), used, f"Week of {start:%d %b %Y}: use on {used} of {reported} days reported"
        )
        for start, used, reported in weekly_use_days(patient, weeks=16)
    ]


def checked_in_on(patient: Patient, day: dt.date) -> bool:
    return patient.daily_reports.filter(day=day, entered_in_error=False).exists()


def drafts_of(patient: Patient, *, instrument_id: str | None = None) -> QuerySet[QuestionnaireResponse]:
    return responses_of(patient, instrument_id=instrument_id).filter(
        status=QuestionnaireResponse.Status.DRAFT, entered_in_error=False
    )


def recent_daily_reports(patient: Patient, *, days: int) -> list[DailyReport]:
    return list(patient.daily_reports.filter(entered_in_error=False).order_by("-day")[:days])


def outcome_settings_of(clinic: Clinic) -> ClinicOutcomeSettings | None:
    return ClinicOutcomeSettings.objects.filter(clinic=clinic).first()


def live_entry_of(
    patient: Patient, model: type[SubstanceUseDay | LabResult | DailyReport], entry_id: int
) -> Any:
    """A reported day, test result or daily report of this patient not yet withdrawn, or None."""
    return model.objects.filter(pk=entry_id, patient=patient, entered_in_error=False).first()


def recent_alerts(patient: Patient) -> QuerySet[SafetyAlert]:
    """The patient's last 20 safety alerts, open ones first."""
    return patient.safety_alerts.select_related("recipient", "acknowledged_by").order_by(
        "acknowledged_at", "-raised_at"
    )[:20]


def recent_responses(patient: Patient) -> QuerySet[QuestionnaireResponse]:
    """The patient's last 50 responses with what replaced them."""
    return responses_of(patient).select_related("replaced_by")[:50]


def settings_clinic_for(user: User) -> Clinic | None:
    """The first clinic (by name) whose outcome settings this user administers."""
    return clinics_where(user, Action.MANAGE_OUTCOME_SETTINGS).order_by("name").first()
