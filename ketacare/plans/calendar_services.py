"""Every write of the calendar: book, book an induction course, cancel, record a no-show, mark the
session opened, remind. Atomic, checked against the booker's role, audited (codes and ids only).

A conflict (calendar_selectors.conflicts_of) warns: booking it anyway needs a written reason, kept
with the codes confirmed. Two bookings of one room or chair at overlapping times are refused
whatever the reason (docs/calendar.md says why).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts.models import User
from ketacare.accounts.roles import Action, Role, role_may
from ketacare.accounts.selectors import role_in
from ketacare.audit.actions import AuditAction
from ketacare.patients.models import Patient
from ketacare.patients.selectors import require
from ketacare.plans.calendar_selectors import (
    KETAMINE,
    Conflict,
    Proposed,
    conflicts_of,
    doses_of_order,
    spacing_days,
)
from ketacare.plans.models import Appointment, Order
from ketacare.plans.services import _clean_text
from ketacare.records import audit_row, save_audited

# Kinds a therapist books (the rest are the nurses' and prescribers').
THERAPIST_KINDS = frozenset({Appointment.Kind.THERAPY, Appointment.Kind.INTEGRATION})
# Longest appointment KetaCare accepts: a typing error guard, not a clinical number.
MAX_LENGTH = dt.timedelta(hours=12)
# How far ahead a booking may be: a typing error guard (a year), not a clinical number.
MAX_AHEAD = dt.timedelta(days=366)
# Reminders go out for appointments starting within this window (the task runs daily or hourly).
REMIND_AHEAD = dt.timedelta(hours=48)


def _require_booker(by: User, patient: Patient, kind: str) -> None:
    require(by, patient, Action.BOOK_APPOINTMENT)
    if role_in(by, patient.clinic) == Role.THERAPIST and kind not in THERAPIST_KINDS:
        raise PermissionDenied("A therapist books therapy and integration visits only.")


def _check_clinician(clinician: User, patient: Patient, kind: str) -> None:
    role = role_in(clinician, patient.clinic)
    if role not in (Role.PRESCRIBER, Role.NURSE, Role.THERAPIST):
        raise ValidationError({"clinician_id": "Choose a clinician of the patient's clinic."})
    if kind == KETAMINE and not role_may(role, Action.ADMINISTER_KETAMINE):
        raise ValidationError({"clinician_id": "A ketamine session is booked with a nurse or prescriber."})


def _check_times(starts_at: dt.datetime, ends_at: dt.datetime, *, now: dt.datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The appointment must end after it starts."})
    if ends_at - starts_at > MAX_LENGTH:
        raise ValidationError({"ends_at": "An appointment lasts at most 12 hours: check the end time."})
    if starts_at > now + MAX_AHEAD:
        raise ValidationError({"starts_at": "Book at most a year ahead: check the year."})


def _order_for(patient: Patient, kind: str, order: Order | None) -> Order | None:
    if kind != KETAMINE:
        return None
    if order is None:
        order = (
            Order.objects.filter(patient=patient, status=Order.Status.SIGNED)
            .order_by("-signed_at", "-id")
            .first()
        )
        if order is None:
            raise ValidationError(
                {"kind": "A ketamine session is booked from a signed order: the patient has none."}
            )
    if order.patient_id != patient.pk:
        raise ValidationError({"order_id": "This order is for another patient."})
    if order.status != Order.Status.SIGNED:
        raise ValidationError({"order_id": "A ketamine session is booked from a signed order."})
    return order


def _confirm(found: list[Conflict], confirm_reason: str) -> tuple[list[str], str]:
    refused = [c for c in found if c.refuses]
    if refused:
        raise ValidationError({"location": [c.message for c in refused]})
    reason = _clean_text(confirm_reason, "confirm_reason", limit=1000, required=False)
    if found and not reason:
        raise ValidationError(
            {"confirm_reason": ["Confirm with a reason to book anyway:", *[c.message for c in found]]}
        )
    return [c.code for c in found], reason if found else ""


@transaction.atomic
def book(
    *,
    by: User,
    patient: Patient,
    clinician: User,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    location: str = "",
    order: Order | None = None,
    note: str = "",
    confirm_reason: str = "",
) -> Appointment:
    """Book one appointment. Conflicts warn and need `confirm_reason`; a room or chair clash refuses."""
    if kind not in Appointment.Kind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(Appointment.Kind.values)}."})
    _require_booker(by, patient, kind)
    _check_clinician(clinician, patient, kind)
    _check_times(starts_at, ends_at, now=timezone.now())
    location = _clean_text(location, "location", limit=60, required=False)
    note = _clean_text(note, "note", limit=300, required=False)
    order = _order_for(patient, kind, order)
    proposed = Proposed(patient, clinician, kind, starts_at, ends_at, location, order)
    codes, reason = _confirm(conflicts_of(proposed), confirm_reason)
    appointment = Appointment(
        patient=patient,
        clinician=clinician,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        order=order,
        note=note,
        confirmed_conflicts=codes,
        confirm_reason=reason,
        created_by=by,
    )
    save_audited(
        appointment,
        by=by,
        action=AuditAction.APPOINTMENT_BOOK,
        patient=patient,
        detail={"kind": kind, "conflicts": codes},
    )
    return appointment


# --- the induction course -------------------------------------------------------------------------


@dataclass(frozen=True)
class CourseDay:
    starts_at: dt.datetime
    ends_at: dt.datetime


def next_course_day(order: Order) -> dt.date:
    """The first day the order's next session may be: its start, today, and the protocol's spacing
    after the latest session so far, whichever is latest."""
    day = max(order.start_on, timezone.localdate())
    done = doses_of_order(order)
    if done:
        day = max(day, done[-1] + dt.timedelta(days=spacing_days(order) or 1))
    return day


def propose_course(
    order: Order, *, at: dt.time, length_min: int, first_day: dt.date | None = None
) -> list[CourseDay]:
    """The dates of the order's sessions not yet booked or given: from `first_day` (default
    next_course_day), one every `spacing_days(order)` days (1 if the order states no spacing)."""
    remaining = max(order.sessions - len(doses_of_order(order)), 0)
    step = spacing_days(order) or 1
    day = max(first_day or next_course_day(order), timezone.localdate())
    tz = timezone.get_current_timezone()
    days = []
    for i in range(remaining):
        start = dt.datetime.combine(day + dt.timedelta(days=i * step), at, tzinfo=tz)
        days.append(CourseDay(start, start + dt.timedelta(minutes=length_min)))
    return days


@transaction.atomic
def book_course(
    *,
    by: User,
    order: Order,
    clinician: User,
    days: list[CourseDay],
    location: str = "",
    confirm_reason: str = "",
) -> list[Appointment]:
    """Book every proposed day of the order's course, all or none; one reason confirms the conflicts."""
    if not days:
        raise ValidationError("Every session of this order is already booked.")
    if len(days) > order.sessions:
        raise ValidationError({"days": f"The order has {order.sessions} sessions."})
    return [
        book(
            by=by,
            patient=order.patient,
            clinician=clinician,
            kind=KETAMINE,
            starts_at=d.starts_at,
            ends_at=d.ends_at,
            location=location,
            order=order,
            confirm_reason=confirm_reason,
        )
        for d in days
    ]


