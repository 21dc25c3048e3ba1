"""Reads for dosing: the patient's covariates for the pharmacology engine, and monitored sessions."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from ketacare import pharmacology
from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Action
from ketacare.audit.actions import AuditAction
from ketacare.audit.models import AuditEvent
from ketacare.audit.services import record_event, record_refusal
from ketacare.dosing.models import ClinicSessionSettings, DosingSession, SessionAlert
from ketacare.outcomes.models import QuestionnaireResponse
from ketacare.outcomes.selectors import final_responses_between
from ketacare.outcomes.treatment import TreatmentEvent
from ketacare.patients.models import BodyMeasurement, Patient
from ketacare.patients.selectors import get_patient_for, latest_measurement
from ketacare.pharmacology.model import SEXES
from ketacare.rules import esketamine_label
from ketacare.rules.session_alerts import Thresholds


@dataclass(frozen=True)
class Covariates:
    """What the models take from the record, and where it came from."""

    pk_patient: pharmacology.Patient
    measurement: BodyMeasurement
    age_years: float


def age_years(date_of_birth: dt.date, on: dt.date) -> float:
    return (on - date_of_birth).days / 365.25


def covariates_of(patient: Patient) -> Covariates | None:
    """The latest recorded weight (and height) with today's age; None if no weight is recorded.

    Sex at birth other than male or female is passed as "male": no shipped model uses sex
    (docs/pharmacology.md), so the choice changes no number.
    """
    measurement = latest_measurement(patient)
    if measurement is None:
        return None
    age = age_years(patient.date_of_birth, timezone.localdate())
    sex = patient.sex_at_birth if patient.sex_at_birth in SEXES else "male"
    height = float(measurement.height_cm) if measurement.height_cm is not None else None
    pk_patient = pharmacology.Patient(float(measurement.weight_kg), age, sex, height)
    return Covariates(pk_patient, measurement, age)


# --- Monitored sessions -----------------------------------------------------------------------

# Discharge scores are recorded through the existing instruments (outcomes.record_response); the
# session page shows those recorded since the session started, with the instrument's own bands.
DISCHARGE_INSTRUMENTS = ("padss", "aldrete")
# Scales inside the session: sedation, dissociation, craving (issue 11), shown in its timeline.
SESSION_INSTRUMENTS = (*DISCHARGE_INSTRUMENTS, "moaas", "cadss-6", "craving-vas")


@dataclass
class TimelineItem:
    at: dt.datetime
    kind: str
    item: Any
    new_day: bool = False  # the first entry of a calendar day shows its date


def get_session_for(
    user: User, session_id: int, action: Action = Action.ADMINISTER_KETAMINE
) -> DosingSession:
    """The session, if this user may do this action on its patient (else Http404 or PermissionDenied,
    audited by get_patient_for). A successful read is audited here."""
    session = DosingSession.objects.select_related("patient__clinic").filter(pk=session_id).first()
    if session is None:
        record_refusal(
            actor=user,
            action=action,
            entity_type="dosing.dosingsession",
            entity_id=session_id,
            outcome=AuditEvent.Outcome.NOT_FOUND,
        )
        raise Http404("No such session.")
    patient = get_patient_for(user, session.patient_id, action)
    session.patient = patient
    return session


def audit_session_read(user: User, session: DosingSession) -> None:
    record_event(
        actor=user,
        action=AuditAction.READ,
        entity=session,
        clinic=session.patient.clinic,
        patient_id=session.patient_id,
    )


def sessions_of(patient: Patient) -> QuerySet[DosingSession]:
    # Sessions still to give first, then the newest given: recorded-after-the-fact ones sort by when
    # they happened, not when they were typed in.
    return (
        DosingSession.objects.filter(patient=patient)
        .select_related("created_by", "signed_by")
        .order_by(F("started_at").desc(nulls_first=True), "-created_at")
    )


def discharge_scores(session: DosingSession) -> list[QuestionnaireResponse]:
    started = session.started_at
    return [
        r
        for r in session_scores(session)
        if r.instrument_id in DISCHARGE_INSTRUMENTS and started is not None and r.answered_at >= started
    ]


def session_scores(session: DosingSession) -> list[QuestionnaireResponse]:
    """Discharge scores and in-session scales recorded from 30 min before the start (a baseline
    craving) to an hour after the end."""
    if session.started_at is None:
        return []
    until = session.ended_at + dt.timedelta(hours=1) if session.ended_at is not None else None
    return final_responses_between(
        session.patient_id,
        SESSION_INSTRUMENTS,
        since=session.started_at - dt.timedelta(minutes=30),
        until=until,
    )


def treatment_events(patient: Patient) -> list[TreatmentEvent]:
    """The patient's sessions that started, for outcomes (the relapse clock, chart markers)."""
    started = DosingSession.objects.filter(patient=patient, started_at__isnull=False).order_by("started_at")
    events = []
    for session in started:
        at = session.started_at
        assert at is not None  # filtered above
        local = timezone.localtime(at)
        label = f"Ketamine session {local:%d %b %Y}: {session.get_route_display()}, {session.dose_mg} mg"
        events.append(TreatmentEvent(at, label))
    return events


