"""Reads for dosing: the patient's covariates for the pharmacology engine, and monitored sessions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet
from django.http import Http404
from django.utils import timezone

from ketacare import pharmacology
from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Action
from ketacare.audit.actions import AuditAction
from ketacare.audit.models import AuditEvent
from ketacare.audit.services import record_event, record_refusal
from ketacare.dosing.models import ClinicSessionSettings, DosingSession
from ketacare.outcomes.models import QuestionnaireResponse
from ketacare.outcomes.selectors import final_responses_between
from ketacare.outcomes.treatment import TreatmentEvent
from ketacare.patients.models import BodyMeasurement, Patient
from ketacare.patients.selectors import get_patient_for, latest_measurement
from ketacare.pharmacology.model import SEXES
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
    if session.started_at is None:
        return []
    until = session.ended_at + dt.timedelta(hours=1) if session.ended_at is not None else None
    return final_responses_between(
        session.patient_id, DISCHARGE_INSTRUMENTS, since=session.started_at, until=until
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
    items += [TimelineItem(r.answered_at, "score", r) for r in discharge_scores(session)]
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