# --- status ---------------------------------------------------------------------------------------


def _locked(appointment: Appointment) -> Appointment:
    return Appointment.objects.select_for_update().select_related("patient__clinic").get(pk=appointment.pk)


def _set_status(by: User | None, appointment: Appointment, status: str, reason: str = "") -> Appointment:
    if appointment.status != Appointment.Status.BOOKED:
        raise ValidationError(
            f"This appointment is already {appointment.get_status_display().lower()}; it cannot change."
        )
    appointment.status = status
    appointment.status_reason = reason
    appointment.status_changed_at = timezone.now()
    appointment.status_changed_by = by
    save_audited(
        appointment,
        by=by,
        action=AuditAction.APPOINTMENT_STATUS,
        patient=appointment.patient,
        detail={"status": status, "kind": appointment.kind},
    )
    return appointment


@transaction.atomic
def cancel(*, by: User, appointment: Appointment, reason: str) -> Appointment:
    """Cancel with the reason; the appointment stays, cancelled."""
    appointment = _locked(appointment)
    _require_booker(by, appointment.patient, appointment.kind)
    reason = _clean_text(reason, "reason", limit=300)
    return _set_status(by, appointment, Appointment.Status.CANCELLED, reason)


@transaction.atomic
def record_no_show(*, by: User, appointment: Appointment, note: str = "") -> Appointment:
    """The patient did not come: only once the appointment has started."""
    appointment = _locked(appointment)
    _require_booker(by, appointment.patient, appointment.kind)
    if appointment.starts_at > timezone.now():
        raise ValidationError("A no-show is recorded once the appointment's time has come.")
    note = _clean_text(note, "note", limit=300, required=False)
    return _set_status(by, appointment, Appointment.Status.NO_SHOW, note)


