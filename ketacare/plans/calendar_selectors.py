"""Reads of the calendar, scoped to the user, and the conflicts of a booking (computed, never stored).

Conflicts (docs/calendar.md):
- `spacing`: a ketamine session sooner after (or before) another one of the patient than the order's
  protocol allows (a clinic protocol's minimum spacing; for a library protocol, the order's interval);
  the other ones are the patient's active ketamine appointments and their dosing sessions (read by
  model name, as screening reads vital signs: dosing sits above this app).
- `detox-gate`: the screening rules, run for the booked start, say a detox gate is not met.
- `credentials`: the clinician may not administer ketamine on that day (accounts credentials).
- `chair`: another active booking in the same room or chair overlaps (booking it is refused).
- `double-booked`: the clinician has another active booking that overlaps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Action
from ketacare.accounts.selectors import clinics_where, may_administer_ketamine
from ketacare.audit.actions import AuditAction
from ketacare.audit.models import AuditEvent
from ketacare.audit.services import record_event, record_refusal
from ketacare.patients.models import Patient
from ketacare.patients.selectors import get_patient_for
from ketacare.plans.models import Appointment, Order
from ketacare.rules import eligibility as rules

ACTIVE = (Appointment.Status.BOOKED, Appointment.Status.ATTENDED)
KETAMINE = Appointment.Kind.KETAMINE_SESSION


@dataclass(frozen=True)
class Conflict:
    code: str
    message: str
    # A hard conflict refuses the booking whatever the reason (two patients in one chair).
    refuses: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "refuses": self.refuses}


@dataclass(frozen=True)
class Proposed:
    """A booking as the conflict checks read it (saved or not)."""

    patient: Patient
    clinician: User
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    location: str = ""
    order: Order | None = None
    pk: int | None = None

    @classmethod
    def of(cls, appointment: Appointment) -> Proposed:
        return cls(
            appointment.patient,
            appointment.clinician,
            appointment.kind,
            appointment.starts_at,
            appointment.ends_at,
            appointment.location,
            appointment.order,
            appointment.pk,
        )


def spacing_days(order: Order) -> int | None:
    """The least number of days between two sessions of this order: the clinic protocol's minimum
    spacing, else the interval the prescriber ordered (a library protocol states its spacing in words)."""
    from ketacare.plans.services import resolve_protocol

    try:
        resolved = resolve_protocol(order.patient.clinic, order.protocol_id)
    except Exception:  # noqa: BLE001  (a protocol withdrawn since: fall back to the order)
        resolved = None
    if resolved is not None and resolved.min_spacing_days:
        return resolved.min_spacing_days
    return order.interval_days


def doses_of_order(order: Order) -> list[dt.date]:
    """The days of this order's sessions so far: active appointments and dosing sessions planned from
    it without an appointment."""
    appointments = Appointment.objects.filter(order=order, kind=KETAMINE, status__in=ACTIVE)
    days = [timezone.localdate(a.starts_at) for a in appointments]
    opened = set(appointments.exclude(dosing_session_id=None).values_list("dosing_session_id", flat=True))
    session_model = apps.get_model("dosing", "DosingSession")
    for session in session_model.objects.filter(order=order).exclude(pk__in=opened):
        days.append(timezone.localdate(session.started_at or session.created_at))
    return sorted(days)


def _overlapping(qs: QuerySet[Appointment], b: Proposed) -> QuerySet[Appointment]:
    qs = qs.filter(status__in=ACTIVE, starts_at__lt=b.ends_at, ends_at__gt=b.starts_at)
    return qs.exclude(pk=b.pk) if b.pk else qs


def _other_dose_days(b: Proposed) -> list[dt.date]:
    """The days of the patient's other ketamine sessions: active appointments and dosing sessions."""
    others = Appointment.objects.filter(patient=b.patient, kind=KETAMINE, status__in=ACTIVE)
    if b.pk:
        others = others.exclude(pk=b.pk)
    days = [timezone.localdate(a.starts_at) for a in others.only("starts_at")]
    opened = set(others.exclude(dosing_session_id=None).values_list("dosing_session_id", flat=True))
    session_model = apps.get_model("dosing", "DosingSession")
    for session in session_model.objects.filter(patient=b.patient):
        if session.pk in opened:
            continue
        at = session.started_at or session.created_at
        days.append(timezone.localdate(at))
    return days


