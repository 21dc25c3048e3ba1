"""Every write to a dosing session: atomic, checked against the actor's role and credentials, audited.

Nothing is deleted. A signed session is immutable: every service here refuses to change it, except
add_addendum, which adds a note beside it. Writes return what they caused (a recorded vital sign
returns the alerts it raised).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Action, role_may
from ketacare.accounts.selectors import may_administer_ketamine, require_in_clinic, role_in
from ketacare.audit.actions import AuditAction
from ketacare.audit.services import record_event
from ketacare.dosing import gates, sign_checks
from ketacare.dosing.models import (
    ClinicSessionSettings,
    DosingSession,
    InfusionEvent,
    PregnancyTest,
    SessionAddendum,
    SessionAlert,
    SideEffect,
    VitalSign,
)
from ketacare.dosing.selectors import THRESHOLD_FIELDS, thresholds_of
from ketacare.patients.models import Patient
from ketacare.plans import services as plans
from ketacare.plans.models import Order
from ketacare.records import mark_in_error, save_checked
from ketacare.rules import esketamine_label
from ketacare.rules.session_alerts import Reading, Thresholds, evaluate_vitals

SETTINGS_FIELDS = (
    *THRESHOLD_FIELDS,
    "minimum_observation_min",
    "aldrete_discharge_minimum",
    "vitals_interval_min",
    "predose_systolic_max_mmhg",
    "predose_diastolic_max_mmhg",
    "scales_interval_min",
    "pregnancy_test_for",
    "prescriber_on_site_required",
)
OPEN_ALERTS_MESSAGE = (
    "{n} alert(s) are not acknowledged. A clinician must acknowledge each with what was done first."
)


@dataclass(frozen=True)
class RecordedVital:
    vital: VitalSign
    alerts: list[SessionAlert]


def open_alerts(session: DosingSession) -> Any:
    """Alerts nobody has acknowledged yet (a reading withdrawn as entered in error no longer counts)."""
    return SessionAlert.objects.filter(
        session=session, acknowledged_at__isnull=True, vital__entered_in_error=False
    ).order_by("raised_at", "id")


def _refuse_if_open_alerts(session: DosingSession, doing: str) -> None:
    count = open_alerts(session).count()
    if count:
        raise ValidationError(f"You cannot {doing} yet: " + OPEN_ALERTS_MESSAGE.format(n=count))


def _raise_alerts(vital: VitalSign, thresholds: Thresholds, *, late: bool) -> list[SessionAlert]:
    """Store the alerts this reading raises against these thresholds, once per reading and code."""
    reading = Reading(
        vital.systolic_mmhg,
        vital.diastolic_mmhg,
        vital.heart_rate_per_min,
        vital.spo2_percent,
        vital.respiratory_rate_per_min,
    )
    existing = set(vital.raised_alerts.values_list("code", flat=True)) if vital.pk else set()
    raised = []
    for alert in evaluate_vitals(reading, thresholds):
        if alert.code in existing:
            continue
        row = SessionAlert(
            session_id=vital.session_id, vital=vital, code=alert.code, message=alert.message[:300], late=late
        )
        save_checked(row, validate_constraints=False)
        raised.append(row)
    return raised


def minimum_observation_min(session: DosingSession, current: ClinicSessionSettings | None) -> int | None:
    """The clinic's minimum, else for esketamine the label's 2 h (VERIFIED, rules/esketamine_label)."""
    if current is not None and current.minimum_observation_min:
        return current.minimum_observation_min
    if session.drug == "esketamine":
        return esketamine_label.ESKETAMINE_MINIMUM_OBSERVATION_MIN
    return None


def _locked(session: DosingSession) -> DosingSession:
    """The session row, locked for this transaction, refused if signed."""
    fresh = DosingSession.objects.select_for_update().select_related("patient__clinic").get(pk=session.pk)
    if fresh.signed_at is not None:
        raise ValidationError("This session is signed and can no longer be changed; add an addendum instead.")
    return fresh


def role_may_sign(by: User, clinic: Clinic) -> bool:
    role = role_in(by, clinic)
    return role is not None and role_may(role, Action.SIGN_SESSION)


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
    by: User,
    action: AuditAction | Action,
    entity: Any,
    session: DosingSession,
    detail: dict[str, Any] | None = None,
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


@transaction.atomic
def plan_session(
    *,
    by: User,
    patient: Patient,
    route: str,
    dose_mg: Decimal,
    duration_min: Decimal | None = None,
    regimen: str = "",
    order: Order | None = None,
    chair: str = "",
    drug: str = "ketamine",
) -> DosingSession:
    """A planned session with its dose in mg of ketamine base; nothing is given yet. Only from a
    signed order of this patient, by its route and dose (plans.services.check_session_against_order)."""
    require_in_clinic(by, patient.clinic, Action.ADMINISTER_KETAMINE)
    if order is None:
        raise ValidationError({"order": "A session can only be planned from a signed order."})
    plans.check_session_against_order(order=order, patient=patient, route=route, dose_mg=Decimal(dose_mg))
    session = DosingSession(
        order=order,
        patient=patient,
        route=route,
        dose_mg=dose_mg,
        duration_min=duration_min,
        regimen=regimen.strip(),
        chair=chair.strip(),
        drug=drug,
        created_by=by,
    )
    save_checked(session)
    _audit(by, AuditAction.CREATE, session, session, {"route": route, "status": session.status})
    return session


@transaction.atomic
def open_session_from_appointment(*, by: User, appointment_id: int) -> DosingSession:
    """A booked ketamine appointment of today opens its session: planned from the appointment's
    signed order (its route, dose and duration) in the appointment's chair; the appointment is then
    attended and names the session (plans.calendar_services.mark_session_opened)."""
    from ketacare.plans import calendar_services
    from ketacare.plans.models import Appointment
    from ketacare.plans.selectors import session_initial

    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("patient__clinic", "order")
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None or appointment.order is None:
        raise Http404("No such ketamine appointment.")
    if appointment.status != Appointment.Status.BOOKED or appointment.dosing_session_id is not None:
        raise ValidationError("This appointment's session is already open, or it was cancelled or missed.")
    order = appointment.order
    initial = session_initial(order)
    session = plan_session(
        by=by,
        patient=appointment.patient,
        route=order.route,
        dose_mg=order.dose_mg,
        duration_min=order.duration_min,
        regimen=initial["regimen"],
        order=order,
        chair=appointment.location,
    )
    calendar_services.mark_session_opened(by=by, appointment=appointment, session_id=session.pk)
    return session


@transaction.atomic
def start_session(
    *,
    by: User,
    session: DosingSession,
    consent_confirmed: bool,
    fasting_confirmed: bool,
    escort_confirmed: bool,
    identity_identifiers: Sequence[str] = (),
    prescriber_on_site: User | None = None,
    started_at: dt.datetime | None = None,
    override_reason: str = "",
) -> DosingSession:
    """Confirm the pre-dose checklist and start, through every gate of gates.START_GATES: the patient's
    identity (two identifiers checked), the checklist, credentials on the day, the clinic's
    pregnancy-test and pre-dose blood-pressure gates. A hard refusal blocks; a relative one needs the
    prescriber's recorded override. `started_at` records a session after the fact; by default, now."""
    session = _locked(session)
    clinic = session.patient.clinic
    require_in_clinic(by, clinic, Action.ADMINISTER_KETAMINE)
    if session.status != DosingSession.Status.PLANNED:
        raise ValidationError("Only a planned session can be started.")
    at = _when(started_at, "started_at")
    # Screening re-runs at every start (issue 10); a session recorded after the fact is not re-judged
    # against today's record.
    if started_at is None:
        screening = plans.run_screening(by=by, patient=session.patient, trigger="session-start")
        if plans.effective_result(screening) != "eligible":
            raise ValidationError(
                "Screening, re-run now, says the patient is not eligible: see the patient's screening."
            )
    _, current = thresholds_of(clinic)
    context = gates.StartContext(
        session=session,
        by=by,
        at=at,
        confirmations={
            "consent_confirmed": consent_confirmed,
            "fasting_confirmed": fasting_confirmed,
            "escort_confirmed": escort_confirmed,
        },
        settings=current,
        identifiers=tuple(identity_identifiers),
        prescriber_on_site=prescriber_on_site,
    )
    refusals = gates.check_start(context)
    hard = [r for r in refusals if r.hard]
    relative = [r for r in refusals if not r.hard]
    if hard:
        by_field = {r.field: r.message for r in hard if r.field}
        if by_field and len(by_field) == len(hard):
            raise ValidationError(by_field)
        raise ValidationError([r.message for r in hard])
    if relative:
        override_reason = override_reason.strip()
        if not role_may_sign(by, clinic) or not override_reason:
            raise ValidationError(
                [r.message for r in relative]
                + ["Only a prescriber can start it, with the reason for the override recorded."]
            )
        session.override_by = by
        session.override_reason = override_reason
    session.consent_confirmed = session.fasting_confirmed = session.escort_confirmed = True
    session.identity_identifiers = sorted({i for i in identity_identifiers if i in gates.IDENTIFIERS})
    if gates.prescriber_on_site_required(session, current):
        session.prescriber_on_site = prescriber_on_site or by
    session.status = DosingSession.Status.IN_PROGRESS
    session.started_at = at
    session.started_by = by
    save_checked(session)
    _audit(
        by,
        AuditAction.START_SESSION,
        session,
        session,
        {
            "checklist": ["identity", "consent", "fasting", "escort"],
            "overridden": [r.gate for r in relative],
        },
    )
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
    messages = [a.message for a in evaluate_vitals(reading, thresholds)]
    vital = VitalSign(
        session=session,
        measured_at=measured_at,
        systolic_mmhg=systolic_mmhg,
        diastolic_mmhg=diastolic_mmhg,
        heart_rate_per_min=heart_rate_per_min,
        spo2_percent=spo2_percent,
        respiratory_rate_per_min=respiratory_rate_per_min,
        alerts=messages,
        recorded_by=by,
    )
    save_checked(vital)
    alerts = _raise_alerts(vital, thresholds, late=False)
    _audit(by, AuditAction.CREATE, vital, session, {"alerts": [a.code for a in alerts]})
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
    intervention: str = "",
    outcome: str = "",
    serious: bool = False,
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
        intervention=intervention.strip(),
        outcome=outcome,
        serious=serious,
        recorded_by=by,
    )
    save_checked(effect)
    _audit(by, AuditAction.CREATE, effect, session, {"kind": kind})
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
    _refuse_if_open_alerts(session, "end the session")
    _, current = thresholds_of(clinic)
    now = _when(ended_at, "ended_at")
    if now < session.started_at:
        raise ValidationError({"ended_at": "A session cannot end before it started."})
    minimum = minimum_observation_min(session, current)
    if minimum:
        observed_min = (now - session.started_at).total_seconds() / 60
        if observed_min < minimum:
            raise ValidationError(
                f"Observation must last at least {minimum} minutes; "
                f"this session lasted {int(observed_min)} minutes."
            )
    session.status = DosingSession.Status.ENDED
    session.ended_at = now
    session.ended_by = by
    session.discharge_note = discharge_note.strip()
    save_checked(session)
    _audit(by, AuditAction.END_SESSION, session, session)
    return session


