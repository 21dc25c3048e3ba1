"""Every write to a dosing session: atomic, checked against the actor's role and credentials, audited.

Nothing is deleted. A signed session is immutable: every service here refuses to change it, except
add_addendum, which adds a note beside it. Writes return what they caused (a recorded vital sign
returns the alerts it raised).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Action
from ketacare.accounts.selectors import require_in_clinic
from ketacare.accounts.services import may_administer_ketamine
from ketacare.audit.services import record_event
from ketacare.dosing.models import (
    ClinicSessionSettings,
    DosingSession,
    SessionAddendum,
    SideEffect,
    VitalSign,
)
from ketacare.patients.models import Patient
from ketacare.records import mark_in_error, save_checked
from ketacare.rules.session_alerts import Alert, Reading, Thresholds, evaluate_vitals

THRESHOLD_FIELDS = (
    "systolic_above_mmhg",
    "diastolic_above_mmhg",
    "heart_rate_above_per_min",
    "heart_rate_below_per_min",
    "spo2_below_percent",
)
SETTINGS_FIELDS = (*THRESHOLD_FIELDS, "minimum_observation_min")


@dataclass(frozen=True)
class RecordedVital:
    vital: VitalSign
    alerts: list[Alert]


def _locked(session: DosingSession) -> DosingSession:
    """The session row, locked for this transaction, refused if signed."""
    fresh = DosingSession.objects.select_for_update().select_related("patient__clinic").get(pk=session.pk)
    if fresh.signed_at is not None:
        raise ValidationError("This session is signed and can no longer be changed; add an addendum instead.")
    return fresh


def _require_may_administer(by: User, clinic: Clinic, on: dt.date | None = None) -> None:
    decision = may_administer_ketamine(by, clinic, on=on)
    if not decision:
        when = "today" if on is None or on == timezone.localdate() else f"on {on:%Y-%m-%d}"
        raise ValidationError([f"You may not administer ketamine {when}:", *decision.reasons])


def _when(at: dt.datetime | None, field: str, message: str = "This time is in the future.") -> dt.datetime:
    """When a thing happened: now, or earlier when it is recorded after the fact (never in the future;
    five minutes of clock skew between devices are allowed)."""
    now = timezone.now()
    if at is None:
        return now
    if at > now + dt.timedelta(minutes=5):
        raise ValidationError({field: message})
    return at


def _not_before_start(session: DosingSession, at: dt.datetime, field: str) -> None:
    """During a session means after it started (the same five minutes of clock skew allowed)."""
    if session.started_at is not None and at < session.started_at - dt.timedelta(minutes=5):
        started = timezone.localtime(session.started_at)
        raise ValidationError({field: f"This time is before the session started ({started:%Y-%m-%d %H:%M})."})


def _audit(
    by: User, action: str, entity: Any, session: DosingSession, detail: dict[str, Any] | None = None
) -> None:
    patient = session.patient
    record_event(
        actor=by,
        action=action,
        entity=entity,
        clinic=patient.clinic,
        patient_id=patient.pk,
        detail=detail or {},
    )


def thresholds_of(clinic: Clinic) -> tuple[Thresholds, ClinicSessionSettings | None]:
    current = ClinicSessionSettings.objects.filter(clinic=clinic).first()
    if current is None:
        return Thresholds(), None
    return Thresholds(**{name: getattr(current, name) for name in THRESHOLD_FIELDS}), current


@transaction.atomic
def plan_session(
    *,
    by: User,
    patient: Patient,
    route: str,
    dose_mg: Decimal,
    duration_min: Decimal | None = None,
    regimen: str = "",
) -> DosingSession:
    """A planned session with its dose in mg of ketamine base; nothing is given yet."""
    require_in_clinic(by, patient.clinic, Action.ADMINISTER_KETAMINE)
    session = DosingSession(
        patient=patient,
        route=route,
        dose_mg=dose_mg,
        duration_min=duration_min,
        regimen=regimen.strip(),
        created_by=by,
    )
    save_checked(session)
    _audit(by, "create", session, session, {"route": route, "status": session.status})
    return session


@transaction.atomic
def start_session(
    *,
    by: User,
    session: DosingSession,
    consent_confirmed: bool,
    fasting_confirmed: bool,
    escort_confirmed: bool,
    started_at: dt.datetime | None = None,
) -> DosingSession:
    """Confirm the pre-dose checklist and start: needs valid credentials on the day the session starts
    (may_administer_ketamine). `started_at` records a session after the fact; by default, now."""
    session = _locked(session)
    clinic = session.patient.clinic
    require_in_clinic(by, clinic, Action.ADMINISTER_KETAMINE)
    if session.status != DosingSession.Status.PLANNED:
        raise ValidationError("Only a planned session can be started.")
    at = _when(started_at, "started_at")
    _require_may_administer(by, clinic, timezone.localdate(at))
    missing = {
        name: message
        for name, done, message in (
            ("consent_confirmed", consent_confirmed, "Confirm that consent is on file."),
            ("fasting_confirmed", fasting_confirmed, "Confirm that the patient fasted as instructed."),
            ("escort_confirmed", escort_confirmed, "Confirm that an escort or transport home is arranged."),
        )
        if not done
    }
    if missing:
        raise ValidationError(missing)
    session.consent_confirmed = session.fasting_confirmed = session.escort_confirmed = True
    session.status = DosingSession.Status.IN_PROGRESS
    session.started_at = at
    session.started_by = by
    save_checked(session)
    _audit(by, "dosing.start", session, session, {"checklist": ["consent", "fasting", "escort"]})
    return session


@transaction.atomic
def record_vital_sign(
    *,
    by: User,
    session: DosingSession,
    systolic_mmhg: int,
    diastolic_mmhg: int,
    heart_rate_per_min: int,
    spo2_percent: int,
    respiratory_rate_per_min: int | None = None,
    measured_at: dt.datetime | None = None,
) -> RecordedVital:
    """One timed set of vitals, checked against the clinic's thresholds; returns the alerts raised."""
    session = _locked(session)
    clinic = session.patient.clinic
    require_in_clinic(by, clinic, Action.ADMINISTER_KETAMINE)
    measured_at = _when(measured_at, "measured_at", "The time of measurement cannot be in the future.")
    _not_before_start(session, measured_at, "measured_at")
    if systolic_mmhg <= diastolic_mmhg:
        raise ValidationError(
            {"diastolic_mmhg": "Diastolic must be lower than systolic: check the two values."}
        )
    thresholds, _ = thresholds_of(clinic)
    reading = Reading(
        systolic_mmhg, diastolic_mmhg, heart_rate_per_min, spo2_percent, respiratory_rate_per_min
    )
    alerts = evaluate_vitals(reading, thresholds)
    vital = VitalSign(
        session=session,
        measured_at=measured_at,
        systolic_mmhg=systolic_mmhg,
        diastolic_mmhg=diastolic_mmhg,
        heart_rate_per_min=heart_rate_per_min,
        spo2_percent=spo2_percent,
        respiratory_rate_per_min=respiratory_rate_per_min,
        alerts=[a.message for a in alerts],
        recorded_by=by,
    )
    save_checked(vital)
    _audit(by, "create", vital, session, {"alerts": [a.code for a in alerts]})
    return RecordedVital(vital, alerts)