def session_timeline(session: DosingSession) -> list[TimelineItem]:
    """Everything that happened in the session, in time order (entries in error stay, marked)."""
    items: list[TimelineItem] = [TimelineItem(session.created_at, "planned", session)]
    if session.started_at:
        items.append(TimelineItem(session.started_at, "started", session))
    items += [TimelineItem(v.measured_at, "vital", v) for v in session.vitals.select_related("recorded_by")]
    items += [
        TimelineItem(s.occurred_at, "side_effect", s)
        for s in session.side_effects.select_related("recorded_by")
    ]
    items += [TimelineItem(r.answered_at, "score", r) for r in session_scores(session)]
    items += [
        TimelineItem(a.acknowledged_at, "acknowledged", a)
        for a in session.alerts.filter(acknowledged_at__isnull=False).select_related("acknowledged_by")
        if a.acknowledged_at is not None
    ]
    if session.ended_at:
        items.append(TimelineItem(session.ended_at, "ended", session))
    if session.signed_at:
        items.append(TimelineItem(session.signed_at, "signed", session))
    items += [
        TimelineItem(a.recorded_at, "addendum", a) for a in session.addenda.select_related("recorded_by")
    ]
    ordered = sorted(items, key=lambda i: i.at)
    previous: dt.date | None = None
    for entry in ordered:
        day = timezone.localdate(entry.at)
        entry.new_day, previous = day != previous, day
    return ordered


def thresholds_of(clinic: Clinic) -> tuple[Thresholds, ClinicSessionSettings | None]:
    current = ClinicSessionSettings.objects.filter(clinic=clinic).first()
    if current is None:
        return Thresholds(), None
    return Thresholds(**{name: getattr(current, name) for name in THRESHOLD_FIELDS}), current


THRESHOLD_FIELDS = (
    "systolic_above_mmhg",
    "diastolic_above_mmhg",
    "heart_rate_above_per_min",
    "heart_rate_below_per_min",
    "spo2_below_percent",
)
# --- Alerts, next reading, the day board --------------------------------------------------------


@dataclass(frozen=True)
class ReadingDue:
    at: dt.datetime
    why: str

    @property
    def overdue(self) -> bool:
        return self.at <= timezone.now()


def next_reading_due(session: DosingSession, interval_min: int | None) -> ReadingDue | None:
    """When the next vital-sign reading is due: the clinic-set interval after the last reading and, for
    esketamine, the 40-minute blood pressure of the REMS form (VERIFIED, rules/esketamine_label)."""
    if session.status != DosingSession.Status.IN_PROGRESS or session.started_at is None:
        return None
    readings = session.vitals.filter(entered_in_error=False)
    due: list[ReadingDue] = []
    if session.drug == "esketamine":
        at40 = session.started_at + dt.timedelta(minutes=esketamine_label.ESKETAMINE_BP_CHECK_AFTER_START_MIN)
        if not readings.filter(measured_at__gte=at40 - dt.timedelta(minutes=5)).exists():
            due.append(ReadingDue(at40, "40-minute blood pressure (esketamine REMS form)"))
    if interval_min:
        last = readings.order_by("-measured_at").first()
        since = max(last.measured_at, session.started_at) if last else session.started_at
        due.append(
            ReadingDue(since + dt.timedelta(minutes=interval_min), f"every {interval_min} min (clinic-set)")
        )
    return min(due, key=lambda d: d.at) if due else None