def _reauthenticate(by: User, password: str, otp_token: str) -> None:
    """Signing re-authenticates the prescriber: the password, and the authenticator code where the
    prescriber has enabled two-factor login."""
    from django_otp import devices_for_user

    if not password or not by.check_password(password):
        raise ValidationError(
            {"password": "Enter your password to sign: it confirms that it is you signing."}
        )
    devices = list(devices_for_user(by, confirmed=True))
    if devices and not any(device.verify_token(otp_token.strip()) for device in devices):
        raise ValidationError({"otp_token": "Enter the current code from your authenticator app to sign."})


@transaction.atomic
def sign_session(*, by: User, session: DosingSession, password: str, otp_token: str = "") -> DosingSession:
    """Sign an ended session: needs session.sign, valid credentials today, no open alert and the
    prescriber's password (and authenticator code where enabled). After this, no change."""
    session = _locked(session)
    clinic = session.patient.clinic
    require_in_clinic(by, clinic, Action.SIGN_SESSION)
    if session.status != DosingSession.Status.ENDED:
        raise ValidationError("End the session with a discharge note before signing it.")
    _refuse_if_open_alerts(session, "sign the session")
    _require_may_administer(by, clinic)
    _reauthenticate(by, password, otp_token)
    if blocking := sign_checks.problems(session):
        raise ValidationError(blocking)
    session.signed_at = timezone.now()
    session.signed_by = by
    save_checked(session)
    _audit(by, Action.SIGN_SESSION, session, session)
    return session


