"""/api/v1/consents and /api/v1/disclosures: 42 CFR Part 2 consents and the accounting of disclosures.

No `from __future__ import annotations` here: django-ninja's pagination needs real annotations.
Paper consents arrive with their scan through the consent page (a file upload); the API records
consents the patient then signs on the portal, reads them, and revokes them.
"""

import datetime as dt
from typing import Any

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.roles import Action
from ketacare.api_errors import ERROR_RESPONSES
from ketacare.api_input import StrictSchema
from ketacare.api_paging import Pagination
from ketacare.interop import privacy
from ketacare.interop.models import Disclosure, Part2Consent, Purpose
from ketacare.patients.selectors import get_patient_for

consents_router = Router(tags=["privacy"])
disclosures_router = Router(tags=["privacy"])
PLAIN = r"^[^\x00-\x1f\x7f]*$"


class ConsentOut(Schema):
    id: int
    patient_id: int
    patient_name: str
    disclosing_party: str
    information_description: str
    recipient_kind: str
    recipient: str
    recipient_is_covered_entity: bool
    hipaa_statement: str
    purpose: str
    purpose_description: str
    revocation_statement: str
    expires_on: dt.date | None
    expiry_event: str
    signed_via: str
    signature: str
    signed_on: dt.date | None
    signed_at: dt.datetime | None
    has_scan: bool
    revoked_at: dt.datetime | None
    revocation_note: str
    state: str
    recorded_at: dt.datetime


class ConsentIn(StrictSchema):
    patient_id: int
    disclosing_party: str = Field(..., min_length=1, max_length=300, pattern=PLAIN)
    information_description: str = Field(..., min_length=1, max_length=2000)
    recipient_kind: Part2Consent.RecipientKind
    recipient: str = Field("", max_length=300, pattern=PLAIN)
    recipient_is_covered_entity: bool = False
    purpose: Purpose
    purpose_description: str = Field("", max_length=300, pattern=PLAIN)
    expires_on: dt.date | None = None
    expiry_event: str = Field("", max_length=200, pattern=PLAIN)


class RevokeIn(StrictSchema):
    note: str = Field(..., min_length=1, max_length=300, pattern=PLAIN)


class DisclosureOut(Schema):
    id: int
    patient_id: int
    disclosed_at: dt.datetime
    recipient: str
    purpose: str
    channel: str
    information: str
    basis: str
    consent_id: int | None
    emergency_reason: str
    disclosed_by: str


def consent_out(consent: Part2Consent) -> dict[str, Any]:
    data = {f: getattr(consent, f) for f in ConsentOut.model_fields if hasattr(Part2Consent, f)}
    data.update(
        id=consent.pk,
        patient_id=consent.patient_id,
        has_scan=bool(consent.scan),
        state=privacy.consent_state(consent),
    )
    return data


def disclosure_out(d: Disclosure) -> dict[str, Any]:
    return {
        "id": d.pk,
        "patient_id": d.patient_id,
        "disclosed_at": d.disclosed_at,
        "recipient": d.recipient,
        "purpose": d.purpose,
        "channel": d.channel,
        "information": d.information,
        "basis": d.basis,
        "consent_id": d.consent_id,
        "emergency_reason": d.emergency_reason,
        "disclosed_by": d.disclosed_by.get_username(),
    }


@consents_router.get(
    "", response={200: list[ConsentOut], **ERROR_RESPONSES}, summary="A patient's Part 2 consents"
)
@paginate(Pagination)
def list_consents(request: AuthedRequest, patient_id: int) -> list[dict[str, Any]]:
    return [consent_out(c) for c in privacy.consents_of(request.user, patient_id)]


@consents_router.post(
    "", response={201: ConsentOut, **ERROR_RESPONSES}, summary="Record a consent for the patient to sign"
)
def create_consent(request: AuthedRequest, payload: ConsentIn) -> Status:
    patient = get_patient_for(request.user, payload.patient_id, Action.MANAGE_CONSENTS)
    data = payload.model_dump(exclude={"patient_id"})
    consent = privacy.record_consent(
        by=request.user, patient=patient, signed_via=Part2Consent.SignedVia.PORTAL, **data
    )
    return Status(201, consent_out(consent))


@consents_router.get("/{consent_id}", response={200: ConsentOut, **ERROR_RESPONSES}, summary="One consent")
def read_consent(request: AuthedRequest, consent_id: int) -> dict[str, Any]:
    return consent_out(privacy.consent_for(request.user, consent_id))


@consents_router.post(
    "/{consent_id}/revoke",
    response={200: ConsentOut, **ERROR_RESPONSES},
    summary="Revoke a consent in writing",
)
def revoke(request: AuthedRequest, consent_id: int, payload: RevokeIn) -> dict[str, Any]:
    consent = privacy.consent_for(request.user, consent_id)
    return consent_out(privacy.revoke_consent(by=request.user, consent=consent, note=payload.note))


@disclosures_router.get(
    "",
    response={200: list[DisclosureOut], **ERROR_RESPONSES},
    summary="The accounting of a patient's disclosures (42 CFR §2.25: the last 3 years)",
)
@paginate(Pagination)
def list_disclosures(request: AuthedRequest, patient_id: int) -> list[dict[str, Any]]:
    return [disclosure_out(d) for d in privacy.accounting(request.user, patient_id)]
