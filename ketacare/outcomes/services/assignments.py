"""Assigning questionnaires to a patient (once or on a schedule) and reminding them when one is due."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts.models import User
from ketacare.accounts.roles import Action
from ketacare.audit.actions import AuditAction
from ketacare.instruments.model import Administration
from ketacare.outcomes.models import (
    Assignment,
    Reminder,
)
from ketacare.outcomes.services.licences import instrument_or_error, require_available
from ketacare.patients.models import Patient
from ketacare.patients.selectors import require
from ketacare.records import audit_row, save_audited

# --- assignments and reminders ------------------------------------------------------------------


@transaction.atomic
def assign_instrument(
    *,
    by: User,
    patient: Patient,
    instrument_id: str,
    interval_days: int | None = None,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> Assignment:
    require(by, patient, Action.ASSIGN_INSTRUMENT)
    instrument = instrument_or_error(instrument_id)
    require_available(patient.clinic, instrument)
    if instrument.administration == Administration.CLINICIAN_RATED:
        raise ValidationError(
            {"instrument": f"{instrument.abbreviation} is rated by a clinician; enter it at the visit."}
        )
    assignment = Assignment(
        patient=patient,
        instrument_id=instrument.id,
        interval_days=interval_days,
        starts_on=starts_on or timezone.localdate(),
        ends_on=ends_on,
        assigned_by=by,
    )
    save_audited(
        assignment,
        by=by,
        action=AuditAction.CREATE,
        patient=patient,
        detail={"instrument": instrument.id, "interval_days": interval_days},
    )
    return assignment


@transaction.atomic
def stop_assignment(*, by: User, assignment: Assignment) -> Assignment:
    require(by, assignment.patient, Action.ASSIGN_INSTRUMENT)
    if not assignment.active:
        raise ValidationError("This assignment is already stopped.")
    assignment.active = False
    assignment.stopped_at = timezone.now()
    assignment.stopped_by = by
    save_audited(
        assignment,
        by=by,
        action=AuditAction.UPDATE,
        patient=assignment.patient,
        detail={"fields": ["active"]},
    )
    return assignment


@transaction.atomic
def send_reminder(*, assignment: Assignment, due_on: dt.date) -> Reminder | None:
    """Email the patient once for one due occurrence; None when there is no address or it was sent."""
    patient = assignment.patient
    address = patient.email or (patient.portal_user.email if patient.portal_user else "")
    if not address or Reminder.objects.filter(assignment=assignment, due_on=due_on).exists():
        return None
    reminder = Reminder.objects.create(assignment=assignment, due_on=due_on, sent_to=address)
    audit_row(
        reminder,
        by=None,
        action=AuditAction.REMIND,
        patient=patient,
        detail={"instrument": assignment.instrument_id, "due_on": due_on.isoformat()},
    )
    transaction.on_commit(
        lambda: send_mail(
            subject=f"{patient.clinic}: a questionnaire is waiting for you",
            message="You have a questionnaire to fill in. Log in to KetaCare to answer it: "
            f"{settings.KETACARE_BASE_URL}{reverse('outcomes:portal')}\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[address],
        )
    )
    return reminder