SCALE_LABELS = {"moaas": "Sedation (MOAA/S)", "cadss-6": "Dissociation (CADSS-6)"}


@dataclass(frozen=True)
class ScaleDue:
    label: str
    at: dt.datetime | None  # None: due at a moment rather than a time (craving before, after)
    why: str

    @property
    def overdue(self) -> bool:
        return self.at is not None and self.at <= timezone.now()


def scales_due(session: DosingSession, interval_min: int | None) -> list[ScaleDue]:
    """What scale is due next in a monitored session: MOAA/S and CADSS-6 every clinic-set interval after
    the last one (or the start); craving once before the dose and once after."""
    if session.status != DosingSession.Status.IN_PROGRESS or session.started_at is None:
        return []
    scores = session_scores(session)
    due: list[ScaleDue] = []
    if interval_min:
        for instrument, label in SCALE_LABELS.items():
            times = [r.answered_at for r in scores if r.instrument_id == instrument]
            since = max([session.started_at, *times])
            due.append(
                ScaleDue(
                    label,
                    since + dt.timedelta(minutes=interval_min),
                    f"every {interval_min} min (clinic-set)",
                )
            )
    cravings = sum(1 for r in scores if r.instrument_id == "craving-vas")
    if cravings == 0:
        due.append(ScaleDue("Craving (0-100) before the dose", None, "at the start"))
    elif cravings == 1:
        due.append(ScaleDue("Craving (0-100) after the dose", None, "before discharge"))
    return due


def scale_label(instrument_id: str) -> str:
    return {**SCALE_LABELS, "craving-vas": "Craving (0-100)"}.get(instrument_id, instrument_id)


def open_alerts_for(user: User) -> QuerySet[SessionAlert]:
    """Open alerts of unsigned sessions in the clinics where this user administers ketamine."""
    from ketacare.accounts.selectors import clinics_where

    return (
        SessionAlert.objects.filter(
            acknowledged_at__isnull=True,
            vital__entered_in_error=False,
            session__signed_at__isnull=True,
            session__patient__clinic__in=clinics_where(user, Action.ADMINISTER_KETAMINE),
        )
        .select_related("session__patient", "vital")
        .order_by("raised_at", "id")
    )


@dataclass
class BoardRow:
    session: DosingSession
    stage: str
    elapsed_min: int | None
    next_due: ReadingDue | None
    open_alerts: list[SessionAlert]


def _stage(session: DosingSession, minimum_min: int | None, has_open: bool, now: dt.datetime) -> str:
    if session.signed_at is not None:
        return "signed"
    if session.status == DosingSession.Status.PLANNED:
        return "checklist"
    if session.status == DosingSession.Status.ENDED:
        return "discharged, to sign"
    assert session.started_at is not None
    elapsed = (now - session.started_at).total_seconds() / 60
    if session.duration_min and elapsed < float(session.duration_min):
        return "dosing"
    if not has_open and (minimum_min is None or elapsed >= minimum_min):
        return "ready for discharge"
    return "monitoring"