@transaction.atomic
def record_side_effect(
    *,
    by: User,
    session: DosingSession,
    kind: str,
    severity: str,
    note: str = "",
    occurred_at: dt.datetime | None = None,
) -> SideEffect:
    session = _locked(session)
    require_in_clinic(by, session.patient.clinic, Action.ADMINISTER_KETAMINE)
    occurred_at = _when(occurred_at, "occurred_at", "The time cannot be in the future.")
    _not_before_start(session, occurred_at, "occurred_at")
    if kind == SideEffect.Kind.OTHER and not note.strip():
        raise ValidationError({"note": "Say what the side effect was."})
    effect = SideEffect(
        session=session,
        occurred_at=occurred_at,
        kind=kind,
        severity=severity,
        note=note.strip(),
        recorded_by=by,
    )
    save_checked(effect)
    _audit(by, "create", effect, session, {"kind": kind, "severity": severity})
    return effect


@transaction.atomic
def end_session(
    *, by: User, session: DosingSession, discharge_note: str, ended_at: dt.datetime | None = None
) -> DosingSession:
    """End the observation with a discharge note; the clinic's minimum observation time, if set, holds.
    `ended_at` records an end after the fact; by default, now."""
    session = _locked(session)
    clinic = session.patient.clinic
    require_in_clinic(by, clinic, Action.ADMINISTER_KETAMINE)
    if session.status != DosingSession.Status.IN_PROGRESS or session.started_at is None:
        raise ValidationError("Only a session in progress can be ended.")
    if not discharge_note.strip():
        raise ValidationError(
            {"discharge_note": "Write the discharge note: the patient's state and who took them home."}
        )
    _, current = thresholds_of(clinic)
    now = _when(ended_at, "ended_at")
    if now < session.started_at:
        raise ValidationError({"ended_at": "A session cannot end before it started."})
    if current is not None and current.minimum_observation_min:
        observed_min = (now - session.started_at).total_seconds() / 60
        if observed_min < current.minimum_observation_min:
            raise ValidationError(
                f"The clinic requires at least {current.minimum_observation_min} minutes of observation; "
                f"this session lasted {int(observed_min)} minutes."
            )
    session.status = DosingSession.Status.ENDED
    session.ended_at = now
    session.ended_by = by
    session.discharge_note = discharge_note.strip()
    save_checked(session)
    _audit(by, "dosing.end", session, session)
    return session


