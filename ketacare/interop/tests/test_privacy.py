"""42 CFR Part 2: a disclosure needs a consent in force, carries the notice, is logged and accounted
for; revocation takes effect on the next request; in-clinic use is not a disclosure."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from fhir.resources.R4B.bundle import Bundle

from ketacare.accounts import services as accounts
from ketacare.audit.models import AuditEvent
from ketacare.interop import labels, part2, privacy
from ketacare.interop.models import Disclosure, Part2Consent

pytestmark = pytest.mark.django_db

NOTICE = "Clinic-pasted notice of 42 CFR §2.32 (test text)."
PDF = b"%PDF-1.4\n% test scan\n"


def api(user: Any, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any, Any]:
    headers = {}
    if user is not None:
        _, token = accounts.create_api_token(user=user, name="privacy-test")
        headers["Authorization"] = f"Bearer {token}"
    client = Client()
    if method == "get":
        response = client.get(f"/api/v1/{path}", headers=headers)
    else:
        response = client.post(
            f"/api/v1/{path}", data=json.dumps(body or {}), content_type="application/json", headers=headers
        )
    content = json.loads(response.content) if response.content else None
    return response.status_code, content, response


@pytest.fixture
def notice_set(clinic: Any, clinic_admin: Any) -> Any:
    return privacy.save_privacy_settings(
        by=clinic_admin,
        clinic=clinic,
        disclosure_notice=NOTICE,
        hipaa_redisclosure_statement="Clinic-pasted statement of §2.31(a)(4)(iii) (test text).",
        allow_medical_emergency=True,
    )


def paper_consent(by: Any, patient: Any, **overrides: Any) -> Part2Consent:
    fields: dict[str, Any] = {
        "disclosing_party": "Test Clinic ketamine programme",
        "information_description": "Diagnoses, medications and dosing sessions since intake",
        "recipient_kind": "named",
        "recipient": "Dr Grace Hopper, Riverside Primary Care",
        "recipient_is_covered_entity": False,
        "purpose": "treatment",
        "expires_on": dt.date.today() + dt.timedelta(days=365),
        "signed_via": "paper",
        "signature": "Ada Lovelace",
        "signed_on": dt.date.today(),
        "scan": SimpleUploadedFile("anything.exe", PDF, content_type="application/octet-stream"),
    }
    fields.update(overrides)
    return privacy.record_consent(by=by, patient=patient, **fields)


DISCLOSE = "recipient=Dr%20Grace%20Hopper,%20Riverside%20Primary%20Care&purpose=treatment"


def test_a_disclosure_without_consent_is_refused_with_a_clear_message_and_audited(
    nurse, patient, notice_set
) -> None:
    status, body, _ = api(nurse, "get", f"fhir/Patient/{patient.pk}/$everything?{DISCLOSE}")
    assert status == 400
    assert "No consent in force covers disclosure to Dr Grace Hopper" in body["errors"][0]["message"]
    assert not Disclosure.objects.exists()
    assert AuditEvent.objects.filter(action="disclose", outcome="denied", patient_id=patient.pk).exists()


def test_with_consent_the_disclosure_carries_the_notice_and_labels_and_appears_in_the_accounting(
    nurse, patient, notice_set
) -> None:
    consent = paper_consent(nurse, patient)
    status, body, response = api(nurse, "get", f"fhir/Patient/{patient.pk}/$everything?{DISCLOSE}")
    assert status == 200
    Bundle.model_validate(body)
    disclosure = Disclosure.objects.get()
    assert response["X-Part2-Disclosure"] == str(disclosure.pk)
    assert disclosure.consent == consent and disclosure.notice == NOTICE and disclosure.basis == "consent"
    for resource in [body] + [e["resource"] for e in body["entry"]]:
        codes = {s["code"] for s in resource["meta"]["security"]}
        assert {"R", "42CFRPart2", "ETH"} <= codes
        notice = [e for e in resource["meta"]["extension"] if e["url"] == labels.NOTICE_EXTENSION]
        assert notice[0]["valueString"] == NOTICE
    status, page, _ = api(nurse, "get", f"disclosures?patient_id={patient.pk}")
    assert status == 200 and page["count"] == 1
    assert page["items"][0]["recipient"] == "Dr Grace Hopper, Riverside Primary Care"
    assert page["items"][0]["channel"] == "fhir_everything" and page["items"][0]["consent_id"] == consent.pk


def test_revocation_takes_effect_on_the_next_request(nurse, patient, notice_set, patient_user) -> None:
    consent = paper_consent(nurse, patient)
    assert api(nurse, "get", f"fhir/Patient/{patient.pk}?{DISCLOSE}")[0] == 200
    status, body, _ = api(patient_user, "post", f"consents/{consent.pk}/revoke", {"note": "I withdraw it."})
    assert status == 200 and body["state"] == "revoked" and body["revoked_at"]
    assert api(nurse, "get", f"fhir/Patient/{patient.pk}?{DISCLOSE}")[0] == 400
    assert Disclosure.objects.count() == 1
    # The consent's versions are kept: recorded, then revoked.
    assert consent.history.count() == 2


def test_in_clinic_use_is_labelled_part_2_but_is_not_a_disclosure(nurse, patient) -> None:
    status, body, response = api(nurse, "get", f"fhir/Patient/{patient.pk}")
    assert status == 200 and "X-Part2-Disclosure" not in response
    assert {s["code"] for s in body["meta"]["security"]} == {"R", "42CFRPart2", "ETH"}
    assert "extension" not in body["meta"] and not Disclosure.objects.exists()


def test_no_disclosure_until_the_clinic_has_pasted_the_notice(nurse, patient) -> None:
    paper_consent(nurse, patient)
    status, body, _ = api(nurse, "get", f"fhir/Patient/{patient.pk}?{DISCLOSE}")
    assert status == 400 and "§2.32" in body["errors"][0]["message"]


def test_a_medical_emergency_discloses_without_consent_only_where_clinic_policy_allows(
    nurse, patient, notice_set, clinic_admin, clinic
) -> None:
    emergency = f"{DISCLOSE}&emergency_reason=Unresponsive%20in%20the%20emergency%20department"
    assert api(nurse, "get", f"fhir/Patient/{patient.pk}?{emergency}")[0] == 200
    disclosure = Disclosure.objects.get()
    assert disclosure.basis == "medical_emergency" and disclosure.consent is None
    privacy.save_privacy_settings(
        by=clinic_admin,
        clinic=clinic,
        disclosure_notice=NOTICE,
        hipaa_redisclosure_statement="",
        allow_medical_emergency=False,
    )
    assert api(nurse, "get", f"fhir/Patient/{patient.pk}?{emergency}")[0] == 400


def test_a_tpo_class_consent_uses_the_verified_wording_and_must_be_cited(nurse, patient, notice_set) -> None:
    consent = paper_consent(nurse, patient, recipient_kind="class", recipient="", purpose="tpo")
    assert consent.recipient == part2.TPO_RECIPIENT_WORDING
    query = "recipient=Riverside%20Health%20Plan&purpose=payment"
    assert api(nurse, "get", f"fhir/Patient/{patient.pk}?{query}")[0] == 400
    assert api(nurse, "get", f"fhir/Patient/{patient.pk}?{query}&consent_id={consent.pk}")[0] == 200


def test_a_consent_to_a_covered_entity_carries_the_clinics_hipaa_statement(
    nurse, patient, notice_set
) -> None:
    consent = paper_consent(nurse, patient, recipient_is_covered_entity=True)
    assert consent.hipaa_statement == notice_set.hipaa_redisclosure_statement


def test_a_consent_missing_an_element_or_with_a_bad_scan_is_refused_and_nothing_saved(nurse, patient) -> None:
    with pytest.raises(ValidationError) as missing:
        paper_consent(nurse, patient, expires_on=None, expiry_event="", signature="")
    assert {"expiry_event", "signature"} <= set(missing.value.message_dict)
    with pytest.raises(ValidationError) as bad:
        paper_consent(
            nurse, patient, scan=SimpleUploadedFile("c.pdf", b"MZ\x90\x00", content_type="application/pdf")
        )
    assert "PDF, PNG or JPEG" in bad.value.message_dict["scan"][0]
    with pytest.raises(ValidationError):
        paper_consent(nurse, patient, recipient="Dr\x00Evil")
    assert not Part2Consent.objects.exists()


def test_the_patient_signs_a_portal_consent_with_their_full_name(
    nurse, patient, patient_user, notice_set
) -> None:
    body = {
        "patient_id": patient.pk,
        "disclosing_party": "Test Clinic",
        "information_description": "My medication list",
        "recipient_kind": "named",
        "recipient": "Riverside Pharmacy",
        "purpose": "treatment",
        "expiry_event": "end of treatment",
    }
    status, created, _ = api(nurse, "post", "consents", body)
    assert status == 201 and created["state"] == "awaiting signature"
    consent = Part2Consent.objects.get()
    with pytest.raises(ValidationError):
        privacy.sign_on_portal(by=patient_user, consent=consent, signature="Someone Else")
    privacy.sign_on_portal(by=patient_user, consent=consent, signature="ada  lovelace")
    assert (
        api(nurse, "get", f"fhir/Patient/{patient.pk}?recipient=Riverside%20Pharmacy&purpose=treatment")[0]
        == 200
    )


def test_consent_and_disclosure_routes_answer_each_persona_as_the_matrix_says(
    personas, patient, notice_set
) -> None:
    consent = paper_consent(personas["nurse"], patient)
    body = {
        "patient_id": patient.pk,
        "disclosing_party": "Test Clinic",
        "information_description": "Everything",
        "recipient_kind": "named",
        "recipient": "X",
        "purpose": "treatment",
        "expiry_event": "end of treatment",
    }
    assert api(None, "get", f"consents?patient_id={patient.pk}")[0] == 401
    assert api(None, "get", f"disclosures?patient_id={patient.pk}")[0] == 401
    assert api(personas["researcher"], "get", f"consents?patient_id={patient.pk}")[0] == 403
    assert api(personas["researcher"], "get", f"disclosures?patient_id={patient.pk}")[0] == 403
    assert api(personas["outsider"], "get", f"consents?patient_id={patient.pk}")[0] == 404
    assert api(personas["outsider"], "get", f"consents/{consent.pk}")[0] == 404
    assert api(personas["outsider"], "get", f"disclosures?patient_id={patient.pk}")[0] == 404
    assert api(personas["outsider"], "post", f"consents/{consent.pk}/revoke", {"note": "x"})[0] == 404
    assert api(personas["researcher"], "post", "consents", body)[0] == 403
    assert api(personas["patient"], "post", "consents", body)[0] == 403
    assert api(personas["therapist"], "get", f"fhir/Patient/{patient.pk}?{DISCLOSE}")[0] == 403
    assert api(personas["therapist"], "post", "consents", body)[0] == 201
    assert api(personas["patient"], "get", f"consents?patient_id={patient.pk}")[0] == 200
    assert api(personas["patient"], "get", f"disclosures?patient_id={patient.pk}")[0] == 200
    assert api(personas["nurse"], "get", f"consents/{consent.pk}")[0] == 200
    assert api(personas["nurse"], "post", "consents", {**body, "extra": 1})[0] == 422


def test_the_accounting_covers_the_three_years_before_the_request(nurse, patient, notice_set) -> None:
    paper_consent(nurse, patient)
    api(nurse, "get", f"fhir/Patient/{patient.pk}?{DISCLOSE}")
    old = Disclosure.objects.get()
    Disclosure.objects.filter(pk=old.pk).update(disclosed_at=old.disclosed_at - dt.timedelta(days=3 * 366))
    api(nurse, "get", f"fhir/Patient/{patient.pk}?{DISCLOSE}")
    assert [d.pk for d in privacy.accounting(nurse, patient.pk)] == [old.pk + 1]


def test_the_texts_quote_only_the_2024_notice_never_the_2018_wording() -> None:
    assert "prohibits unauthorized disclosure" not in part2.NOTICE_VERIFIED_OPENING
    assert part2.NOTICE_VERIFIED_OPENING.startswith(
        "This record which has been disclosed to you is protected"
    )
    assert part2.ACCOUNTING_YEARS == 3 and dt.date(2026, 2, 16) == part2.COMPLIANCE_DATE