def day_board(user: User) -> list[BoardRow]:
    """Today's sessions of the user's clinics (planned, started or ended today), oldest first. The
    caller audits the read."""
    from ketacare.accounts.selectors import clinics_where
    from ketacare.dosing.services import minimum_observation_min

    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    end = start + dt.timedelta(days=1)
    clinics = clinics_where(user, Action.ADMINISTER_KETAMINE)
    sessions = (
        DosingSession.objects.filter(patient__clinic__in=clinics)
        .filter(
            Q(started_at__gte=start, started_at__lt=end)
            | Q(started_at__isnull=True, created_at__gte=start, created_at__lt=end)
            | Q(ended_at__gte=start, ended_at__lt=end)
        )
        .select_related("patient__clinic")
        .order_by(F("started_at").asc(nulls_last=True), "created_at")
    )
    now = timezone.now()
    rows = []
    settings_by_clinic: dict[int, Any] = {}
    for session in sessions:
        clinic = session.patient.clinic
        if clinic.pk not in settings_by_clinic:
            settings_by_clinic[clinic.pk] = thresholds_of(clinic)[1]
        current = settings_by_clinic[clinic.pk]
        alerts = list(
            session.alerts.filter(acknowledged_at__isnull=True, vital__entered_in_error=False).order_by(
                "raised_at"
            )
        )
        elapsed = None
        if session.started_at is not None:
            stop = session.ended_at or now
            elapsed = int((stop - session.started_at).total_seconds() // 60)
        rows.append(
            BoardRow(
                session=session,
                stage=_stage(session, minimum_observation_min(session, current), bool(alerts), now),
                elapsed_min=elapsed,
                next_due=next_reading_due(session, current.vitals_interval_min if current else None),
                open_alerts=alerts,
            )
        )
    return rows


def live_version(session: DosingSession) -> str:
    """A fingerprint of everything the live parts of the session page show: it changes when anything
    is recorded, acknowledged or withdrawn, so a poll with the same fingerprint needs no new page."""
    parts = [
        session.status,
        str(session.signed_at),
        *(
            f"{qs.count()}:{qs.order_by('-id').values_list('id', flat=True).first()}"
            for qs in (
                session.vitals.all(),
                session.side_effects.all(),
                session.addenda.all(),
                session.alerts.all(),
                session.infusion_events.all(),
                session.pregnancy_tests.all(),
            )
        ),
        str(len(session_scores(session))),
        # The predicted course marks "now": a monitored session's region is redrawn once a minute.
        str(int(timezone.now().timestamp() // 60))
        if session.status == DosingSession.Status.IN_PROGRESS
        else "",
        str(session.alerts.filter(acknowledged_at__isnull=False).count()),
        str(
            session.vitals.filter(entered_in_error=True).count()
            + session.side_effects.filter(entered_in_error=True).count()
            + session.pregnancy_tests.filter(entered_in_error=True).count()
        ),
        str(session.concentration_mg_per_ml),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def audit_day_board(user: User, rows: list[BoardRow]) -> None:
    """The board shows patients: one read per session shown (ids only)."""
    record_event(
        actor=user, action=AuditAction.SEARCH, entity_type="dosing.dayboard", detail={"rows": len(rows)}
    )
    for row in rows:
        audit_session_read(user, row.session)


def board_version(rows: list[BoardRow]) -> str:
    parts = [
        f"{r.session.pk}:{r.stage}:{r.elapsed_min}:{live_version(r.session)}:"
        f"{r.next_due.at if r.next_due else ''}"
        for r in rows
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


# --- The esketamine REMS Patient Monitoring Form ---------------------------------------------------


def _reading_near(
    session: DosingSession, *, before: dt.datetime | None = None, around: dt.datetime | None = None
) -> Any:
    readings = session.vitals.filter(entered_in_error=False)
    if before is not None:
        return readings.filter(measured_at__lte=before).order_by("-measured_at").first()
    assert around is not None
    window = readings.filter(
        measured_at__gte=around - dt.timedelta(minutes=5), measured_at__lte=around + dt.timedelta(minutes=15)
    )
    return min(window, key=lambda v: abs((v.measured_at - around).total_seconds()), default=None)


def _bp(vital: Any) -> str | None:
    return f"{vital.systolic_mmhg}/{vital.diastolic_mmhg}" if vital is not None else None


def _in_range(vital: Any) -> bool | None:
    """'Acceptable range' on the form has no number: KetaCare answers from the clinic's thresholds (no
    alert on that reading); with no reading, no answer."""
    if vital is None:
        return None
    return not vital.raised_alerts.exists()


def rems_form(session: DosingSession) -> dict[str, Any]:
    """The fields of the Spravato REMS Patient Monitoring Form (11/2021) that KetaCare can fill from the
    session (clinical-verified.md §1c, VERIFIED): treatment date, dose, lot, total minutes from the
    first device to the end of monitoring, the three blood pressures, vital signs in acceptable range
    before administration and before completion, the "ready to leave" minutes. The four
    concomitant-medication classes are the prescriber's answers (None until given). Due within 7 days."""
    started, ended = session.started_at, session.ended_at
    due = (
        (timezone.localdate(started) + dt.timedelta(days=esketamine_label.REMS_FORM_DUE_DAYS))
        if started
        else None
    )
    prior = _reading_near(session, before=started) if started else None
    at40 = (
        _reading_near(
            session,
            around=started + dt.timedelta(minutes=esketamine_label.ESKETAMINE_BP_CHECK_AFTER_START_MIN),
        )
        if started
        else None
    )
    completion = _reading_near(session, before=ended) if ended else None
    missing = [
        name
        for name, value in (
            ("lot_number", session.lot_number),
            ("bp_prior_to_administration", prior),
            ("bp_40_min_post_administration", at40),
            ("bp_prior_to_completion", completion),
            ("ready_to_leave_at", session.ready_to_leave_at),
            ("ended_at", ended),
        )
        if not value
    ] + [
        name
        for name, value in (
            ("concomitant_benzodiazepines", session.rems_benzodiazepines),
            ("concomitant_non_benzodiazepine_sedative_hypnotics", session.rems_sedative_hypnotics),
            ("concomitant_psychostimulants", session.rems_psychostimulants),
            ("concomitant_maois", session.rems_maois),
        )
        if value is None
    ]
    return {
        "session_id": session.pk,
        "treatment_date": timezone.localdate(started) if started else None,
        "dose_mg": session.dose_mg,
        "lot_number": session.lot_number,
        "total_minutes": int((ended - started).total_seconds() // 60) if started and ended else None,
        "monitored_at_least_2_hours": (
            (ended - started) >= dt.timedelta(minutes=esketamine_label.ESKETAMINE_MINIMUM_OBSERVATION_MIN)
            if started and ended
            else None
        ),
        "bp_prior_to_administration": _bp(prior),
        "bp_40_min_post_administration": _bp(at40),
        "bp_prior_to_completion": _bp(completion),
        "vitals_acceptable_prior_to_administration": _in_range(prior),
        "vitals_acceptable_prior_to_completion": _in_range(completion),
        "concomitant_benzodiazepines": session.rems_benzodiazepines,
        "concomitant_non_benzodiazepine_sedative_hypnotics": session.rems_sedative_hypnotics,
        "concomitant_psychostimulants": session.rems_psychostimulants,
        "concomitant_maois": session.rems_maois,
        "ready_to_leave_minutes": (
            int((session.ready_to_leave_at - started).total_seconds() // 60)
            if started and session.ready_to_leave_at
            else None
        ),
        "due_on": due,
        "submitted_at": session.rems_submitted_at,
        "overdue": bool(due and session.rems_submitted_at is None and timezone.localdate() > due),
        "missing": missing,
    }


def rems_queue(user: User) -> list[dict[str, Any]]:
    """Esketamine sessions of the user's clinics whose form is not sent: due within 7 days, or overdue."""
    from ketacare.accounts.selectors import clinics_where

    sessions = (
        DosingSession.objects.filter(
            drug="esketamine",
            started_at__isnull=False,
            rems_submitted_at__isnull=True,
            patient__clinic__in=clinics_where(user, Action.ADMINISTER_KETAMINE),
        )
        .select_related("patient")
        .order_by("started_at")
    )
    return [
        {**rems_form(s), "patient": s.patient.full_name, "patient_id": s.patient_id, "session": s}
        for s in sessions
    ]


def audit_rems_queue(user: User, rows: list[dict[str, Any]]) -> None:
    """The queue shows patients: a search, and one read per session listed (ids only)."""
    record_event(
        actor=user, action=AuditAction.SEARCH, entity_type="dosing.remsform", detail={"rows": len(rows)}
    )
    for row in rows:
        audit_session_read(user, row["session"])


def prescribers_of(clinic: Clinic) -> QuerySet[User]:
    """The clinic's active prescribers (the choice of the prescriber on site)."""
    from ketacare.accounts.models import Membership
    from ketacare.accounts.roles import Role

    ids = Membership.objects.filter(clinic=clinic, role=Role.PRESCRIBER, active=True).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("display_name", "username")
