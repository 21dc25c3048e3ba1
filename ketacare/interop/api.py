"""/api/v1/fhir: the record as FHIR R4 JSON (application/fhir+json), read-only and audited."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Query, Router

from ketacare.accounts.http import AuthedRequest
from ketacare.api_errors import ERROR_RESPONSES
from ketacare.audit.actions import AuditAction
from ketacare.audit.services import record_event
from ketacare.interop import fhir
from ketacare.interop.fhir_disclosure import DisclosureParams, released
from ketacare.patients.selectors import get_patient_for

router = Router(tags=["fhir"])
FHIR_JSON = "application/fhir+json"


def _fhir(resource: fhir.Resource) -> HttpResponse:
    return HttpResponse(resource.model_dump_json(exclude_none=True), content_type=FHIR_JSON)


@router.get("/Patient/{patient_id}", response={200: None, **ERROR_RESPONSES}, summary="A patient as FHIR R4")
def read_patient(
    request: AuthedRequest, patient_id: int, disclosure: Query[DisclosureParams]
) -> HttpResponse:
    """Naming a `recipient` (with a `purpose`) makes this a 42 CFR Part 2 disclosure: a consent is
    checked, the notice attached and the disclosure logged (docs/privacy.md)."""
    patient = get_patient_for(request.user, patient_id)  # access check and audited read
    return released(request, patient, fhir.patient_resource(patient), disclosure, "fhir_read")


@router.get(
    "/Patient/{patient_id}/$everything",
    response={200: None, **ERROR_RESPONSES},
    summary="The patient's whole record as a FHIR R4 collection Bundle",
)
def patient_everything(
    request: AuthedRequest, patient_id: int, disclosure: Query[DisclosureParams]
) -> HttpResponse:
    """Naming a `recipient` (with a `purpose`) makes this a 42 CFR Part 2 disclosure (docs/privacy.md)."""
    patient = get_patient_for(request.user, patient_id)
    bundle = fhir.everything(patient, request.build_absolute_uri("/api/v1/fhir/"))
    record_event(
        actor=request.user,
        action=AuditAction.EXPORT,
        entity=patient,
        clinic=patient.clinic,
        patient_id=patient.pk,
        detail={"format": "FHIR R4 Bundle", "entries": len(bundle.entry or [])},
    )
    return released(request, patient, bundle, disclosure, "fhir_everything")
