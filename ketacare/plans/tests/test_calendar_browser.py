"""The calendar in a real Chromium: a prescriber books the induction course and sees a conflict; the
patient, on a phone, sees their next session, how to prepare, what to expect, and a crisis page that
alerts the team only when asked (and says so only after it has).

The fixture fails the test on any console error."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/ketacare-calendar-shots")


def log_in(page: Any, username: str, next_url: str) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", "correct horse battery")
    page.click("button:has-text('Log in')")


def fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _weekly_order(patient: Any, prescriber: Any) -> Any:
    from ketacare.plans import services

    protocol = services.add_clinic_protocol(
        by=prescriber,
        clinic=patient.clinic,
        name="Weekly induction",
        route="iv-infusion",
        mg_per_kg_min=Decimal("0.1"),
        mg_per_kg_max=Decimal("1"),
        sessions=3,
        min_spacing_days=7,
    )
    order = services.create_order(
        by=prescriber,
        patient=patient,
        protocol=protocol.library_id,
        route="iv-infusion",
        dose="0.5mg/kg",
        duration_min=Decimal("40"),
        sessions=3,
        interval_days=7,
    )
    return services.sign_order(by=prescriber, order=order)


def test_a_prescriber_books_the_induction_course_and_sees_a_conflict(
    browser_page, prescriber, nurse, patient
) -> None:
    from ketacare.plans import calendar_services as calendar
    from ketacare.plans.models import Appointment

    order = _weekly_order(patient, prescriber)
    # The nurse already sees another patient at 09:00 on the course's first day.
    first = timezone.localdate() + dt.timedelta(days=1)
    nine = dt.datetime.combine(first, dt.time(9), tzinfo=timezone.get_current_timezone())
    calendar.book(
        by=nurse,
        patient=patient,
        clinician=nurse,
        kind="review",
        starts_at=nine,
        ends_at=nine + dt.timedelta(hours=1),
    )
    page = browser_page
    log_in(page, "prescriber", f"/plans/orders/{order.pk}/")
    page.get_by_role("link", name="Book the induction course").click()
    page.get_by_label("Clinician (nurse or prescriber)").select_option(str(nurse.pk))
    page.get_by_label("First session").fill(first.isoformat())
    page.get_by_label("Time of day").fill("09:00")
    page.get_by_label("Length of each appointment (minutes)").fill("180")
    page.get_by_label("Room or chair").fill("Chair 2")
    page.get_by_role("button", name="Propose the dates").click()
    proposed = page.get_by_test_id("proposed")
    assert proposed.locator("> li").count() == 3
    conflicts = proposed.get_by_test_id("conflicts")
    assert "already has an appointment" in conflicts.first.inner_text()
    shot(page, "book-course")
    # Booking without a reason is refused and says why.
    page.get_by_role("button", name="Book these sessions").click()
    assert "Confirm with a reason" in page.content()
    # The refused form answers 400, which the browser reports itself as a console error.
    assert page.console_errors == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
    page.console_errors.clear()
    page.get_by_label("Reason to book despite the conflicts").fill("The review is five minutes; covered.")
    page.get_by_role("button", name="Book these sessions").click()
    page.wait_for_url(f"**/plans/patients/{patient.pk}/appointments/")
    assert Appointment.objects.filter(kind="ketamine-session", order=order).count() == 3
    assert "double-booked" in page.get_by_test_id("conflicts").first.inner_text()
    page.set_viewport_size({"width": 320, "height": 800})
    assert fits_the_screen(page)
    shot(page, "appointments-320")
    page.goto("/plans/calendar/day/?day=" + first.isoformat())
    assert fits_the_screen(page)
    shot(page, "day-320")


def test_the_patient_sees_the_next_session_how_to_prepare_and_a_truthful_crisis_page_on_a_phone(
    browser_page, nurse, patient, patient_user
) -> None:
    from ketacare.outcomes.models import SafetyAlert
    from ketacare.plans import calendar_services as calendar
    from ketacare.plans.testing import signed_order

    order = signed_order(patient, dose_mg="32.25", sessions=3)
    start = dt.datetime.combine(
        timezone.localdate() + dt.timedelta(days=3), dt.time(10), tzinfo=timezone.get_current_timezone()
    )
    calendar.book(
        by=nurse,
        patient=patient,
        clinician=nurse,
        kind="ketamine-session",
        order=order,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        location="Chair 1",
    )
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in(page, "ada", "/outcomes/me/")
    page.get_by_role("link", name="My appointments").click()
    upcoming = page.get_by_test_id("upcoming")
    assert "Ketamine session" in upcoming.inner_text()
    prepare = page.get_by_test_id("prepare").inner_text()
    assert "responsible adult" in prepare and "after a restful sleep" in prepare
    expect = page.get_by_test_id("expect").inner_text()
    assert "after the start" in expect and "cannot know how" in expect
    assert fits_the_screen(page)
    shot(page, "my-appointments-phone")

    page.get_by_role("link", name="Help in a crisis").click()
    crisis = page.get_by_test_id("crisis").inner_text()
    assert "emergency" in crisis and "has been told" not in page.content()
    assert page.get_by_test_id("team-not-alerted").is_visible()
    assert fits_the_screen(page)
    shot(page, "crisis-phone")
    page.get_by_test_id("ask-contact").click()
    assert "Your care team was alerted at" in page.get_by_test_id("team-alerted").inner_text()
    assert SafetyAlert.objects.get().flag_code == "patient-request"
    shot(page, "crisis-alerted-phone")
