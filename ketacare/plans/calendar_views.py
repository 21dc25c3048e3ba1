"""Calendar pages: a clinician's week, the clinic's day, a patient's appointments (and booking), the
induction course from a signed order, and the patient's own "my appointments" on the portal.

Thin: check access (selectors), call a service, render. Every page that names patients audits the
read (a search of the calendar, or a read of the patient's record).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.models import User
from ketacare.accounts.roles import Action
from ketacare.accounts.selectors import clinics_where
from ketacare.forms_util import add_service_errors
from ketacare.patients.selectors import get_patient_for, may, own_patient_record
from ketacare.plans import calendar_selectors as selectors
from ketacare.plans import calendar_services as services
from ketacare.plans import patient_guide
from ketacare.plans.calendar_forms import BookForm, CourseForm, ReasonForm
from ketacare.plans.models import Appointment
from ketacare.plans.selectors import get_order_for


def _day(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def _rows(appointments: list[Appointment]) -> list[dict[str, Any]]:
    return [{"a": a, "conflicts": selectors.conflicts_for(a)} for a in appointments]


def _staff(request: AuthedRequest) -> None:
    if not clinics_where(request.user, Action.VIEW_PATIENT).exists():
        raise PermissionDenied("The calendar is for the clinic's staff.")


@login_required
def week(request: AuthedRequest) -> HttpResponse:
    """One clinician's week, day by day, with each appointment's conflicts."""
    _staff(request)
    clinics = clinics_where(request.user, Action.VIEW_PATIENT)
    clinicians = (
        User.objects.filter(
            memberships__clinic__in=clinics,
            memberships__active=True,
            memberships__role__in=["prescriber", "nurse", "therapist"],
        )
        .distinct()
        .order_by("display_name", "username")
    )
    chosen_id = request.GET.get("clinician") or ""
    clinician = clinicians.filter(pk=int(chosen_id)).first() if chosen_id.isdigit() else None
    clinician = clinician or clinicians.filter(pk=request.user.pk).first() or clinicians.first()
    start = _day(request.GET.get("week"))
    start -= dt.timedelta(days=start.weekday())
    days = [start + dt.timedelta(days=i) for i in range(7)]
    qs = selectors.between(selectors.visible_to(request.user), days[0], days[-1])
    appointments = list(qs.filter(clinician=clinician)) if clinician else []
    selectors.audit_read(request.user, None, page="calendar-week", rows=len(appointments))
    by_day = [
        (day, _rows([a for a in appointments if timezone.localdate(a.starts_at) == day])) for day in days
    ]
    return render(
        request,
        "plans/calendar_week.html",
        {
            "clinicians": clinicians,
            "clinician": clinician,
            "by_day": by_day,
            "start": start,
            "previous": start - dt.timedelta(days=7),
            "next": start + dt.timedelta(days=7),
        },
    )


@login_required
def day(request: AuthedRequest) -> HttpResponse:
    """The clinic's day: every appointment, by time, with room or chair and conflicts."""
    _staff(request)
    chosen = _day(request.GET.get("day"))
    appointments = list(selectors.between(selectors.visible_to(request.user), chosen, chosen))
    selectors.audit_read(request.user, None, page="calendar-day", rows=len(appointments))
    return render(
        request,
        "plans/calendar_day.html",
        {
            "day": chosen,
            "rows": _rows(appointments),
            "previous": chosen - dt.timedelta(days=1),
            "next": chosen + dt.timedelta(days=1),
        },
    )


