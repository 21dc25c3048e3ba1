"""The patient's privacy page in a real Chromium: sign a consent, then revoke it in writing. The
fixture fails the test on any console error, CSP violations included."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conftest import make_staff

pytestmark = pytest.mark.browser


def test_a_patient_signs_and_then_revokes_a_consent_on_the_portal(browser_page) -> None:
    from ketacare.accounts import services as accounts
    from ketacare.accounts.models import Clinic
    from ketacare.interop import privacy
    from ketacare.interop.models import Part2Consent
    from ketacare.patients import services as patients

    page = browser_page
    clinic = Clinic.objects.create(name="Riverside Recovery Clinic", slug="riverside")
    nurse = make_staff("nurse", clinic, "nurse", licence="registered_nurse", acls=True)
    admin = make_staff("admin", clinic, "clinic_admin")
    patient = patients.register_patient(
        by=nurse,
        clinic=clinic,
        medical_record_number="RI-9001",
        given_name="Sam",
        family_name="Okafor",
        date_of_birth=dt.date(1979, 6, 1),
        sex_at_birth="male",
        weight_kg=Decimal("82.0"),
    )
    user = accounts.create_user(username="sam", password="correct horse battery")
    accounts.add_membership(user=user, clinic=clinic, role="patient")
    patients.link_portal_user(by=admin, patient=patient, user=user)
    consent = privacy.record_consent(
        by=nurse,
        patient=patient,
        disclosing_party="Riverside Recovery Clinic",
        information_description="Current medications",
        recipient_kind="named",
        recipient="Riverside Pharmacy",
        recipient_is_covered_entity=False,
        purpose="treatment",
        expiry_event="end of treatment",
        signed_via="portal",
    )

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="My privacy").click()
    page.get_by_label("Type your full name to sign").fill("Sam Okafor")
    page.get_by_role("button", name="Sign").click()
    page.get_by_text("You signed the consent").wait_for()
    assert "in force" in page.get_by_test_id("consents").inner_text()

    page.get_by_role("link", name=str(consent.pk), exact=True).click()
    page.get_by_label("Revocation in writing").fill("I withdraw my consent.")
    page.get_by_role("button", name="Revoke this consent").click()
    page.get_by_text("Consent revoked.").wait_for()
    assert Part2Consent.objects.get().revoked_at is not None