@transaction.atomic
def add_addendum(*, by: User, session: DosingSession, text: str) -> SessionAddendum:
    """A later note beside the session, signed or not; the session itself does not change."""
    require_in_clinic(by, session.patient.clinic, Action.ADMINISTER_KETAMINE)
    if not text.strip():
        raise ValidationError({"text": "Write the addendum."})
    addendum = SessionAddendum(session=session, text=text.strip(), recorded_by=by)
    save_checked(addendum)
    _audit(by, AuditAction.CREATE, addendum, session)
    return addendum


@transaction.atomic
def mark_session_entry_in_error(
    *, by: User, entry: VitalSign | SideEffect | PregnancyTest, reason: str
) -> None:
    """Withdraw a wrong vital sign or side effect: it stays, struck through, with why. Not once signed."""
    session = _locked(entry.session)
    require_in_clinic(by, session.patient.clinic, Action.ADMINISTER_KETAMINE)
    entry = type(entry).objects.select_for_update().get(pk=entry.pk)
    mark_in_error(entry, reason)
    _audit(by, AuditAction.ENTERED_IN_ERROR, entry, session, {"reason": entry.error_reason})


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
        action=Action.MANAGE_SESSION_SETTINGS,
        entity=current,
        clinic=clinic,
        detail={"changed": changed},
    )
    if set(changed) & set(THRESHOLD_FIELDS):
        reevaluate_readings(by=by, clinic=clinic)
    return current


