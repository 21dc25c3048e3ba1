"""The demo clinic's Part 2 consents, built through the real services: one the demo patient has
signed on the portal (treatment, their primary-care doctor) and one waiting for their signature.
The clinic's notice text is left empty on purpose: KetaCare ships no unverified regulation text, so
the demo's clinic administrator must paste §2.32 before any disclosure (docs/privacy.md)."""

from __future__ import annotations

from ketacare.accounts.models import User
from ketacare.interop import privacy
from ketacare.patients.models import Patient


def build(*, staff: dict[str, User], patient: Patient, portal_user: User) -> None:
    common = {
        "disclosing_party": f"{patient.clinic.name} ketamine-assisted treatment programme",
        "recipient_kind": "named",
        "recipient_is_covered_entity": False,
        "signed_via": "portal",
    }
    signed = privacy.record_consent(
        by=staff["nurse"],
        patient=patient,
        information_description="Diagnoses, current medications and ketamine session summaries",
        recipient="Dr Demo Primary Care",
        purpose="treatment",
        expiry_event="end of treatment",
        **common,  # type: ignore[arg-type]
    )
    privacy.sign_on_portal(
        by=portal_user, consent=signed, signature=f"{patient.given_name} {patient.family_name}"
    )
    privacy.record_consent(
        by=staff["nurse"],
        patient=patient,
        information_description="Attendance dates only",
        recipient="Demo County Drug Court",
        purpose="other",
        purpose_description="Confirm attendance to the court, at the patient's request",
        expiry_event="end of the court case",
        **common,  # type: ignore[arg-type]
    )
