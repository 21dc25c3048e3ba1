"""One rule for text that people type, shared by the API's schemas and the pages' forms.

Text may hold any printable character, tabs and line breaks; never NUL or another control character
(PostgreSQL refuses NUL outright, which used to surface as a server error, and SQLite stored it).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# C0 controls except tab, line feed and carriage return; DEL; C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

CONTROL_MESSAGE = (
    "This text contains an invisible control character (such as NUL) that cannot be stored: "
    "retype it or paste it as plain text."
)


def has_control_characters(value: str) -> bool:
    return _CONTROL.search(value) is not None


def refuse_control_characters(value: str) -> str:
    """The rule as a pydantic validator (raises ValueError)."""
    if has_control_characters(value):
        raise ValueError(CONTROL_MESSAGE)
    return value


def django_validator(value: str) -> None:
    """The same rule as a Django validator, for form fields and model fields."""
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(CONTROL_MESSAGE, code="control_characters")