def reevaluate_readings(*, by: User | None, clinic: Clinic) -> list[SessionAlert]:
    """Check every reading of the clinic's unsigned sessions against its current thresholds: a reading
    taken before a threshold was set raises its alert now (marked late), once. Signed sessions are
    final and stay as they were."""
    thresholds, _ = thresholds_of(clinic)
    if not thresholds.any_set:
        return []
    raised: list[SessionAlert] = []
    vitals = VitalSign.objects.filter(
        session__patient__clinic=clinic, session__signed_at__isnull=True, entered_in_error=False
    ).select_related("session__patient")
    for vital in vitals:
        new = _raise_alerts(vital, thresholds, late=True)
        for alert in new:
            record_event(
                actor=by,
                action=AuditAction.ALERT_SESSION,
                entity=alert,
                clinic=clinic,
                patient_id=vital.session.patient_id,
                detail={"code": alert.code, "late": True},
            )
        raised += new
    return raised


@transaction.atomic
def acknowledge_alert(
    *, by: User, session: DosingSession, alert_id: int, action: str, note: str
) -> SessionAlert:
    """A clinician says what was done about an alert (recheck, pause, stop, escalate) with a note."""
    session = _locked(session)
    require_in_clinic(by, session.patient.clinic, Action.ADMINISTER_KETAMINE)
    alert = SessionAlert.objects.select_for_update().filter(pk=alert_id, session=session).first()
    if alert is None:
        raise Http404("No such alert in this session.")
    if alert.acknowledged_at is not None:
        raise ValidationError("This alert was already acknowledged.")
    if action not in SessionAlert.Action.values:
        raise ValidationError({"action": "Choose what was done: recheck, pause, stop or escalate."})
    note = note.strip()
    if not note:
        raise ValidationError({"note": "Write a note: what you saw and did."})
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = by
    alert.action = action
    alert.note = note
    save_checked(alert)
    _audit(by, AuditAction.ACKNOWLEDGE_SESSION_ALERT, alert, session, {"code": alert.code, "action": action})
    return alert


