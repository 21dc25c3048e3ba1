"""Field checks with messages a receptionist or nurse understands."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

from ketacare.rules.record_limits import (
    HEIGHT_CM_MAX,
    HEIGHT_CM_MIN,
    MAX_AGE_YEARS,
    WEIGHT_KG_MAX,
    WEIGHT_KG_MIN,
)

_WEIGHT_MESSAGE = (
    f"Weight must be between {WEIGHT_KG_MIN} and {WEIGHT_KG_MAX} kg. Check the number and that it is in "
    "kilograms, not pounds."
)
_HEIGHT_MESSAGE = (
    f"Height must be between {HEIGHT_CM_MIN} and {HEIGHT_CM_MAX} cm. Check the number and that it is in "
    "centimetres."
)

weight_kg_validators = [
    MinValueValidator(WEIGHT_KG_MIN, message=_WEIGHT_MESSAGE),
    MaxValueValidator(WEIGHT_KG_MAX, message=_WEIGHT_MESSAGE),
]
height_cm_validators = [
    MinValueValidator(HEIGHT_CM_MIN, message=_HEIGHT_MESSAGE),
    MaxValueValidator(HEIGHT_CM_MAX, message=_HEIGHT_MESSAGE),
]


def validate_date_of_birth(value: dt.date) -> None:
    today = timezone.localdate()
    if value > today:
        raise ValidationError("The date of birth is in the future. Check the year.", code="future")
    if value.year < today.year - MAX_AGE_YEARS:
        raise ValidationError(
            f"The date of birth is more than {MAX_AGE_YEARS} years ago. Check the year.", code="too_old"
        )


def validate_not_in_future(value: dt.datetime | dt.date) -> None:
    now = timezone.now() if isinstance(value, dt.datetime) else timezone.localdate()
    # A minute's grace for clocks that differ between a tablet and the server.
    grace = dt.timedelta(minutes=1) if isinstance(value, dt.datetime) else dt.timedelta(0)
    if value > now + grace:
        raise ValidationError("This date is in the future.", code="future")


_PHONE = re.compile(r"^\+?[0-9 ()\-.]{6,24}$")


def validate_phone(value: str) -> None:
    digits = sum(ch.isdigit() for ch in value)
    if not _PHONE.match(value) or digits < 6:
        raise ValidationError(
            "Enter a phone number with digits only, optionally starting with + and using spaces or dashes, "
            "e.g. +44 20 7946 0958.",
            code="phone",
        )
