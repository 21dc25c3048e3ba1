"""What the portal and staff pages share: who is staff, an instrument or 404, service errors on
questions."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ketacare import instruments
from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.selectors import is_staff_member
from ketacare.instruments.model import Instrument
from ketacare.outcomes.forms import (
    QuestionnaireForm,
)


def _staff_only(request: AuthedRequest) -> None:
    if not is_staff_member(request.user):
        raise PermissionDenied("This page is for clinic staff.")


def _instrument(instrument_id: str) -> Instrument:
    try:
        return instruments.get_instrument(instrument_id)
    except instruments.UnknownInstrument:
        raise Http404("No such questionnaire.") from None


def _questionnaire_errors(form: QuestionnaireForm, exc: ValidationError) -> None:
    """Service errors name items as answers.N; put each on its question."""
    if hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            name = f"item_{key.split('.', 1)[1]}" if key.startswith("answers.") else None
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)
