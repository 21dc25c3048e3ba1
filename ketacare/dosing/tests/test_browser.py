"""Dose planning in a real Chromium (Debian's build, driven by Playwright) against a live server.

The fixture fails the test on any console error, CSP violations included."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from conftest import make_staff

pytestmark = pytest.mark.browser


def test_nurse_plans_an_infusion_from_the_record_and_sees_what_to_expect(browser_page) -> None:
    from ketacare.accounts.models import Clinic
    from ketacare.patients import services

    page = browser_page
    clinic = Clinic.objects.create(name="Riverside Recovery Clinic", slug="riverside")
    nurse = make_staff("nurse", clinic, "nurse", licence="registered_nurse", acls=True)
    patient = services.register_patient(
        by=nurse,
        clinic=clinic,
        medical_record_number="RI-7001",
        given_name="Noor",
        family_name="Haddad",
        date_of_birth=dt.date(1984, 3, 2),
        sex_at_birth="female",
        weight_kg=Decimal("80.0"),
    )

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("nurse")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_role("link", name="Plan a dose").click()
    page.wait_for_url(re.compile(r".*/dosing/patients/\d+/plan/$"))
    assert page.get_by_test_id("plan-weight").inner_text() == "80.0 kg"

    page.get_by_label("Route").select_option("iv-infusion")
    page.get_by_role("spinbutton", name=re.compile(r"^Dose")).fill("0.5")
    page.get_by_label("Infusion duration (min)").fill("40")
    page.get_by_role("button", name="Show what to expect").click()

    result = page.get_by_test_id("plan-result")
    result.wait_for()
    assert "40.00 mg ketamine base in total" in result.inner_text()
    assert "Onset of dissociative effects" in page.get_by_test_id("plan-summary").inner_text()
    assert result.locator("svg polyline").count() == 2  # plasma and effect site
    # The typed order stays in the form for the next change.
    assert page.get_by_role("spinbutton", name=re.compile(r"^Dose")).input_value() == "0.5"
