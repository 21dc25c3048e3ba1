"""Every read of outcomes, scoped to the user; access through `patients.selectors.get_patient_for`
(the patient's record, own-record rule included) and `permission_for` (a clinic's licence)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, F, IntegerField, Max, Q, QuerySet, Window
from django.db.models.functions import Cast, RowNumber, TruncWeek
from django.http import Http404
from django.template.defaultfilters import pluralize
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
from ketacare.outcomes.treatment import ketamine_sessions, treatment_events
from ketacare.patients.models import Medication, Patient
from ketacare.patients.selectors import get_patient_for

# --- instruments --------------------------------------------------------------------------------


def offered_instruments(clinic: Clinic | int) -> list[Instrument]:
    """The instruments this clinic may use now (licence permission recorded where it is needed)."""
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    permitted = _permitted([clinic_id])  # one query, not one per licensed instrument
    return [
        i
        for i in instruments.list_instruments()
        if not i.licence.requires_permission or (clinic_id, i.id) in permitted
    ]


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


def _permitted(clinic_ids: list[int]) -> set[tuple[int, str]]:
    """(clinic, instrument) pairs with an active licence permission, in one query."""
    return set(
        InstrumentPermission.objects.filter(clinic_id__in=clinic_ids, withdrawn_at__isnull=True).values_list(
            "clinic_id", "instrument_id"
        )
    )


_ASSIGNMENT_FIELDS = ("id", "patient_id", "instrument_id", "interval_days", "starts_on", "ends_on", "active")


def _state_of(
    assignment: Assignment,
    answered_on: list[dt.date],
    last_answered_on: dt.date | None,
    clinic_id: int,
    permitted: set[tuple[int, str]],
    today: dt.date,
) -> AssignmentState:
    instrument = instruments.get_instrument(assignment.instrument_id)
    state = schedule.due_state(
        starts_on=assignment.starts_on,
        interval_days=assignment.interval_days,
        ends_on=assignment.ends_on,
        answered_on=answered_on,
        today=today,
    )
    offered = not instrument.licence.requires_permission or (clinic_id, instrument.id) in permitted
    return AssignmentState(assignment, instrument, state, last_answered_on, offered=offered)


def assignment_states(patient: Patient, today: dt.date | None = None) -> list[AssignmentState]:
    """Every active assignment of the patient with its due state: three queries, whatever the number
    of assignments or answers."""
    today = today or timezone.localdate()
    answered: dict[str, list[dt.date]] = {}
    for instrument_id, answered_at in patient.responses.filter(
        status=QuestionnaireResponse.Status.FINAL, entered_in_error=False
    ).values_list("instrument_id", "answered_at"):
        answered.setdefault(instrument_id, []).append(timezone.localdate(answered_at))
    assignments = list(patient.assignments.filter(active=True).order_by("instrument_id", "starts_on"))
    permitted = _permitted([patient.clinic_id]) if assignments else set()
    states = []
    for assignment in assignments:
        days = answered.get(assignment.instrument_id, [])
        states.append(
            _state_of(assignment, days, max(days, default=None), patient.clinic_id, permitted, today)
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
    # The recording user comes with each day (the API shows it): one query, not one a row.
    days = patient.substance_use_days.filter(entered_in_error=False).select_related("recorded_by")
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
    events = ketamine_sessions(patient)
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


def mood_series(patient: Patient, *, since: dt.date | None = None) -> list[tuple[dt.date, int]]:
    """Mood by day for the chart: reports entered in error do not count."""
    reports = patient.daily_reports.filter(entered_in_error=False)
    if since is not None:
        reports = reports.filter(day__gte=since)
    return list(reports.order_by("day").values_list("day", "mood_0_10"))


@dataclass(frozen=True)
class WeeklyPoint:
    day: dt.date  # the Monday the week starts
    value: float  # the week's mean
    count: int  # values averaged


@dataclass
class ChartSeries:
    """One instrument's chart: its totals one by one (a window) or weekly means (the whole history)."""

    raw: list[TrendPoint] = field(default_factory=list)
    points: list[WeeklyPoint] = field(default_factory=list)
    weekly: bool = False


