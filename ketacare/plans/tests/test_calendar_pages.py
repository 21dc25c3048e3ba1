"""Calendar pages, the day board's booked appointments, the patient's "my appointments" (preparation
text held here), the crisis page that tells the truth, and FHIR Appointment in $everything."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from ketacare.audit.models import AuditEvent
from ketacare.outcomes.models import SafetyAlert
from ketacare.plans import calendar_services as calendar
from ketacare.plans import patient_guide
from ketacare.plans.models import Appointment
from ketacare.plans.testing import signed_order

pytestmark = pytest.mark.django_db


def at(days: int, hour: int = 9) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def _book(by: Any, patient: Any, clinician: Any, *, days: int = 1, hour: int = 9, **kw: Any) -> Appointment:
    kw.setdefault("kind", "review")
    return calendar.book(
        by=by,
        patient=patient,
        clinician=clinician,
        starts_at=at(days, hour),
        ends_at=at(days, hour) + dt.timedelta(hours=2),
        **kw,
    )


def test_preparation_text_states_only_the_verified_facts() -> None:
    text = " ".join(body for _, body in patient_guide.PREPARATION)
    assert "responsible adult" in text and "drive you home" in text
    assert "until the next day, after a restful sleep" in text
    # Fasting figures are SECONDARY only: no number of hours is stated.
    assert not any(ch.isdigit() for ch in text)
    assert "Spravato prescribing information §17" in patient_guide.PREPARATION_SOURCES


def test_week_and_day_pages_show_appointments_and_conflicts(act_as, nurse, patient) -> None:
    _book(nurse, patient, nurse, days=0, hour=8)
    _book(nurse, patient, nurse, days=0, hour=9, confirm_reason="Joint visit")
    client = act_as(nurse).client
    week = client.get(f"/plans/calendar/?week={timezone.localdate():%Y-%m-%d}")
    assert week.status_code == 200 and "double-booked" in week.content.decode()
    day = client.get("/plans/calendar/day/")
    assert day.status_code == 200 and patient.full_name in day.content.decode()
    assert AuditEvent.objects.filter(detail__page="calendar-day").exists()


def test_calendar_pages_refuse_patients_and_researchers(act_as, patient_user, researcher) -> None:
    for user in (patient_user, researcher):
        assert act_as(user).client.get("/plans/calendar/").status_code == 403
        assert act_as(user).client.get("/plans/calendar/day/").status_code == 403


def test_booking_page_books_and_asks_for_a_reason_on_conflict(act_as, nurse, patient) -> None:
    client = act_as(nurse).client
    url = f"/plans/patients/{patient.pk}/appointments/"
    body = {
        "kind": "review",
        "clinician": nurse.pk,
        "starts_at": at(1).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": at(1, 10).strftime("%Y-%m-%dT%H:%M"),
        "location": "Room 1",
    }
    assert client.post(url, body).status_code == 302
    refused = client.post(url, {**body, "location": "Room 2"})
    assert refused.status_code == 400 and "Confirm with a reason" in refused.content.decode()
    assert client.post(url, {**body, "location": "Room 2", "confirm_reason": "Joint"}).status_code == 302
    assert Appointment.objects.count() == 2


def test_booking_page_forbidden_paths(act_as, therapist, outsider, patient) -> None:
    url = f"/plans/patients/{patient.pk}/appointments/"
    assert act_as(outsider).client.get(url).status_code == 404
    body = {
        "kind": "review",
        "clinician": therapist.pk,
        "starts_at": "2030-01-01T09:00",
        "ends_at": "2030-01-01T10:00",
    }
    assert act_as(therapist).client.post(url, body).status_code == 403  # a therapist books therapy only
    assert not Appointment.objects.exists()


def test_the_day_board_opens_the_session_of_a_booked_ketamine_appointment(act_as, nurse, patient) -> None:
    order = signed_order(patient)
    appointment = calendar.book(
        by=nurse,
        patient=patient,
        clinician=nurse,
        kind="ketamine-session",
        order=order,
        starts_at=timezone.now() + dt.timedelta(minutes=30),
        ends_at=timezone.now() + dt.timedelta(hours=3),
        location="Chair 3",
    )
    client = act_as(nurse).client
    board = client.get("/dosing/today/").content.decode()
    assert "Booked today, not yet opened" in board and patient.full_name in board
    opened = client.post(f"/dosing/appointments/{appointment.pk}/open/")
    appointment.refresh_from_db()
    assert appointment.status == "attended" and appointment.dosing_session_id
    assert opened.status_code == 302 and opened["Location"].endswith(
        f"/sessions/{appointment.dosing_session_id}/"
    )
    session = patient.dosing_sessions.get()
    assert session.order_id == order.pk and session.dose_mg == order.dose_mg and session.chair == "Chair 3"
    assert "not yet opened" not in client.get("/dosing/today/").content.decode()
    # Opened once only.
    client.post(f"/dosing/appointments/{appointment.pk}/open/")
    assert patient.dosing_sessions.count() == 1


def test_my_appointments_shows_the_next_session_how_to_prepare_and_what_to_expect(
    act_as, nurse, patient, patient_user
) -> None:
    order = signed_order(patient, dose_mg="32.25")
    _book(nurse, patient, nurse, days=2, kind="ketamine-session", order=order)
    page = act_as(patient_user).client.get("/plans/me/appointments/")
    text = page.content.decode()
    assert page.status_code == 200 and "Ketamine session" in text
    assert "after a restful sleep" in text and "responsible adult" in text
    assert "after the start" in text  # the engine's timeline, in words
    assert "cannot know how" in text  # its limits, plainly


def test_my_appointments_is_only_the_patients_own(act_as, nurse, patient, patient_user) -> None:
    assert act_as(nurse).client.get("/plans/me/appointments/").status_code == 404


def test_the_crisis_page_claims_nothing_until_the_team_is_really_alerted(
    act_as, patient, patient_user, nurse
) -> None:
    client = act_as(patient_user).client
    page = client.get("/outcomes/me/support/").content.decode()
    assert "has been told" not in page and "answers tell us" not in page
    assert 'data-testid="team-not-alerted"' in page and "crisis-numbers" in page
    assert not SafetyAlert.objects.exists()
    assert client.post("/outcomes/me/support/").status_code == 302
    alert = SafetyAlert.objects.get()
    assert alert.flag_code == "patient-request" and alert.response is None
    page = client.get("/outcomes/me/support/").content.decode()
    assert "Your care team was alerted at" in page
    assert AuditEvent.objects.filter(action="alert", patient_id=patient.pk).exists()
    # The clinician sees it on the alert page.
    assert "crisis page" in act_as(nurse).client.get(f"/outcomes/alerts/{alert.pk}/").content.decode()
    # Pressing again while it is open raises no second alert.
    client.post("/outcomes/me/support/")
    assert SafetyAlert.objects.count() == 1


def test_only_the_patient_asks_for_contact(act_as, nurse) -> None:
    assert act_as(nurse).client.post("/outcomes/me/support/").status_code == 404
    assert not SafetyAlert.objects.exists()
    assert mail.outbox == []


def test_everything_carries_valid_fhir_appointments(act_as, nurse, patient) -> None:
    kept = _book(nurse, patient, nurse, location="Chair 1")
    gone = _book(nurse, patient, nurse, days=2)
    calendar.cancel(by=nurse, appointment=gone, reason="Unwell")
    response = act_as(nurse).client.get(f"/api/v1/fhir/Patient/{patient.pk}/$everything")
    body = json.loads(response.content)
    Bundle.model_validate(body)
    appointments = [e["resource"] for e in body["entry"] if e["resource"]["resourceType"] == "Appointment"]
    assert [a["status"] for a in appointments] == ["booked", "cancelled"]
    assert appointments[0]["id"] == f"appointment-{kept.pk}" and "Chair 1" in appointments[0]["description"]
    assert appointments[1]["cancelationReason"]["text"] == "Unwell"


def test_an_answer_signalling_risk_says_told_only_because_the_alert_was_recorded(
    act_as, nurse, patient, patient_user
) -> None:
    from ketacare.outcomes import services as outcomes

    outcomes.assign_instrument(by=nurse, patient=patient, instrument_id="phq-9", interval_days=14)
    client = act_as(patient_user).client
    answers = {f"item_{i}": a for i, a in enumerate([1, 1, 0, 1, 0, 0, 0, 0, 1], start=1)}
    sent = client.post("/outcomes/me/answer/phq-9/", answers)
    assert sent.status_code == 302 and sent["Location"].endswith("/outcomes/me/support/")
    page = client.get("/outcomes/me/support/").content.decode()
    alert = SafetyAlert.objects.get()
    assert alert.response is not None
    assert "answers tell us" in page and "Your care team was alerted at" in page
    # No button while that alert is open: the team already has it.
    assert 'data-testid="ask-contact"' not in page


def test_the_api_lists_todays_booked_sessions_and_opens_one(act_as, nurse, therapist, patient) -> None:
    order = signed_order(patient)
    appointment = calendar.book(
        by=nurse,
        patient=patient,
        clinician=nurse,
        kind="ketamine-session",
        order=order,
        starts_at=timezone.now() + dt.timedelta(minutes=10),
        ends_at=timezone.now() + dt.timedelta(hours=3),
    )
    today = timezone.localdate().isoformat()
    query = f"/api/v1/appointments?kind=ketamine-session&status=booked&date_from={today}&date_to={today}"
    listed = json.loads(act_as(nurse).api.get(query).content)
    assert [a["id"] for a in listed["items"]] == [appointment.pk]
    path = f"/api/v1/sessions/from-appointment/{appointment.pk}"
    json_type = "application/json"
    assert act_as(therapist).api.post(path, content_type=json_type).status_code == 403
    opened = act_as(nurse).api.post(path, content_type=json_type)
    assert opened.status_code == 201 and json.loads(opened.content)["order_id"] == order.pk
    assert act_as(nurse).api.post(path, content_type=json_type).status_code == 400  # once only