# --- The dose, the infusion, discharge and the REMS form -----------------------------------------

VOLUME_ROUNDING = Decimal("0.01")  # mL, stated on the page and in the API
RATE_ROUNDING = Decimal("0.1")  # mL/h, the pump's usual step, stated on the page and in the API


def base_mg_per_ml(session: DosingSession) -> Decimal | None:
    """The product's concentration in mg of ketamine base per mL (a salt label converted)."""
    from ketacare.pharmacology.units import BASE_PER_HCL

    if session.concentration_mg_per_ml is None:
        return None
    if session.concentration_as == "hcl":
        return session.concentration_mg_per_ml * Decimal(str(BASE_PER_HCL))
    return session.concentration_mg_per_ml


@transaction.atomic
def prepare_dose(
    *,
    by: User,
    session: DosingSession,
    concentration_mg_per_ml: Decimal,
    concentration_as: str,
    lot_number: str,
    lot_expiry: dt.date,
    checked_by: User | None = None,
) -> DosingSession:
    """From the ordered dose (mg base) and the vial's concentration (base or salt, as the vial states):
    the volume in mL (rounded to 0.01 mL) and, for an infusion, the pump rate in mL/h (to 0.1 mL/h).
    Lot and expiry are recorded; an optional second clinician's check is recorded by name."""
    session = _locked(session)
    clinic = session.patient.clinic
    require_in_clinic(by, clinic, Action.ADMINISTER_KETAMINE)
    if session.status == DosingSession.Status.ENDED:
        raise ValidationError("The session has ended; the dose can no longer be prepared.")
    if concentration_as not in ("base", "hcl"):
        raise ValidationError(
            {"concentration_as": "Say whether the vial states ketamine base or hydrochloride."}
        )
    if concentration_mg_per_ml <= 0 or concentration_mg_per_ml > 1000:
        raise ValidationError(
            {"concentration_mg_per_ml": "The concentration must be between 0 and 1000 mg/mL."}
        )
    if lot_expiry < timezone.localdate():
        raise ValidationError({"lot_expiry": f"This lot expired on {lot_expiry:%Y-%m-%d}: do not use it."})
    lot_number = lot_number.strip()
    if not lot_number or any(ord(c) < 32 for c in lot_number):
        raise ValidationError({"lot_number": "Write the lot number as printed on the vial."})
    if checked_by is not None:
        if checked_by == by:
            raise ValidationError({"checked_by": "The second check is by another clinician."})
        require_in_clinic(checked_by, clinic, Action.ADMINISTER_KETAMINE)
    session.concentration_mg_per_ml = concentration_mg_per_ml
    session.concentration_as = concentration_as
    per_ml = base_mg_per_ml(session)
    assert per_ml is not None
    session.volume_ml = (session.dose_mg / per_ml).quantize(VOLUME_ROUNDING)
    if session.route == "iv-infusion" and session.duration_min:
        session.pump_rate_ml_h = (session.dose_mg / per_ml * 60 / session.duration_min).quantize(
            RATE_ROUNDING
        )
    else:
        session.pump_rate_ml_h = None
    session.lot_number = lot_number
    session.lot_expiry = lot_expiry
    session.prepared_by = by
    session.checked_by = checked_by
    save_checked(session)
    _audit(by, AuditAction.PREPARE_DOSE, session, session, {"second_check": checked_by is not None})
    return session


_NEXT_STATE = {
    # kind: (states it may follow, state after)
    "start": ({"not_started"}, "running"),
    "pause": ({"running"}, "paused"),
    "rate_change": ({"running"}, "running"),
    "resume": ({"paused"}, "running"),
    "stop": ({"running", "paused"}, "stopped"),
}
_REFUSED = {
    "not_started": "The infusion has not started yet: record its start first.",
    "running": "The infusion is running.",
    "paused": "The infusion is paused: resume or stop it.",
    "stopped": "The infusion has stopped.",
}


def infusion_state(events: list[InfusionEvent]) -> str:
    state = "not_started"
    for event in events:
        state = _NEXT_STATE[event.kind][1]
    return state