def _week(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def chart_series(patient: Patient, *, since: dt.date | None = None) -> dict[str, ChartSeries]:
    """Every instrument's valid, final totals for the charts, in one query: one by one since a day,
    or, for the whole history, the mean of each week computed by the database."""
    valid = patient.responses.filter(
        status=QuestionnaireResponse.Status.FINAL, entered_in_error=False, score_total__isnull=False
    )
    found: dict[str, ChartSeries] = {}
    if since is not None:
        start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
        for instrument_id, at, total, band in (
            valid.filter(answered_at__gte=start)
            .order_by("answered_at", "id")
            .values_list("instrument_id", "answered_at", "score_total", "band_label")
        ):
            if total is not None:
                found.setdefault(instrument_id, ChartSeries()).raw.append(TrendPoint(at, total, band))
        return found
    for instrument_id, week, mean, count in (
        valid.annotate(week=TruncWeek("answered_at"))
        .order_by()
        .values("instrument_id", "week")
        .annotate(mean=Avg("score_total"), n=Count("id"))
        .order_by("instrument_id", "week")
        .values_list("instrument_id", "week", "mean", "n")
    ):
        series = found.setdefault(instrument_id, ChartSeries(weekly=True))
        series.points.append(WeeklyPoint(_week(week), float(mean), count))
    return found


def weekly_mood(patient: Patient) -> list[WeeklyPoint]:
    """The mean mood of each week of the whole history, computed by the database."""
    return [
        WeeklyPoint(_week(week), float(mean), count)
        for week, mean, count in patient.daily_reports.filter(entered_in_error=False)
        .annotate(week=TruncWeek("day"))
        .order_by()
        .values("week")
        .annotate(mean=Avg("mood_0_10"), n=Count("id"))
        .order_by("week")
        .values_list("week", "mean", "n")
    ]


@dataclass(frozen=True)
class UseWeek:
    start: dt.date
    used: int  # days with any use
    reported: int  # days with a report
    heavy: int  # heavy-drinking days (Dakwar 2020's sex-specific cut-off, ketacare.analytics.tlfb)
    drinks_reported: bool  # any alcohol day of the week with its standard drinks


def weekly_use_days(
    patient: Patient,
    *,
    weeks: int | None = None,
    since: dt.date | None = None,
    today: dt.date | None = None,
) -> list[UseWeek]:
    """Each week with any report: the last `weeks` weeks, the weeks since a day, or (neither) the
    whole history. The weeks end today. One query, with the days folded (any substance used, the
    day's alcohol drinks) by the database."""
    today = today or timezone.localdate()
    days = patient.substance_use_days.filter(entered_in_error=False, day__lte=today)
    if weeks is not None:
        since = today - dt.timedelta(days=7 * weeks - 1)
    if since is not None:
        days = days.filter(day__gte=since)
    by_day = {
        day: (bool(used), drinks)
        for day, used, drinks in days.order_by()
        .values("day")
        .annotate(
            any_use=Max(Cast("used", IntegerField())),
            drinks=Max("standard_drinks", filter=Q(substance="alcohol")),
        )
        .values_list("day", "any_use", "drinks")
    }
    if not by_day:
        return []
    sex = _sex(patient)
    begin = since if since is not None else min(by_day)
    count = ((today - begin).days // 7) + 1
    first = today - dt.timedelta(days=7 * count - 1)
    result = []
    for week in range(count):
        start = first + dt.timedelta(days=7 * week)
        reported = [by_day[d] for d in (start + dt.timedelta(days=n) for n in range(7)) if d in by_day]
        if reported:
            result.append(
                UseWeek(
                    start,
                    used=sum(1 for used, _ in reported if used),
                    reported=len(reported),
                    heavy=sum(1 for _, drinks in reported if tlfb.is_heavy_drinking_day(drinks, sex)),
                    drinks_reported=any(drinks is not None for _, drinks in reported),
                )
            )
    return result


# --- the clinician's worklist -------------------------------------------------------------------


@dataclass(frozen=True)
class Worsening:
    """A measure whose latest total fell in a more severe band than the one before: which measure,
    which bands, and since when (the answer that crossed)."""

    instrument_id: str
    before: TrendPoint
    latest: TrendPoint

    @property
    def abbreviation(self) -> str:
        return instruments.get_instrument(self.instrument_id).abbreviation

    @property
    def since(self) -> dt.date:
        return timezone.localdate(self.latest.answered_at)

    @property
    def sentence(self) -> str:
        before, latest = self.before, self.latest
        return (
            f"{self.abbreviation} rose from {before.total} ({before.band}) on "
            f"{timezone.localdate(before.answered_at):%d %b} to {latest.total} ({latest.band}) on "
            f"{self.since:%d %b %Y}"
        )


@dataclass
class WorklistRow:
    patient: Patient
    alerts: list[SafetyAlert] = field(default_factory=list)
    overdue: list[AssignmentState] = field(default_factory=list)
    worsening: list[Worsening] = field(default_factory=list)
    contradictions: int = 0
    contradicting_since: dt.date | None = None  # the earliest contradicting test's day

    @property
    def reasons(self) -> list[str]:
        """Why this patient needs attention, in words, each with since when (the patient's page)."""
        found = [
            f"{alert.get_severity_display()} safety alert ({alert.flag_code}) since "
            f"{timezone.localdate(alert.raised_at):%d %b %Y}, not yet acknowledged"
            for alert in self.alerts
        ]
        found += [f"{w.sentence}: worse band since {w.since:%d %b %Y}" for w in self.worsening]
        if self.contradictions and self.contradicting_since:
            found.append(
                f"{self.contradictions} positive test{pluralize(self.contradictions)} on days reported "
                f"without use, since {self.contradicting_since:%d %b %Y}"
            )
        found += [
            f"{s.instrument.abbreviation} overdue since {s.state.due_on:%d %b %Y}" for s in self.overdue
        ]
        return found

    @property
    def priority(self) -> tuple[int, int, int, int]:
        return (-len(self.alerts), -len(self.worsening), -self.contradictions, -len(self.overdue))


@dataclass
class _WorklistEntry:
    """A worklist row before its patient is loaded: only the rows of the page shown load theirs."""

    patient_id: int
    names: tuple[str, str]
    alerts: list[SafetyAlert] = field(default_factory=list)
    overdue: list[AssignmentState] = field(default_factory=list)
    worsening: list[Worsening] = field(default_factory=list)
    contradictions: int = 0
    contradicting_since: dt.date | None = None

    @property
    def priority(self) -> tuple[int, int, int, int]:
        return (-len(self.alerts), -len(self.worsening), -self.contradictions, -len(self.overdue))


class Worklist(Sequence[WorklistRow]):
    """The worklist, most urgent first. Its length is known at once; a slice (a page) loads its
    patients in one query, so a page of 50 costs the same for 10 patients as for 10,000."""

    def __init__(self, entries: list[_WorklistEntry]) -> None:
        self._entries = entries

    def __len__(self) -> int:
        return len(self._entries)

    def count(self, value: object = None) -> int:  # type: ignore[override]
        """Django's Paginator asks for count(); here it is the number of rows."""
        return len(self._entries)

    @overload
    def __getitem__(self, index: int) -> WorklistRow: ...
    @overload
    def __getitem__(self, index: slice) -> list[WorklistRow]: ...
    def __getitem__(self, index: int | slice) -> WorklistRow | list[WorklistRow]:
        if isinstance(index, int):
            return self._load([self._entries[index]])[0]
        return self._load(self._entries[index])

    def __iter__(self) -> Iterator[WorklistRow]:
        return iter(self._load(self._entries))

    @staticmethod
    def _load(entries: list[_WorklistEntry]) -> list[WorklistRow]:
        if not entries:
            return []
        patients = Patient.objects.select_related("clinic").in_bulk([e.patient_id for e in entries])
        return [
            WorklistRow(
                patients[e.patient_id],
                alerts=e.alerts,
                overdue=e.overdue,
                worsening=e.worsening,
                contradictions=e.contradictions,
                contradicting_since=e.contradicting_since,
            )
            for e in entries
        ]


# The worklist looks back one month for contradicting tests (a page-length choice, not clinical).
WORKLIST_TEST_LOOKBACK_DAYS = 30


def worklist(
    user: User, today: dt.date | None = None, *, audit: bool = False, patient: Patient | None = None
) -> Worklist:
    """What needs a clinician: open safety alerts (alarming), worsening bands, tests that contradict
    the self-report, and overdue questionnaires; most urgent first. Only the user's clinics (and,
    given `patient`, only that patient: the reasons on the patient's page are the worklist's own).

    Set-based: a fixed number of queries whatever the number of patients (the per-patient loop
    this replaces ran about eight queries a patient; docs/performance.md)."""
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied("Log in first.")
    today = today or timezone.localdate()
    clinic_ids = list(clinics_where(user, Action.VIEW_PATIENT).values_list("pk", flat=True))
    of_clinics: dict[str, Any] = {"patient__clinic_id__in": clinic_ids}
    patients = Patient.objects.filter(clinic_id__in=clinic_ids)
    if patient is not None:
        of_clinics["patient_id"] = patient.pk
        patients = patients.filter(pk=patient.pk)
    entries: dict[int, _WorklistEntry] = {}
    names: dict[int, tuple[str, str]] = {}
    clinic_of: dict[int, int] = {}
    for pk, family, given, clinic_id in patients.order_by().values_list(
        "pk", "family_name", "given_name", "clinic_id"
    ):
        names[pk] = (family, given)
        clinic_of[pk] = clinic_id

    def entry(patient_id: int) -> _WorklistEntry:
        if patient_id not in entries:
            entries[patient_id] = _WorklistEntry(patient_id, names[patient_id])
        return entries[patient_id]

    for alert in open_alerts_visible_to(user):
        if alert.patient_id in names:
            entry(alert.patient_id).alerts.append(alert)

    # Overdue: the latest valid answer per patient and instrument decides, because an occurrence
    # that is still open (due or overdue) ends after today and no answer lies in the future.
    last_answered = {
        (pid, instrument_id): timezone.localdate(at)
        for pid, instrument_id, at in QuestionnaireResponse.objects.filter(
            **of_clinics, status=QuestionnaireResponse.Status.FINAL, entered_in_error=False
        )
        .order_by()
        .values("patient_id", "instrument_id")
        .annotate(last=Max("answered_at"))
        .values_list("patient_id", "instrument_id", "last")
    }
    permitted = _permitted(clinic_ids)
    for assignment in (
        Assignment.objects.filter(**of_clinics, active=True)
        .only(*_ASSIGNMENT_FIELDS)
        .order_by("patient_id", "instrument_id", "starts_on")
    ):
        pid = assignment.patient_id
        last = last_answered.get((pid, assignment.instrument_id))
        state = _state_of(assignment, [last] if last else [], last, clinic_of[pid], permitted, today)
        if state.offered and state.state.status == schedule.DueStatus.OVERDUE:
            entry(assignment.patient_id).overdue.append(state)

    # Worsening: the two latest valid totals per patient and instrument, in one windowed query.
    latest: dict[tuple[int, str], list[TrendPoint]] = {}
    for pid, instrument_id, at, total, band in (
        QuestionnaireResponse.objects.filter(
            **of_clinics,
            status=QuestionnaireResponse.Status.FINAL,
            entered_in_error=False,
            score_total__isnull=False,
        )
        .annotate(
            newest=Window(
                RowNumber(),
                partition_by=[F("patient_id"), F("instrument_id")],
                order_by=[F("answered_at").desc(), F("id").desc()],
            )
        )
        .filter(newest__lte=2)
        .order_by()
        .values_list("patient_id", "instrument_id", "answered_at", "score_total", "band_label")
    ):
        if total is not None:  # filtered above; the check keeps the types honest
            latest.setdefault((pid, instrument_id), []).append(TrendPoint(at, total, band))
    order = {instrument.id: n for n, instrument in enumerate(instruments.list_instruments())}
    for (pid, instrument_id), newest_first in sorted(latest.items(), key=lambda kv: order.get(kv[0][1], 0)):
        points = sorted(newest_first, key=lambda p: p.answered_at)
        if instrument_id in order and worsening(points, instrument_id):
            entry(pid).worsening.append(Worsening(instrument_id, points[-2], points[-1]))

    # Tests that contradict the self-report: the month's positive tests, and the same patients'
    # reports of that month (a day without a report contradicts nothing).
    recent = today - dt.timedelta(days=WORKLIST_TEST_LOOKBACK_DAYS)
    positive = LabResult.objects.filter(
        **of_clinics,
        entered_in_error=False,
        positive=True,
        collected_at__gte=timezone.make_aware(dt.datetime.combine(recent, dt.time.min)),
    ).order_by()
    tests: dict[int, list[tlfb.BiologicalTest]] = {}
    for pid, collected_at, kind, substance in positive.values_list(
        "patient_id", "collected_at", "kind", "substance"
    ):
        if timezone.localdate(collected_at) >= recent:
            day = timezone.localdate(collected_at)
            tests.setdefault(pid, []).append(tlfb.BiologicalTest(day, tlfb.TestKind(kind), substance, True))
    reports: dict[int, list[tlfb.UseDay]] = {}
    # Always run (even with no positive test) so that the query count never depends on the data.
    for pid, day, substance, used in (
        SubstanceUseDay.objects.filter(
            patient_id__in=positive.values("patient_id"), entered_in_error=False, day__gte=recent
        )
        .order_by()
        .values_list("patient_id", "day", "substance", "used")
    ):
        reports.setdefault(pid, []).append(tlfb.UseDay(day, substance, used))
    for pid, found in tests.items():
        contradicting = tlfb.contradictions(found, reports.get(pid, []))
        if contradicting:
            entry(pid).contradictions = len(contradicting)
            entry(pid).contradicting_since = min(c.test.day for c in contradicting)

    ranked = sorted(entries.values(), key=lambda e: (e.priority, e.names, e.patient_id))
    if audit:  # the worklist page lists patients: an audited search
        record_event(
            actor=user,
            action=AuditAction.SEARCH,
            entity_type="outcomes.worklist",
            detail={"rows": len(ranked)},
        )
    return Worklist(ranked)


def attention(user: User, patient: Patient) -> WorklistRow | None:
    """Why this patient is on the user's worklist (None: nothing needs attention); the patient was
    fetched for the user (`get_patient_for`), so the read is already audited."""
    rows = worklist(user, patient=patient)
    return rows[0] if len(rows) else None


# Shown until the clinic sets its own crisis numbers. It claims nothing about the care team: the
# crisis page says the team was alerted only when an alert was really recorded (recent_alerts_of).
DEFAULT_CRISIS_INFORMATION = (
    "If you are in danger now or might act on these thoughts, call your local emergency number or go "
    "to the nearest emergency department."
)
# The national line a clinic may add to its crisis numbers, offered as a suggestion on the settings
# page (the clinic sets what its patients see).
CRISIS_LINE_SUGGESTIONS = ("United States: 988 Suicide & Crisis Lifeline (call or text 988)",)
# How long after an alert the crisis page still tells the patient it was sent.
ALERT_SHOWN_FOR = dt.timedelta(hours=24)


def recent_alerts_of(patient: Patient, *, now: dt.datetime | None = None) -> QuerySet[SafetyAlert]:
    """The patient's alerts raised in the last ALERT_SHOWN_FOR, newest first: what the crisis page may
    truthfully say was sent to the care team."""
    since = (now or timezone.now()) - ALERT_SHOWN_FOR
    return patient.safety_alerts.filter(raised_at__gte=since).order_by("-raised_at", "-id")


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


def test_markers(patient: Patient, *, since: dt.date | None = None) -> list[charts.Marker]:
    """The patient's valid test results (toxicology, EtG, breath alcohol) as chart markers, one query."""
    tests = patient.lab_results.filter(entered_in_error=False)
    if since is not None:
        tests = tests.filter(collected_at__gte=timezone.make_aware(dt.datetime.combine(since, dt.time.min)))
    return [
        charts.Marker(
            test.collected_at,
            f"{test.collected_at:%d %b %Y}: {test.get_kind_display()} "
            f"{'positive' if test.positive else 'negative'} ({test.get_substance_display()})",
            "tox-positive" if test.positive else "tox-negative",
        )
        for test in tests.order_by("collected_at", "id")
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