def conflicts_of(b: Proposed) -> list[Conflict]:
    """Every conflict of this booking, in a fixed order."""
    found: list[Conflict] = []
    clinic = b.patient.clinic
    day = timezone.localdate(b.starts_at)
    if b.kind == KETAMINE and b.order is not None:
        spacing = spacing_days(b.order)
        if spacing:
            close = sorted(d for d in _other_dose_days(b) if abs((d - day).days) < spacing)
            if close:
                found.append(
                    Conflict(
                        "spacing",
                        f"Another ketamine session is on {close[0]:%a %d %b %Y}; the protocol "
                        f"({b.order.protocol_id}) asks for at least {spacing} days between sessions.",
                    )
                )
        from ketacare.plans.services import clinic_limits, gather_inputs, settings_of

        screening = rules.screen(gather_inputs(b.patient), clinic_limits(settings_of(clinic)), b.starts_at)
        gates = [r for r in screening.reasons if r.klass == rules.GATE]
        if gates:
            found.append(
                Conflict("detox-gate", "The detox gate is not met for this time: " + gates[0].message)
            )
        decision = may_administer_ketamine(b.clinician, clinic, on=day)
        if not decision:
            found.append(
                Conflict(
                    "credentials",
                    f"{b.clinician} may not administer ketamine on {day:%d %b %Y}: "
                    + " ".join(decision.reasons),
                )
            )
    if b.location:
        clash = _overlapping(
            Appointment.objects.filter(patient__clinic=clinic, location__iexact=b.location), b
        ).first()
        if clash is not None:
            found.append(
                Conflict(
                    "chair",
                    f"{clash.location} is already booked {timezone.localtime(clash.starts_at):%H:%M}-"
                    f"{timezone.localtime(clash.ends_at):%H:%M} that day.",
                    refuses=True,
                )
            )
    twice = _overlapping(Appointment.objects.filter(clinician=b.clinician), b).first()
    if twice is not None:
        found.append(
            Conflict(
                "double-booked",
                f"{b.clinician} already has an appointment {timezone.localtime(twice.starts_at):%H:%M}-"
                f"{timezone.localtime(twice.ends_at):%H:%M} that day.",
            )
        )
    return found


def conflicts_for(appointment: Appointment) -> list[Conflict]:
    """A stored appointment's conflicts now (none once it is cancelled, missed or attended)."""
    if appointment.status != Appointment.Status.BOOKED:
        return []
    return conflicts_of(Proposed.of(appointment))


# --- reads ----------------------------------------------------------------------------------------


def _base() -> QuerySet[Appointment]:
    return Appointment.objects.select_related("patient__clinic", "clinician", "order")


def appointments_of(patient: Patient) -> QuerySet[Appointment]:
    return _base().filter(patient=patient).order_by("starts_at", "id")


def upcoming_of(patient: Patient, *, now: dt.datetime | None = None) -> QuerySet[Appointment]:
    now = now or timezone.now()
    return appointments_of(patient).filter(status=Appointment.Status.BOOKED, ends_at__gte=now)


def visible_to(user: User) -> QuerySet[Appointment]:
    """Every appointment of the clinics where the user sees patients (staff)."""
    return _base().filter(patient__clinic__in=clinics_where(user, Action.VIEW_PATIENT))


def between(qs: QuerySet[Appointment], start: dt.date, end: dt.date) -> QuerySet[Appointment]:
    """Appointments starting on the days start..end (inclusive), in the current time zone."""
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return qs.filter(starts_at__gte=lo, starts_at__lt=hi).order_by("starts_at", "id")


def get_appointment_for(user: User, appointment_id: int, action: Action = Action.VIEW_PATIENT) -> Appointment:
    """The appointment, if the user may do this on its patient (else 404/403, audited)."""
    appointment = _base().filter(pk=appointment_id).first()
    if appointment is None:
        record_refusal(
            actor=user,
            action=action,
            entity_type="plans.appointment",
            entity_id=appointment_id,
            outcome=AuditEvent.Outcome.NOT_FOUND,
        )
        raise Http404("No such appointment.")
    appointment.patient = get_patient_for(user, appointment.patient_id, action)
    if action != Action.VIEW_PATIENT:
        audit_read(user, appointment.patient, page="appointment")
    return appointment


def audit_read(user: User, patient: Patient | None, *, page: str, rows: int | None = None) -> None:
    detail: dict[str, object] = {"page": page}
    if rows is not None:
        detail["rows"] = rows
    record_event(
        actor=user,
        action=AuditAction.READ if patient is not None else AuditAction.SEARCH,
        entity_type="plans.appointment",
        clinic=patient.clinic if patient is not None else None,
        patient_id=patient.pk if patient is not None else None,
        detail=detail,
    )


def clinicians_of(clinic: Clinic) -> QuerySet[User]:
    """The clinic's staff who see patients in appointments (prescribers, nurses, therapists)."""
    return (
        User.objects.filter(
            memberships__clinic=clinic,
            memberships__active=True,
            memberships__role__in=["prescriber", "nurse", "therapist"],
        )
        .distinct()
        .order_by("display_name", "username")
    )


def todays_ketamine_appointments(user: User) -> list[Appointment]:
    """Today's booked ketamine appointments without a session yet, of the clinics where the user
    administers ketamine (the day board shows them; the caller audits the read)."""
    today = timezone.localdate()
    qs = _base().filter(
        patient__clinic__in=clinics_where(user, Action.ADMINISTER_KETAMINE),
        kind=KETAMINE,
        status=Appointment.Status.BOOKED,
        dosing_session_id=None,
    )
    return list(between(qs, today, today).filter(Q(order__status=Order.Status.SIGNED)))
