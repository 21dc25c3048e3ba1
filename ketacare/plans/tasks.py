"""Background tasks of the calendar: appointment reminders, queued in the database (django-tasks-db)
and run by `manage.py db_worker`, never in a request (the pattern of ketacare/outcomes/tasks.py)."""

from __future__ import annotations

from django_tasks import task

from ketacare.plans import calendar_services


@task()
def send_appointment_reminders() -> int:
    """Remind every patient of a booked appointment starting within the next two days, once.
    Returns how many reminders were sent."""
    return calendar_services.send_due_reminders()
