"""The calendar: booking, every kind of conflict, cancel and no-show, the induction course, reminders
through the task queue, and the API's access and bad input."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ketacare.accounts import services as accounts
from ketacare.accounts.models import Credential
from ketacare.audit.models import AuditEvent
from ketacare.outcomes import services as outcomes
from ketacare.plans import calendar_selectors as selectors
from ketacare.plans import calendar_services as calendar
from ketacare.plans.models import Appointment
from ketacare.plans.tasks import send_appointment_reminders
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


def _spaced_order(patient: Any, prescriber: Any, spacing: int = 7) -> Any:
    from ketacare.plans import services

    protocol = services.add_clinic_protocol(
        by=prescriber,
        clinic=patient.clinic,
        name="Weekly",
        route="iv-infusion",
        mg_per_kg_min=Decimal("0.1"),
        mg_per_kg_max=Decimal("1"),
        sessions=3,
        min_spacing_days=spacing,
    )
    order = services.create_order(
        by=prescriber,
        patient=patient,
        protocol=protocol.library_id,
        route="iv-infusion",
        dose="0.5mg/kg",
        duration_min=Decimal("40"),
        sessions=3,
        interval_days=spacing,
    )
    return services.sign_order(by=prescriber, order=order)


def codes(appointment_or_list: Any) -> list[str]:
    if isinstance(appointment_or_list, Appointment):
        return [c.code for c in selectors.conflicts_for(appointment_or_list)]
    return [c.code for c in appointment_or_list]


def test_a_plain_booking_has_no_conflict_and_is_audited(nurse, patient) -> None:
    appointment = _book(nurse, patient, nurse)
    assert appointment.status == "booked" and codes(appointment) == []
    event = AuditEvent.objects.filter(action="appointment.book").get()
    assert event.patient_id == patient.pk and event.detail == {"kind": "review", "conflicts": []}


def test_ends_before_it_starts_is_refused_in_words(nurse, patient) -> None:
    with pytest.raises(ValidationError, match="end after it starts"):
        calendar.book(
            by=nurse, patient=patient, clinician=nurse, kind="review", starts_at=at(1, 10), ends_at=at(1, 9)
        )
    assert not Appointment.objects.exists()


def test_a_ketamine_session_too_soon_after_another_warns_and_needs_a_reason(
    nurse, prescriber, patient
) -> None:
    order = _spaced_order(patient, prescriber, spacing=7)
    _book(nurse, patient, nurse, days=1, kind="ketamine-session", order=order)
    with pytest.raises(ValidationError) as refused:
        _book(nurse, patient, nurse, days=4, hour=9, kind="ketamine-session", order=order)
    assert "at least 7 days" in str(refused.value)
    second = _book(
        nurse, patient, nurse, days=4, kind="ketamine-session", order=order, confirm_reason="Patient travels"
    )
    assert second.confirmed_conflicts == ["spacing"] and codes(second) == ["spacing"]
    assert _book(nurse, patient, nurse, days=11, kind="ketamine-session", order=order, confirm_reason="x")


def test_spacing_counts_dosing_sessions_too(nurse, prescriber, patient) -> None:
    from ketacare.dosing import services as dosing

    order = _spaced_order(patient, prescriber, spacing=7)
    dosing.plan_session(by=nurse, patient=patient, route="iv-infusion", dose_mg=order.dose_mg, order=order)
    with pytest.raises(ValidationError, match="at least 7 days"):
        _book(nurse, patient, nurse, days=2, kind="ketamine-session", order=order)


def test_a_session_booked_while_the_detox_gate_is_unmet_warns(nurse, clinic_admin, patient) -> None:
    from ketacare.patients import services as patients
    from ketacare.plans import services

    order = signed_order(patient)
    services.update_safety_settings(by=clinic_admin, clinic=patient.clinic, alcohol_gate_hours=72)
    patients.record_substance_use_disorder(by=nurse, patient=patient, substance="alcohol", criteria_met=4)
    outcomes.record_substance_use(
        by=nurse, patient=patient, day=timezone.localdate(), substance="alcohol", used=True,
        standard_drinks=Decimal("3"),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="detox gate"):
        _book(nurse, patient, nurse, days=1, kind="ketamine-session", order=order)
    # Five days on, the gate is met.
    assert codes(_book(nurse, patient, nurse, days=5, kind="ketamine-session", order=order)) == []


def test_a_clinician_not_credentialed_that_day_warns(nurse, prescriber, patient) -> None:
    order = signed_order(patient)
    credential = Credential.objects.filter(user=nurse, kind="acls").get()
    credential.expires_on = timezone.localdate() + dt.timedelta(days=2)
    credential.save()
    assert codes(_book(nurse, patient, nurse, days=1, kind="ketamine-session", order=order)) == []
    with pytest.raises(ValidationError, match="may not administer ketamine"):
        _book(nurse, patient, nurse, days=3, kind="ketamine-session", order=order)


def test_two_bookings_of_one_chair_are_refused_whatever_the_reason(
    nurse, prescriber, patient, clinic
) -> None:
    from ketacare.patients import services as patients

    other = patients.register_patient(
        by=nurse, clinic=clinic, medical_record_number="MRN-2", given_name="Bo", family_name="Li",
        date_of_birth=dt.date(1990, 1, 1), sex_at_birth="male",
    )  # fmt: skip
    _book(nurse, patient, nurse, location="Chair 1")
    with pytest.raises(ValidationError, match="Chair 1 is already booked"):
        _book(nurse, other, prescriber, hour=10, location="chair 1", confirm_reason="We will manage")
    assert _book(nurse, other, prescriber, hour=11, location="Chair 1")


def test_a_double_booked_clinician_warns(nurse, patient, clinic) -> None:
    from ketacare.patients import services as patients

    other = patients.register_patient(
        by=nurse, clinic=clinic, medical_record_number="MRN-2", given_name="Bo", family_name="Li",
        date_of_birth=dt.date(1990, 1, 1), sex_at_birth="male",
    )  # fmt: skip
    _book(nurse, patient, nurse)
    with pytest.raises(ValidationError, match="already has an appointment"):
        _book(nurse, other, nurse, hour=10)
    clash = _book(nurse, other, nurse, hour=10, confirm_reason="Group session")
    assert clash.confirmed_conflicts == ["double-booked"]


def test_therapists_book_therapy_and_integration_only(therapist, patient) -> None:
    assert _book(therapist, patient, therapist, kind="therapy")
    assert _book(therapist, patient, therapist, days=2, kind="integration")
    with pytest.raises(PermissionDenied):
        _book(therapist, patient, therapist, days=3, kind="review")


def test_an_administrator_and_a_patient_may_not_book(clinic_admin, patient_user, nurse, patient) -> None:
    for user in (clinic_admin, patient_user):
        with pytest.raises(PermissionDenied):
            _book(user, patient, nurse)


def test_a_ketamine_session_needs_a_signed_order(nurse, patient) -> None:
    with pytest.raises(ValidationError, match="signed order"):
        _book(nurse, patient, nurse, kind="ketamine-session")


def test_cancel_keeps_the_appointment_with_its_reason_and_no_show_waits_for_the_time(nurse, patient) -> None:
    appointment = _book(nurse, patient, nurse)
    with pytest.raises(ValidationError, match="once the appointment's time has come"):
        calendar.record_no_show(by=nurse, appointment=appointment)
    with pytest.raises(ValidationError, match="cannot be empty"):
        calendar.cancel(by=nurse, appointment=appointment, reason="  ")
    calendar.cancel(by=nurse, appointment=appointment, reason="Patient is unwell")
    appointment.refresh_from_db()
    assert appointment.status == "cancelled" and appointment.status_reason == "Patient is unwell"
    with pytest.raises(ValidationError, match="already cancelled"):
        calendar.cancel(by=nurse, appointment=appointment, reason="again")
    past = _book(nurse, patient, nurse, days=0, hour=0)
    assert calendar.record_no_show(by=nurse, appointment=past).status == "no-show"
    assert Appointment.objects.count() == 2


def test_the_induction_course_is_proposed_from_the_order_and_booked_all_or_none(
    nurse, prescriber, patient
) -> None:
    order = _spaced_order(patient, prescriber, spacing=7)
    days = calendar.propose_course(order, at=dt.time(9), length_min=180)
    assert len(days) == 3
    assert [(d.starts_at.date() - days[0].starts_at.date()).days for d in days] == [0, 7, 14]
    booked = calendar.book_course(by=nurse, order=order, clinician=nurse, days=days, location="Chair 2")
    assert [a.kind for a in booked] == ["ketamine-session"] * 3
    assert calendar.propose_course(order, at=dt.time(9), length_min=180) == []


@pytest.fixture
def committed_db(transactional_db: None) -> Any:
    """Real commits, as the worker sees them (the append-only audit table is lifted to empty it)."""
    from django.db import connection

    from ketacare.audit import triggers

    triggers.install(connection)
    yield
    triggers.remove(connection)


@pytest.mark.django_db(transaction=True)
def test_reminders_are_queued_and_sent_once_by_the_database_worker(committed_db, nurse, patient) -> None:
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    patient.email = "ada@example.invalid"
    patient.save()
    _book(nurse, patient, nurse, days=1)
    _book(nurse, patient, nurse, days=9)
    result = send_appointment_reminders.enqueue()
    assert mail.outbox == []  # nothing is sent in the request that queued it
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == "SUCCESSFUL", row.traceback
    assert len(mail.outbox) == 1 and "your appointment" in mail.outbox[0].subject
    assert mail.outbox[0].to == ["ada@example.invalid"]
    assert send_appointment_reminders.call() == 0
    assert AuditEvent.objects.filter(action="remind", patient_id=patient.pk).count() == 1


# --- API ------------------------------------------------------------------------------------------


def _post(persona: Any, body: dict[str, Any], path: str = "/api/v1/appointments") -> Any:
    response = persona.api.post(path, json.dumps(body), content_type="application/json")
    return response.status_code, json.loads(response.content)


def _body(patient: Any, clinician: Any, days: int = 1, **kw: Any) -> dict[str, Any]:
    return {
        "patient_id": patient.pk,
        "clinician_id": clinician.pk,
        "kind": "review",
        "starts_at": at(days).isoformat(),
        "ends_at": (at(days) + dt.timedelta(hours=1)).isoformat(),
        **kw,
    }


def test_api_books_in_the_future_and_answers_conflicts(act_as, nurse, prescriber, patient) -> None:
    status, body = _post(act_as(nurse), _body(patient, nurse, location="Chair 1"))
    assert status == 201 and body["conflicts"] == [] and body["status"] == "booked"
    status, body = _post(act_as(nurse), _body(patient, nurse, location="Room 2"))
    assert status == 400 and body["errors"][0]["field"] == "confirm_reason"
    status, body = _post(
        act_as(nurse), _body(patient, nurse, location="Room 2", confirm_reason="Joint visit")
    )
    assert status == 201 and [c["code"] for c in body["conflicts"]] == ["double-booked"]
    listed = act_as(prescriber).api.get(f"/api/v1/appointments?patient_id={patient.pk}")
    page = json.loads(listed.content)
    assert listed.status_code == 200 and page["count"] == 2
    assert [c["code"] for c in page["items"][0]["conflicts"]] == ["double-booked"]


def test_api_bad_input_is_422_or_400(act_as, nurse, patient) -> None:
    status, body = _post(act_as(nurse), {**_body(patient, nurse), "colour": "red"})
    assert status == 422
    status, body = _post(act_as(nurse), {**_body(patient, nurse), "kind": "massage"})
    assert status == 422
    start = at(1)
    status, body = _post(
        act_as(nurse),
        {**_body(patient, nurse), "ends_at": (start - dt.timedelta(hours=1)).isoformat()},
    )
    assert status == 400 and body["errors"][0]["field"] == "ends_at"
    status, body = _post(act_as(nurse), {**_body(patient, nurse), "clinician_id": 99999})
    assert status == 400 and body["errors"][0]["field"] == "clinician_id"


def test_api_access(act_as, personas, patient) -> None:
    nurse, therapist, outsider = personas["nurse"], personas["therapist"], personas["outsider"]
    assert _post(act_as(outsider), _body(patient, nurse))[0] == 404
    assert _post(act_as(personas["clinic_admin"]), _body(patient, nurse))[0] == 403
    assert _post(act_as(personas["patient"]), _body(patient, nurse))[0] == 403
    assert _post(act_as(therapist), _body(patient, therapist))[0] == 403
    assert _post(act_as(therapist), _body(patient, therapist, kind="therapy"))[0] == 201
    assert act_as(None).api.get("/api/v1/appointments").status_code == 401
    own = json.loads(act_as(personas["patient"]).api.get("/api/v1/appointments").content)
    assert own["count"] == 1 and own["items"][0]["kind"] == "therapy"
    assert act_as(outsider).api.get(f"/api/v1/appointments?patient_id={patient.pk}").status_code == 404
    assert json.loads(act_as(outsider).api.get("/api/v1/appointments").content)["count"] == 0
    appointment_id = own["items"][0]["id"]
    assert act_as(outsider).api.get(f"/api/v1/appointments/{appointment_id}").status_code == 404
    cancel = f"/api/v1/appointments/{appointment_id}/cancel"
    assert _post(act_as(personas["patient"]), {"reason": "x"}, cancel)[0] == 403
    assert _post(act_as(nurse), {"reason": ""}, cancel)[0] == 422
    status, body = _post(act_as(nurse), {"reason": "Therapist away"}, cancel)
    assert status == 200 and body["status"] == "cancelled"
    status, body = _post(act_as(nurse), {}, f"/api/v1/appointments/{appointment_id}/no-show")
    assert status == 400


def test_a_user_of_another_clinic_is_not_bookable(act_as, nurse, outsider, patient) -> None:
    status, body = _post(act_as(nurse), _body(patient, outsider))
    assert status == 400 and body["errors"][0]["field"] == "clinician_id"
    accounts.add_membership(user=outsider, clinic=patient.clinic, role="clinic_admin")
    assert _post(act_as(nurse), _body(patient, outsider))[0] == 400
