"""Saving a clinical row from a service: validate with readable messages, then save atomically."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction


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
