"""A safety net for "every read of patient data is audited": a page (GET, answered 200) whose URL
names a patient, and that wrote no audit event about that patient, gets a read event written for it.

Selectors audit the reads they make (ketacare/patients/selectors.py); pages that fetch a patient to
show a form (edit demographics, record a test, answer a questionnaire) fetch it for a write action
and used to leave no trace of having shown the record. This middleware notices, per request, which
patients `record_event` wrote about, and fills the gap.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

_patients: ContextVar[set[int] | None] = ContextVar("audited_patients", default=None)


def note_patient(patient_id: int | None) -> None:
    """Called by record_event: this request has written an event about this patient."""
    seen = _patients.get()
    if seen is not None and patient_id is not None:
        seen.add(int(patient_id))


class PatientReadAuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _patients.set(set())
        try:
            response = self.get_response(request)
            patient_id = getattr(request, "_audit_patient_id", None)
            seen = _patients.get() or set()
            if (
                patient_id is not None
                and request.method == "GET"
                and response.status_code == 200
                and request.user.is_authenticated
                and patient_id not in seen
            ):
                _record_read(request, patient_id)
            return response
        finally:
            _patients.reset(token)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: dict[str, Any]
    ) -> None:
        if "patient_id" in kwargs:
            with contextlib.suppress(TypeError, ValueError):
                request._audit_patient_id = int(kwargs["patient_id"])  # type: ignore[attr-defined]


def _record_read(request: HttpRequest, patient_id: int) -> None:
    from ketacare.audit.actions import AuditAction
    from ketacare.audit.services import record_event
    from ketacare.patients.models import Patient

    patient = Patient.objects.select_related("clinic").filter(pk=patient_id).first()
    if patient is not None:
        record_event(
            actor=request.user,  # type: ignore[arg-type]
            action=AuditAction.READ,
            entity=patient,
            clinic=patient.clinic,
            patient_id=patient.pk,
            detail={"page": request.resolver_match.view_name if request.resolver_match else ""},
        )
