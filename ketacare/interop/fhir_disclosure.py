"""Wraps the FHIR responses of interop/api.py: every exported resource carries its Part 2 labels;
a request that names an outside recipient is a disclosure (consent checked, notice attached, logged)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from fhir.resources.R4B.resource import Resource
from pydantic import BaseModel, ConfigDict, Field

from ketacare.accounts.http import AuthedRequest
from ketacare.interop import labels, privacy
from ketacare.interop.models import Disclosure, Purpose
from ketacare.patients.models import Patient

FHIR_JSON = "application/fhir+json"
PLAIN = r"^[^\x00-\x1f\x7f]*$"


class DisclosureParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recipient: str | None = Field(
        None, max_length=300, pattern=PLAIN, description="The outside recipient: makes this a disclosure."
    )
    purpose: Purpose | None = Field(None, description="Why the record is disclosed (with `recipient`).")
    consent_id: int | None = Field(None, description="The class consent that covers this recipient.")
    emergency_reason: str | None = Field(
        None, max_length=300, pattern=PLAIN, description="A medical emergency, where clinic policy allows."
    )


def released(
    request: AuthedRequest, patient: Patient, resource: Resource, params: DisclosureParams, channel: str
) -> HttpResponse:
    if not params.recipient and not params.purpose:
        body = labels.labelled(resource)
        return HttpResponse(body.model_dump_json(exclude_none=True), content_type=FHIR_JSON)
    if not params.recipient or not params.purpose:
        raise ValidationError("A disclosure names both its recipient and its purpose.")
    kinds = sorted({e.resource.get_resource_type() for e in getattr(resource, "entry", None) or []})
    information = f"FHIR R4 {resource.get_resource_type()}" + (f": {', '.join(kinds)}" if kinds else "")
    disclosure = privacy.disclose(
        by=request.user,
        patient=patient,
        request=privacy.DisclosureRequest(
            recipient=params.recipient,
            purpose=params.purpose,
            consent_id=params.consent_id,
            emergency_reason=params.emergency_reason or "",
        ),
        channel=channel,
        information=information,
    )
    body = labels.labelled(resource, notice=disclosure.notice, disclosure_id=disclosure.pk)
    response = HttpResponse(body.model_dump_json(exclude_none=True), content_type=FHIR_JSON)
    _headers(response, disclosure)
    return response


def _headers(response: HttpResponse, disclosure: Disclosure) -> None:
    response["X-Part2-Disclosure"] = str(disclosure.pk)
    response["X-Part2-Notice"] = "in meta.extension " + labels.NOTICE_EXTENSION