@transaction.atomic
def record_infusion_event(
    *,
    by: User,
    session: DosingSession,
    kind: str,
    rate_ml_h: Decimal | None = None,
    at: dt.datetime | None = None,
    note: str = "",
) -> InfusionEvent:
    """Start, pause, rate change, resume, stop: each in order (a rate change before the start is
    refused), never before the previous event nor in the future."""
    session = _locked(session)
    require_in_clinic(by, session.patient.clinic, Action.ADMINISTER_KETAMINE)
    if session.status != DosingSession.Status.IN_PROGRESS:
        raise ValidationError("Infusion events are recorded while the session is in progress.")
    if kind not in _NEXT_STATE:
        raise ValidationError({"kind": "Choose start, pause, rate change, resume or stop."})
    at = _when(at, "at", "The time of the event cannot be in the future.")
    events = list(session.infusion_events.order_by("at", "id"))
    state = infusion_state(events)
    allowed, _ = _NEXT_STATE[kind]
    if state not in allowed:
        raise ValidationError({"kind": f"Cannot record '{kind.replace('_', ' ')}': {_REFUSED[state]}"})
    if events and at < events[-1].at:
        raise ValidationError({"at": "An event cannot be earlier than the previous one."})
    if session.started_at and at < session.started_at - dt.timedelta(minutes=5):
        raise ValidationError({"at": "An infusion event cannot precede the start of the session."})
    needs_rate = kind in ("start", "resume", "rate_change")
    if needs_rate and (rate_ml_h is None or rate_ml_h <= 0 or rate_ml_h > 2000):
        raise ValidationError({"rate_ml_h": "Give the pump rate in mL/h (above 0, at most 2000)."})
    if not needs_rate:
        rate_ml_h = None
    if any(ord(c) < 32 for c in note):
        raise ValidationError({"note": "The note contains control characters."})
    event = InfusionEvent(
        session=session, kind=kind, at=at, rate_ml_h=rate_ml_h, note=note.strip(), recorded_by=by
    )
    save_checked(event)
    _audit(by, AuditAction.CREATE, event, session, {"kind": kind})
    return event


def delivered_dose_mg(session: DosingSession, *, until: dt.datetime | None = None) -> Decimal | None:
    """mg of ketamine base delivered by the pump, from the events: rate (mL/h) x time running x
    concentration. None without a prepared concentration."""
    per_ml = base_mg_per_ml(session)
    if per_ml is None:
        return None
    until = until or timezone.now()
    total_ml = Decimal(0)
    rate: Decimal | None = None
    since: dt.datetime | None = None
    for event in session.infusion_events.order_by("at", "id"):
        if rate is not None and since is not None:
            total_ml += rate * Decimal((event.at - since).total_seconds()) / 3600
        rate = event.rate_ml_h if event.kind in ("start", "resume", "rate_change") else None
        since = event.at
    if rate is not None and since is not None and until > since:
        total_ml += rate * Decimal((until - since).total_seconds()) / 3600
    return (total_ml * per_ml).quantize(Decimal("0.01"))


def _latest_score(session: DosingSession, instrument: str) -> int | None:
    from ketacare.dosing.selectors import discharge_scores

    scores = [
        r for r in discharge_scores(session) if r.instrument_id == instrument and r.score_total is not None
    ]
    return scores[-1].score_total if scores else None


