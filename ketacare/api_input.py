"""Strict input for the REST API: one base schema and shared field types used by every input schema.

- Unknown fields are refused (422, naming them), so a misspelt or read-only field (`weight_kg` on a
  patient's demographics) is never silently ignored.
- Every text field refuses NUL and other control characters and has a maximum length
  (TEXT_MAX_LENGTH unless the field sets a smaller one).
- Times and dates are bounded: not in the future (beyond a few minutes of clock skew) where that is
  impossible, and not before EARLIEST_DATE.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.utils import timezone
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, ValidationInfo, field_validator

from ketacare.text_input import refuse_control_characters

TEXT_MAX_LENGTH = 10_000
# No clinical record in KetaCare predates this (births included); earlier dates are typing errors.
EARLIEST_DATE = dt.date(1900, 1, 1)
CLOCK_SKEW = dt.timedelta(minutes=5)


class StrictSchema(Schema):
    """Base of every API input schema (bodies and query filters).

    Beyond `extra="forbid"` and the length limit, it checks every field by type: text refuses
    control characters; a date or time must be sent as ISO 8601 text (a number such as 0 would
    otherwise become 1970-01-01); no date is before EARLIEST_DATE; and every date-time is a time that
    has happened (a measurement, an answer, a collection), so it may not be in the future. A field
    that needs a future time must say so with its own type when one is added.
    """

    model_config = ConfigDict(extra="forbid", str_max_length=TEXT_MAX_LENGTH)

    @field_validator("*", mode="before")
    @classmethod
    def _dates_as_text(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool) and info.field_name:
            annotation = str(cls.model_fields[info.field_name].annotation)
            if "datetime." in annotation:
                raise ValueError(
                    "Send dates and times as ISO 8601 text, e.g. 2026-01-31 or 2026-01-31T14:30:00Z."
                )
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _checked_by_type(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str):
            return refuse_control_characters(value)
        if isinstance(value, dt.datetime):
            field = cls.model_fields.get(info.field_name or "")
            if field is not None and ALLOW_FUTURE in field.metadata:
                return _not_too_early_time(value)
            return _past_time(value)
        if isinstance(value, dt.date):
            return _not_too_early_date(value)
        return value


def _not_too_early_date(value: dt.date | None) -> dt.date | None:
    if value is not None and value < EARLIEST_DATE:
        raise ValueError(f"This date is before {EARLIEST_DATE:%Y}: check the year.")
    return value


def _past_date(value: dt.date | None) -> dt.date | None:
    _not_too_early_date(value)
    if value is not None and value > timezone.localdate() + dt.timedelta(days=1):
        raise ValueError("This date is in the future.")
    return value


def _past_time(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = timezone.make_aware(value)
    if value.date() < EARLIEST_DATE:
        raise ValueError(f"This time is before {EARLIEST_DATE:%Y}: check the year.")
    if value > timezone.now() + CLOCK_SKEW:
        raise ValueError("This time is in the future.")
    return value


def _not_too_early_time(value: dt.datetime) -> dt.datetime:
    if value.date() < EARLIEST_DATE:
        raise ValueError(f"This time is before {EARLIEST_DATE:%Y}: check the year.")
    return value


class _AllowFuture:
    """Marks a date-time field that is planned, not observed (a next-day check-in), so it may lie
    in the future."""


ALLOW_FUTURE = _AllowFuture()


def _search_text(value: str) -> str:
    return refuse_control_characters(value)


# A date that may be in the future (a planned day) but not absurdly early.
BoundedDate = Annotated[dt.date, AfterValidator(_not_too_early_date)]
# A day that has happened: not in the future.
PastDate = Annotated[dt.date, AfterValidator(_past_date)]
# A time that has happened: not in the future (beyond clock skew), not before EARLIEST_DATE.
PastTime = Annotated[dt.datetime, AfterValidator(_past_time)]
# A search string in a query parameter.
SearchText = Annotated[str, Field(max_length=200), AfterValidator(_search_text)]
# A planned time: may be in the future, not before EARLIEST_DATE.
FutureTime = Annotated[dt.datetime, ALLOW_FUTURE]
