"""Text from users and API clients: no NUL or other control characters (PostgreSQL refuses NUL,
SQLite stores it; neither belongs in a consent or a notice)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def validate_plain_text(value: str) -> None:
    if _CONTROL.search(value or ""):
        raise ValidationError("This text contains control characters; type or paste it again as plain text.")