@transaction.atomic
def discharge_session(
    *,
    by: User,
    session: DosingSession,
    mental_status_at_baseline: bool,
    escort_present: bool,
    no_driving_advice_given: bool,
    next_day_checkin_at: dt.datetime | None,
    ready_to_leave_at: dt.datetime | None,
    discharge_note: str,
    ended_at: dt.datetime | None = None,
) -> DosingSession:
    """Discharge ends the session when every criterion holds: the minimum observation (clinic's, or
    2 h for esketamine from the label), PADSS at least 9 (Chung 1995) or the clinic's Aldrete pass
    mark, mental status back to baseline, escort present (release to a responsible adult, Ketalar
    label), no-driving advice given (Spravato PI §17), a next-day check-in scheduled, and the time the
    patient was ready to leave. Any missing one is refused with every reason."""
    locked = _locked(session)
    clinic = locked.patient.clinic
    require_in_clinic(by, clinic, Action.ADMINISTER_KETAMINE)
    _, current = thresholds_of(clinic)
    errors: dict[str, str] = {}
    padss = _latest_score(locked, "padss")
    aldrete = _latest_score(locked, "aldrete")
    aldrete_min = current.aldrete_discharge_minimum if current else None
    padss_ok = padss is not None and padss >= esketamine_label.PADSS_DISCHARGE_MINIMUM
    aldrete_ok = aldrete_min is not None and aldrete is not None and aldrete >= aldrete_min
    general: list[str] = []
    minimum = minimum_observation_min(locked, current)
    observed_until = ended_at or timezone.now()
    if minimum and locked.started_at is not None:
        observed_min = (observed_until - locked.started_at).total_seconds() / 60
        if observed_min < minimum:
            general.append(
                f"Observation must last at least {minimum} minutes; "
                f"this session has lasted {int(observed_min)} minutes."
            )
    if not (padss_ok or aldrete_ok):
        general.append(
            f"Record a PADSS of at least {esketamine_label.PADSS_DISCHARGE_MINIMUM} (latest: "
            f"{padss if padss is not None else 'none'})"
            + (f" or a Modified Aldrete of at least {aldrete_min} (clinic-set)" if aldrete_min else "")
            + " since the start of the session."
        )
    if general:
        errors["__all__"] = " ".join(general)
    if not mental_status_at_baseline:
        errors["mental_status_at_baseline"] = "Confirm that mental status is back to baseline."
    if not escort_present:
        errors["escort_present"] = "A responsible adult must be present to take the patient home."
    if not no_driving_advice_given:
        errors["no_driving_advice_given"] = (
            "Give the no-driving advice: " + esketamine_label.NO_DRIVING_ADVICE
        )
    now = timezone.now()
    if next_day_checkin_at is None or next_day_checkin_at <= now:
        errors["next_day_checkin_at"] = "Schedule the next-day check-in (a time after now)."
    if ready_to_leave_at is None:
        errors["ready_to_leave_at"] = "Record when the patient was ready to leave."
    elif locked.started_at and (
        # Times are typed to the minute: the start's own minute counts.
        ready_to_leave_at < locked.started_at.replace(second=0, microsecond=0)
        or ready_to_leave_at > now + dt.timedelta(minutes=5)
    ):
        errors["ready_to_leave_at"] = "The time ready to leave lies between the start and now."
    if errors:
        raise ValidationError(errors)
    locked.mental_status_at_baseline = True
    locked.escort_present = True
    locked.no_driving_advice_given = True
    locked.next_day_checkin_at = next_day_checkin_at
    locked.ready_to_leave_at = ready_to_leave_at
    save_checked(locked)
    return end_session(by=by, session=locked, discharge_note=discharge_note, ended_at=ended_at)


@transaction.atomic
def mark_rems_form_submitted(
    *, by: User, session: DosingSession, submitted_at: dt.datetime | None = None
) -> DosingSession:
    """Record that the esketamine monitoring form was sent to the REMS (it leaves the queue)."""
    fresh = DosingSession.objects.select_for_update().select_related("patient__clinic").get(pk=session.pk)
    require_in_clinic(by, fresh.patient.clinic, Action.ADMINISTER_KETAMINE)
    if fresh.drug != "esketamine" or fresh.ended_at is None:
        raise ValidationError("Only an ended esketamine session has a REMS monitoring form.")
    if fresh.rems_submitted_at is not None:
        raise ValidationError("This form was already recorded as sent.")
    if any(getattr(fresh, name) is None for name in REMS_MEDICATION_FIELDS):
        raise ValidationError(
            "Answer the four concomitant-medication questions of the form before recording it as sent."
        )
    fresh.rems_submitted_at = _when(submitted_at, "submitted_at")
    save_checked(fresh)
    _audit(by, AuditAction.REMS_SUBMITTED, fresh, fresh)
    return fresh


