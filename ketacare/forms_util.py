"""Small helpers shared by the Django apps' forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's validation errors on the form: on their field when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields and field != NON_FIELD_ERRORS else None
            form.add_error(target, errors)
    else:
        form.add_error(None, exc)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)  # type: ignore[arg-type]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)  # type: ignore[arg-type]


def save_form(
    request: HttpRequest, form: forms.BaseForm, save: Callable[..., Any], *, success: str
) -> tuple[bool, Any]:
    """For a POSTed, valid form, call `save(**form.cleaned_data)` (a service, with its other arguments
    already bound). Returns (saved, what the service returned). A service's ValidationError is shown
    on the form, keeping everything the user typed; nothing is saved in part."""
    if request.method != "POST" or not form.is_valid():
        return False, None
    try:
        result = save(**form.cleaned_data)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return False, None
    messages.success(request, success)
    return True, result
