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


# Length limits of free text, shared by the API's schemas and the pages' forms so that both refuse the
# same text (ketacare/core/tests/test_form_limits.py holds every form's text fields to having one).
# Any other text field states its own limit, the same in its form, its API schema and its model.
ADDRESS_MAX_LENGTH = 500
NOTE_MAX_LENGTH = 4000  # a session's discharge note, an addendum to a signed session
CLINIC_TEXT_MAX_LENGTH = 2000  # a clinic's own text shown to patients (crisis information)
PASSWORD_MAX_LENGTH = 200  # any passphrase; bounded so that a megabyte is never hashed