@login_required
def patient_appointments(request: AuthedRequest, patient_id: int) -> HttpResponse:
    """A patient's appointments, and the booking form for those who book."""
    patient = get_patient_for(request.user, patient_id)
    may_book = may(request.user, patient, Action.BOOK_APPOINTMENT)
    clinicians = selectors.clinicians_of(patient.clinic)
    form = BookForm(request.POST or None, clinicians=clinicians, initial={"clinician": request.user.pk})
    if request.method == "POST":
        if not may_book:
            get_patient_for(request.user, patient_id, Action.BOOK_APPOINTMENT)  # audited 403
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.book(
                    by=request.user,
                    patient=patient,
                    clinician=data["clinician"],
                    kind=data["kind"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    location=data["location"],
                    note=data["note"],
                    confirm_reason=data["confirm_reason"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Appointment booked.")
                return redirect("plans:appointments", patient.pk)
    rows = _rows(list(selectors.appointments_of(patient)))
    return render(
        request,
        "plans/appointments.html",
        {"patient": patient, "rows": rows, "form": form, "may_book": may_book, "reason_form": ReasonForm()},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def cancel(request: AuthedRequest, appointment_id: int) -> HttpResponse:
    appointment = selectors.get_appointment_for(request.user, appointment_id, Action.BOOK_APPOINTMENT)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the appointment is cancelled; nothing was changed.")
    else:
        try:
            services.cancel(by=request.user, appointment=appointment, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, "Appointment cancelled; it stays on the record with the reason.")
    return redirect("plans:appointments", appointment.patient_id)


@login_required
@require_POST
def no_show(request: AuthedRequest, appointment_id: int) -> HttpResponse:
    appointment = selectors.get_appointment_for(request.user, appointment_id, Action.BOOK_APPOINTMENT)
    try:
        services.record_no_show(by=request.user, appointment=appointment)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "Recorded: the patient did not attend.")
    return redirect("plans:appointments", appointment.patient_id)


@login_required
@require_POST
def attended(request: AuthedRequest, appointment_id: int) -> HttpResponse:
    appointment = selectors.get_appointment_for(request.user, appointment_id, Action.BOOK_APPOINTMENT)
    try:
        services.record_attended(by=request.user, appointment=appointment)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "Recorded: the patient attended.")
    return redirect("plans:appointments", appointment.patient_id)


@login_required
def book_course(request: AuthedRequest, order_id: int) -> HttpResponse:
    """Propose the order's induction course (dates from its protocol's spacing), show each date's
    conflicts, and book them all."""
    order = get_order_for(request.user, order_id, Action.BOOK_APPOINTMENT)
    clinicians = selectors.clinicians_of(order.patient.clinic).filter(
        memberships__role__in=["prescriber", "nurse"], memberships__clinic=order.patient.clinic
    )
    initial = {
        "first_day": services.next_course_day(order),
        "clinician": request.user.pk,
        "at": dt.time(9),
    }
    data = request.POST if request.method == "POST" else (request.GET if "first_day" in request.GET else None)
    form = CourseForm(data, clinicians=clinicians, initial=initial)
    proposed: list[dict[str, Any]] = []
    if form.is_bound and form.is_valid():
        cleaned = form.cleaned_data
        days = services.propose_course(
            order, at=cleaned["at"], length_min=cleaned["length_min"], first_day=cleaned["first_day"]
        )
        booked_so_far: list[selectors.Proposed] = []
        for d in days:
            p = selectors.Proposed(
                order.patient, cleaned["clinician"], selectors.KETAMINE, d.starts_at, d.ends_at,
                cleaned["location"], order,
            )  # fmt: skip
            proposed.append({"day": d, "conflicts": selectors.conflicts_of(p)})
            booked_so_far.append(p)
        if request.method == "POST":
            try:
                services.book_course(
                    by=request.user,
                    order=order,
                    clinician=cleaned["clinician"],
                    days=days,
                    location=cleaned["location"],
                    confirm_reason=cleaned["confirm_reason"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"{len(days)} session(s) booked.")
                return redirect("plans:appointments", order.patient_id)
    return render(
        request,
        "plans/book_course.html",
        {"order": order, "patient": order.patient, "form": form, "proposed": proposed},
        status=400 if form.is_bound and form.errors and request.method == "POST" else 200,
    )


# --- the patient's own ----------------------------------------------------------------------------


@login_required
def my_appointments(request: AuthedRequest) -> HttpResponse:
    """The patient's next appointments; for the next ketamine session, how to prepare and what to
    expect from their own dose."""
    patient = own_patient_record(request.user)
    upcoming = list(selectors.upcoming_of(patient)[:10])
    session = next((a for a in upcoming if a.kind == selectors.KETAMINE and a.order is not None), None)
    expectation = patient_guide.what_to_expect(patient, session.order) if session and session.order else None
    return render(
        request,
        "plans/my_appointments.html",
        {
            "patient": patient,
            "upcoming": upcoming,
            "session": session,
            "preparation": patient_guide.PREPARATION,
            "sources": patient_guide.PREPARATION_SOURCES,
            "expectation": expectation,
        },
    )