@transaction.atomic
def record_attended(*, by: User, appointment: Appointment) -> Appointment:
    """The patient came (a ketamine session is marked attended by opening its session instead)."""
    appointment = _locked(appointment)
    _require_booker(by, appointment.patient, appointment.kind)
    if appointment.kind == KETAMINE:
        raise ValidationError("A ketamine session is attended when its session is opened from the day board.")
    if appointment.starts_at > timezone.now():
        raise ValidationError("Attendance is recorded once the appointment's time has come.")
    return _set_status(by, appointment, Appointment.Status.ATTENDED)


@transaction.atomic
def mark_session_opened(*, by: User, appointment: Appointment, session_id: int) -> Appointment:
    """The day board opened the dosing session of this ketamine appointment (dosing calls this in the
    transaction that plans the session): the appointment is attended and names the session."""
    appointment = _locked(appointment)
    if appointment.kind != KETAMINE:
        raise ValidationError("Only a ketamine-session appointment opens a session.")
    if timezone.localdate(appointment.starts_at) != timezone.localdate():
        raise ValidationError("A ketamine appointment opens its session on its own day.")
    appointment.dosing_session_id = session_id
    return _set_status(by, appointment, Appointment.Status.ATTENDED)


# --- reminders ------------------------------------------------------------------------------------


def send_reminder(appointment: Appointment) -> bool:
    """Email the patient once about this appointment: the kind and time only, and where to read how to
    prepare. False when there is no address or it was already sent."""
    patient = appointment.patient
    address = patient.email or (patient.portal_user.email if patient.portal_user else "")
    if not address or appointment.reminded_at is not None:
        return False
    appointment.reminded_at = timezone.now()
    appointment.save(update_fields=["reminded_at"])
    audit_row(
        appointment,
        by=None,
        action=AuditAction.REMIND,
        patient=patient,
        detail={"kind": appointment.kind, "day": timezone.localdate(appointment.starts_at).isoformat()},
    )
    when = timezone.localtime(appointment.starts_at)
    link = settings.KETACARE_BASE_URL + reverse("plans:my_appointments")
    transaction.on_commit(
        lambda: send_mail(
            subject=f"{patient.clinic}: your appointment on {when:%a %d %b at %H:%M}",
            message=(
                f"You have an appointment ({appointment.get_kind_display().lower()}) on "
                f"{when:%A %d %B at %H:%M}. How to prepare, and what to expect: {link}\n"
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[address],
        )
    )
    return True


@transaction.atomic
def send_due_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind every patient with a booked appointment in the next REMIND_AHEAD, once each."""
    now = now or timezone.now()
    due = Appointment.objects.select_related("patient__clinic", "patient__portal_user").filter(
        status=Appointment.Status.BOOKED,
        reminded_at=None,
        starts_at__gte=now,
        starts_at__lt=now + REMIND_AHEAD,
    )
    return sum(1 for appointment in due.select_for_update(of=("self",)) if send_reminder(appointment))
