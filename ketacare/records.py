"""Saving a clinical row from a service: validate with readable messages, save atomically, and audit
it in the same transaction (`save_audited`: where a write is audited)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from ketacare.accounts.roles import Action
from ketacare.audit.actions import AuditAction
from ketacare.audit.services import record_event

if TYPE_CHECKING:
    from ketacare.accounts.models import Clinic, User
    from ketacare.patients.models import Patient


def save_checked(instance: models.Model, *, validate_constraints: bool = True) -> None:
    """Validate the fields (ranges, with their messages) and, unless told not to, the table
    constraints (Django checks each with a query; a service that checks the same rules first with
    clearer messages may skip them and leave them to the database). A race that still breaks a
    constraint says so in words instead of a traceback."""
    instance.full_clean(validate_constraints=validate_constraints)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ValidationError(
            "This could not be saved because it conflicts with an existing entry. Reload and check."
        ) from exc


def mark_in_error(
    entry: models.Model, reason: str, *, what: str = "entry", field: str = "error_reason"
) -> None:
    """Withdraw a wrong clinical row: it stays, marked entered in error with the reason (callers check
    who may, and audit). A reason too long for the record is refused, never cut short."""
    if entry.entered_in_error:  # type: ignore[attr-defined]
        raise ValidationError(f"This {what} is already marked as entered in error.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({field: f"Say why this {what} is wrong."})
    limit = entry._meta.get_field("error_reason").max_length  # type: ignore[union-attr]
    if limit is not None and len(reason) > limit:
        raise ValidationError({field: f"Keep the reason to {limit} characters (it has {len(reason)})."})
    entry.entered_in_error = True  # type: ignore[attr-defined]
    entry.error_reason = reason  # type: ignore[attr-defined]
    save_checked(entry, validate_constraints=False)


def save_audited(
    row: models.Model,
    *,
    by: User | None,
    action: AuditAction | Action,
    patient: Patient | None = None,
    clinic: Clinic | None = None,
    detail: dict[str, Any] | None = None,
    validate_constraints: bool = False,
) -> None:
    """Save a row and append its audit event in one transaction: the one way a service writes and
    audits. The event names the row, its patient and clinic (the patient's clinic unless given) and
    only names, codes and ids in `detail` (ketacare/audit/actions.py); the row's history keeps values.
    Constraints are left to the database unless asked (services check them first in words)."""
    with transaction.atomic():
        save_checked(row, validate_constraints=validate_constraints)
        audit_row(row, by=by, action=action, patient=patient, clinic=clinic, detail=detail)


def audit_row(
    row: models.Model,
    *,
    by: User | None,
    action: AuditAction | Action,
    patient: Patient | None = None,
    clinic: Clinic | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """The audit event of a row just written (by save_audited, mark_in_error_audited, or a service
    that had to save it another way), in the caller's transaction."""
    record_event(
        actor=by,
        action=action,
        entity=row,
        clinic=clinic if clinic is not None else (patient.clinic if patient is not None else None),
        patient_id=patient.pk if patient is not None else None,
        detail=detail,
    )


def mark_in_error_audited(
    entry: models.Model,
    reason: str,
    *,
    by: User,
    patient: Patient,
    what: str = "entry",
    field: str = "error_reason",
) -> None:
    """mark_in_error and its audit event (the reason, never the values), in one transaction."""
    with transaction.atomic():
        mark_in_error(entry, reason, what=what, field=field)
        audit_row(
            entry,
            by=by,
            action=AuditAction.ENTERED_IN_ERROR,
            patient=patient,
            detail={"reason": entry.error_reason},  # type: ignore[attr-defined]
        )
