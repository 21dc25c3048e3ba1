"""Privacy pages: consents recorded with a scan, revoked, signed on the portal; the accounting as a
page and a PDF; the record disclosed as a PDF with the notice; every route checked for each persona."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ketacare.interop import privacy
from ketacare.interop.models import Disclosure, Part2Consent

from .test_privacy import NOTICE, paper_consent

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def notice_set(clinic: Any, clinic_admin: Any) -> Any:
    return privacy.save_privacy_settings(
        by=clinic_admin,
        clinic=clinic,
        disclosure_notice=NOTICE,
        hipaa_redisclosure_statement="",
        allow_medical_emergency=False,
    )


def test_a_nurse_records_a_paper_consent_with_its_scan_and_downloads_it_back(nurse, patient) -> None:
    scan = SimpleUploadedFile("signed.jpg", b"\xff\xd8\xff\xe0scan", content_type="image/jpeg")
    response = client_for(nurse).post(
        f"/privacy/patients/{patient.pk}/consents/new/",
        {
            "disclosing_party": "Test Clinic",
            "information_description": "Medication list",
            "recipient_kind": "named",
            "recipient": "Riverside Pharmacy",
            "purpose": "treatment",
            "expiry_event": "end of treatment",
            "signed_via": "paper",
            "signature": "Ada Lovelace",
            "signed_on": dt.date.today().isoformat(),
            "scan": scan,
        },
    )
    consent = Part2Consent.objects.get()
    assert response.status_code == 302 and consent.scan_content_type == "image/jpeg"
    download = client_for(nurse).get(f"/privacy/consents/{consent.pk}/scan")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"\xff\xd8\xff")


def test_a_consent_form_missing_its_scan_shows_the_error_and_saves_nothing(nurse, patient) -> None:
    response = client_for(nurse).post(
        f"/privacy/patients/{patient.pk}/consents/new/",
        {
            "disclosing_party": "Test Clinic",
            "information_description": "Medication list",
            "recipient_kind": "named",
            "recipient": "Riverside Pharmacy",
            "purpose": "treatment",
            "expiry_event": "end of treatment",
            "signed_via": "paper",
            "signature": "Ada Lovelace",
            "signed_on": dt.date.today().isoformat(),
        },
    )
    assert response.status_code == 200 and b"Attach the scan" in response.content
    assert not Part2Consent.objects.exists()


def test_the_patient_signs_and_revokes_on_the_portal_and_sees_the_accounting(
    nurse, patient, patient_user, notice_set
) -> None:
    consent = privacy.record_consent(
        by=nurse,
        patient=patient,
        disclosing_party="Test Clinic",
        information_description="Medication list",
        recipient_kind="named",
        recipient="Riverside Pharmacy",
        recipient_is_covered_entity=False,
        purpose="treatment",
        expiry_event="end of treatment",
        signed_via="portal",
    )
    portal = client_for(patient_user)
    page = portal.get("/privacy/me/")
    assert page.status_code == 200 and b"Sign consent" in page.content
    portal.post(f"/privacy/me/consents/{consent.pk}/sign/", {"signature": "Ada Lovelace"})
    consent.refresh_from_db()
    assert consent.signed_at is not None
    privacy.disclose(
        by=nurse,
        patient=patient,
        request=privacy.DisclosureRequest(recipient="Riverside Pharmacy", purpose="treatment"),
        channel="fhir_read",
        information="FHIR R4 Patient",
    )
    assert b"Riverside Pharmacy" in portal.get("/privacy/me/").content
    accounting = portal.get("/privacy/me/accounting.pdf")
    assert accounting.status_code == 200 and accounting.content.startswith(b"%PDF")
    portal.post(f"/privacy/consents/{consent.pk}/", {"note": "I no longer agree."})
    consent.refresh_from_db()
    assert consent.revoked_at is not None and consent.revoked_by == patient_user


def test_a_record_pdf_disclosure_needs_consent_and_starts_with_the_notice(nurse, patient, notice_set) -> None:
    form = {"recipient": "Dr Grace Hopper, Riverside Primary Care", "purpose": "treatment"}
    refused = client_for(nurse).post(f"/privacy/patients/{patient.pk}/record.pdf", form)
    assert refused.status_code == 400 and b"No consent in force" in refused.content
    paper_consent(nurse, patient)
    response = client_for(nurse).post(f"/privacy/patients/{patient.pk}/record.pdf", form)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    disclosure = Disclosure.objects.get()
    assert disclosure.channel == "pdf" and response["X-Part2-Disclosure"] == str(disclosure.pk)


def test_a_clinic_admin_pastes_the_notice_and_sees_the_verified_opening(clinic_admin, clinic) -> None:
    page = client_for(clinic_admin).get("/privacy/settings/")
    assert page.status_code == 200 and b"This record which has been disclosed to you" in page.content
    client_for(clinic_admin).post(
        "/privacy/settings/", {"disclosure_notice": "Pasted notice", "hipaa_redisclosure_statement": ""}
    )
    assert privacy.privacy_settings(clinic).disclosure_notice == "Pasted notice"


def test_every_privacy_page_answers_each_persona_as_it_should(personas, patient, notice_set) -> None:
    consent = paper_consent(personas["nurse"], patient)
    staff_pages = [
        f"/privacy/patients/{patient.pk}/",
        f"/privacy/patients/{patient.pk}/consents/new/",
        f"/privacy/patients/{patient.pk}/accounting.pdf",
        f"/privacy/consents/{consent.pk}/",
        f"/privacy/consents/{consent.pk}/scan",
    ]
    for url in [*staff_pages, "/privacy/", "/privacy/settings/", "/privacy/me/"]:
        response = client_for(None).get(url)
        assert response.status_code == 302 and "/accounts/login" in response["Location"], url
    for url in staff_pages:
        assert client_for(personas["outsider"]).get(url).status_code == 404, url
        assert client_for(personas["researcher"]).get(url).status_code in (403, 404), url
        assert client_for(personas["nurse"]).get(url).status_code == 200, url
    assert client_for(personas["researcher"]).get(staff_pages[0]).status_code == 403
    assert client_for(personas["patient"]).get(staff_pages[0]).status_code == 403
    assert client_for(personas["patient"]).get(f"/privacy/consents/{consent.pk}/").status_code == 200
    assert (
        client_for(personas["outsider"]).post(f"/privacy/patients/{patient.pk}/record.pdf").status_code == 404
    )
    assert (
        client_for(personas["therapist"]).post(f"/privacy/patients/{patient.pk}/record.pdf").status_code
        == 403
    )
    assert client_for(personas["nurse"]).get("/privacy/settings/").status_code == 403
    assert client_for(personas["clinic_admin"]).get("/privacy/settings/?clinic=other").status_code == 404
    assert client_for(personas["nurse"]).get("/privacy/me/").status_code == 302  # staff: /privacy/
    assert client_for(personas["nurse"]).get("/privacy/").status_code == 200
    assert client_for(personas["patient"]).get("/privacy/").status_code == 302
    assert client_for(personas["outsider"]).get("/privacy/me/accounting.pdf").status_code == 404