# The form's concomitant-medication items (clinical-verified.md §1c, VERIFIED: four classes, yes/no).
REMS_MEDICATION_FIELDS = {
    "rems_benzodiazepines": "Benzodiazepines",
    "rems_sedative_hypnotics": "Non-benzodiazepine sedative hypnotics",
    "rems_psychostimulants": "Psychostimulants",
    "rems_maois": "Monoamine oxidase inhibitors (MAOIs)",
}


@transaction.atomic
def record_rems_answers(*, by: User, session: DosingSession, **answers: bool) -> DosingSession:
    """The prescriber's answers to the form's concomitant-medication items (each yes or no); they can be
    changed until the form is recorded as sent."""
    fresh = DosingSession.objects.select_for_update().select_related("patient__clinic").get(pk=session.pk)
    require_in_clinic(by, fresh.patient.clinic, Action.ADMINISTER_KETAMINE)
    if fresh.drug != "esketamine" or fresh.started_at is None:
        raise ValidationError("Only a started esketamine session has a REMS monitoring form.")
    if fresh.rems_submitted_at is not None:
        raise ValidationError("This form was already recorded as sent and can no longer be changed.")
    if set(answers) != set(REMS_MEDICATION_FIELDS) or any(not isinstance(v, bool) for v in answers.values()):
        raise ValidationError(
            {
                name: "Answer yes or no."
                for name in REMS_MEDICATION_FIELDS
                if not isinstance(answers.get(name), bool)
            }
        )
    for name, value in answers.items():
        setattr(fresh, name, value)
    save_checked(fresh)
    _audit(by, AuditAction.UPDATE, fresh, fresh, {"fields": sorted(answers)})
    return fresh


@transaction.atomic
def record_pregnancy_test(
    *, by: User, session: DosingSession, result: str, tested_at: dt.datetime | None = None
) -> PregnancyTest:
    """A pregnancy test taken on the day, for the clinic's gate (gates.pregnancy_test_gate)."""
    session = _locked(session)
    require_in_clinic(by, session.patient.clinic, Action.ADMINISTER_KETAMINE)
    if session.status == DosingSession.Status.ENDED:
        raise ValidationError("The session has ended.")
    if result not in PregnancyTest.Result.values:
        raise ValidationError({"result": "Choose the result: negative or positive."})
    tested_at = _when(tested_at, "tested_at", "The time of the test cannot be in the future.")
    test = PregnancyTest(session=session, tested_at=tested_at, result=result, recorded_by=by)
    save_checked(test)
    _audit(by, AuditAction.CREATE, test, session)
    return test


SESSION_SCALES = ("moaas", "cadss-6", "craving-vas")


@transaction.atomic
def record_session_scale(
    *,
    by: User,
    session: DosingSession,
    instrument_id: str,
    answers: list[int],
    answered_at: dt.datetime | None = None,
) -> Any:
    """Sedation (MOAA/S), dissociation (CADSS-6) or craving (0-100) in a started session, through the
    instruments (outcomes.record_response: scoring, bands, flags, the licence check). Returns the
    outcomes Recorded (response and alerts)."""
    from ketacare.outcomes import services as outcomes

    session = _locked(session)
    require_in_clinic(by, session.patient.clinic, Action.ADMINISTER_KETAMINE)
    if instrument_id not in SESSION_SCALES:
        raise ValidationError({"instrument_id": "Choose MOAA/S, CADSS-6 or craving."})
    if session.started_at is None:
        raise ValidationError(
            "Scales are recorded once the session has started (craving before: at the start)."
        )
    ended = session.ended_at
    if ended is not None and timezone.now() > ended + dt.timedelta(hours=1):
        raise ValidationError("The session ended more than an hour ago: add an addendum instead.")
    if answered_at is not None:
        answered_at = _when(answered_at, "answered_at", "The time cannot be in the future.")
        if answered_at < session.started_at - dt.timedelta(minutes=30):
            raise ValidationError(
                {"answered_at": "A session's scale is taken from 30 minutes before its start on."}
            )
    return outcomes.record_response(
        by=by,
        patient=session.patient,
        instrument_id=instrument_id,
        answers=answers,
        answered_at=answered_at,
    )
