"""Background tasks: reminders for due questionnaires, queued in the database (django-tasks-db) and
run by `manage.py db_worker`, never in a request. `manage.py enqueue_reminders` queues the daily
sweep (run it from cron or a systemd timer)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from ketacare.outcomes import selectors, services
from ketacare.patients.models import Patient


@task()
def send_due_reminders() -> int:
    """Remind every patient with a due or overdue questionnaire, once per occurrence. Returns how
    many reminders were sent."""
    today = timezone.localdate()
    sent = 0
    patients = (
        Patient.objects.filter(assignments__active=True).distinct().select_related("clinic", "portal_user")
    )
    for patient in patients:
        for state in selectors.due_now(patient, today):
            due_on = state.state.due_on
            if due_on is None:
                continue
            if services.send_reminder(assignment=state.assignment, due_on=due_on):
                sent += 1
    return sent
