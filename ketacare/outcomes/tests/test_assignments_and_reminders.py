"""Assignments on a schedule, what is due, and reminders sent by the background worker."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ketacare.outcomes import services
from ketacare.outcomes.models import Reminder
from ketacare.outcomes.tasks import send_due_reminders

from .conftest import PHQ9_NO_RISK

pytestmark = pytest.mark.django_db


def test_therapist_assigns_phq9_every_two_weeks_and_it_is_due_today(api, therapist, patient) -> None:
    status, body = api(therapist).post(
        f"patients/{patient.pk}/assignments", {"instrument": "phq-9", "interval_days": 14}
    )
    assert status == 201, body
    assert body["status"] == "due" and body["due_on"] == timezone.localdate().isoformat()
    assert body["next_due_on"] == (timezone.localdate() + dt.timedelta(days=14)).isoformat()


def test_answering_completes_the_current_occurrence(api, nurse, patient) -> None:
    caller = api(nurse)
    caller.post(f"patients/{patient.pk}/assignments", {"instrument": "phq-9", "interval_days": 14})
    caller.post(f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": PHQ9_NO_RISK})
    listed = caller.get(f"patients/{patient.pk}/assignments")[1]["items"]
    assert listed[0]["status"] == "done" and listed[0]["last_answered_on"] == timezone.localdate().isoformat()


def test_an_assignment_started_earlier_and_unanswered_is_overdue(api, nurse, patient) -> None:
    caller = api(nurse)
    started = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    status, body = caller.post(
        f"patients/{patient.pk}/assignments", {"instrument": "pacs", "interval_days": 7, "starts_on": started}
    )
    assert status == 201 and body["status"] == "overdue"


def test_clinician_rated_scales_cannot_be_assigned(api, nurse, patient) -> None:
    status, body = api(nurse).post(
        f"patients/{patient.pk}/assignments", {"instrument": "ciwa-ar", "interval_days": 1}
    )
    assert status == 400 and "clinician" in body["errors"][0]["message"]


def test_interval_out_of_range_is_a_422(api, nurse, patient) -> None:
    assert (
        api(nurse).post(f"patients/{patient.pk}/assignments", {"instrument": "phq-9", "interval_days": 0})[0]
        == 422
    )
    assert (
        api(nurse).post(f"patients/{patient.pk}/assignments", {"instrument": "phq-9", "interval_days": 366})[
            0
        ]
        == 422
    )


def test_assignment_access_anonymous_wrong_role_other_clinic(
    api, clinic_admin, researcher, outsider, patient_user, patient
) -> None:
    body = {"instrument": "phq-9", "interval_days": 14}
    assert api(None).post(f"patients/{patient.pk}/assignments", body)[0] == 401
    assert api(clinic_admin).post(f"patients/{patient.pk}/assignments", body)[0] == 403
    assert api(researcher).get(f"patients/{patient.pk}/assignments")[0] == 403
    assert api(outsider).post(f"patients/{patient.pk}/assignments", body)[0] == 404
    assert api(outsider).get(f"patients/{patient.pk}/assignments")[0] == 404
    # The patient sees what is assigned but cannot assign.
    assert api(patient_user).get(f"patients/{patient.pk}/assignments")[0] == 200
    assert api(patient_user).post(f"patients/{patient.pk}/assignments", body)[0] == 403


@pytest.fixture
def committed_db(transactional_db: None) -> Any:
    """Real commits, as the worker sees them in production (it closes connections left in a
    transaction). The append-only audit table must be lifted for the database to be emptied after."""
    from django.db import connection

    from ketacare.audit import triggers

    triggers.install(connection)
    yield
    triggers.remove(connection)


@pytest.mark.django_db(transaction=True)
def test_due_reminders_are_queued_and_sent_once_by_the_database_worker(committed_db, nurse, patient) -> None:
    services.assign_instrument(by=nurse, patient=patient, instrument_id="craving-vas", interval_days=1)
    patient.email = "ada@example.test"
    patient.save()
    result = send_due_reminders.enqueue()
    assert DBTaskResult.objects.filter(id=result.id, status="READY").exists()
    assert mail.outbox == []  # nothing is sent in the request that queued it
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert DBTaskResult.objects.get(id=result.id).status == "SUCCESSFUL"
    assert [m.to for m in mail.outbox] == [["ada@example.test"]]
    assert Reminder.objects.get().due_on == timezone.localdate()
    # The same occurrence is never reminded twice.
    assert send_due_reminders.call() == 0


def test_no_reminder_without_an_email_address(nurse, patient) -> None:
    services.assign_instrument(by=nurse, patient=patient, instrument_id="craving-vas", interval_days=1)
    assert send_due_reminders.call() == 0 and not Reminder.objects.exists()


def test_a_done_questionnaire_is_not_reminded(nurse, patient) -> None:
    services.assign_instrument(by=nurse, patient=patient, instrument_id="craving-vas", interval_days=1)
    patient.email = "ada@example.test"
    patient.save()
    services.record_response(by=nurse, patient=patient, instrument_id="craving-vas", answers=[10])
    assert send_due_reminders.call() == 0