@transaction.atomic
def sign_session(*, by: User, session: DosingSession) -> DosingSession:
    """Sign an ended session: needs session.sign and valid credentials today. After this, no change."""
    session = _locked(session)
    clinic = session.patient.clinic
    require_in_clinic(by, clinic, Action.SIGN_SESSION)
    if session.status != DosingSession.Status.ENDED:
        raise ValidationError("End the session with a discharge note before signing it.")
    _require_may_administer(by, clinic)
    session.signed_at = timezone.now()
    session.signed_by = by
    save_checked(session)
    _audit(by, str(Action.SIGN_SESSION), session, session)
    return session


@transaction.atomic
def add_addendum(*, by: User, session: DosingSession, text: str) -> SessionAddendum:
    """A later note beside the session, signed or not; the session itself does not change."""
    require_in_clinic(by, session.patient.clinic, Action.ADMINISTER_KETAMINE)
    if not text.strip():
        raise ValidationError({"text": "Write the addendum."})
    addendum = SessionAddendum(session=session, text=text.strip(), recorded_by=by)
    save_checked(addendum)
    _audit(by, "create", addendum, session)
    return addendum


@transaction.atomic
def mark_session_entry_in_error(*, by: User, entry: VitalSign | SideEffect, reason: str) -> None:
    """Withdraw a wrong vital sign or side effect: it stays, struck through, with why. Not once signed."""
    session = _locked(entry.session)
    require_in_clinic(by, session.patient.clinic, Action.ADMINISTER_KETAMINE)
    entry = type(entry).objects.select_for_update().get(pk=entry.pk)
    mark_in_error(entry, reason)
    _audit(by, "entered-in-error", entry, session, {"reason": entry.error_reason})


@transaction.atomic
def update_session_settings(*, by: User, clinic: Clinic, **values: int | None) -> ClinicSessionSettings:
    """Set the clinic's alert thresholds and minimum observation time (each optional, none by default)."""
    require_in_clinic(by, clinic, Action.MANAGE_SESSION_SETTINGS)
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"Unknown settings: {sorted(unknown)}")
    current = ClinicSessionSettings.objects.select_for_update().filter(clinic=clinic).first()
    current = current or ClinicSessionSettings(clinic=clinic)
    changed = [name for name, value in values.items() if getattr(current, name) != value]
    for name, value in values.items():
        setattr(current, name, value)
    hr_low, hr_high = current.heart_rate_below_per_min, current.heart_rate_above_per_min
    if hr_low is not None and hr_high is not None and hr_low >= hr_high:
        raise ValidationError(
            {"heart_rate_below_per_min": "The low heart-rate threshold must be below the high one."}
        )
    save_checked(current)
    record_event(
        actor=by,
        action=str(Action.MANAGE_SESSION_SETTINGS),
        entity=current,
        clinic=clinic,
        detail={"changed": changed},
    )
    return current
