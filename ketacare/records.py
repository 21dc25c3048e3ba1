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
