"""Dose planning in a real Chromium (Debian's build, driven by Playwright) against a live server.

The fixture fails the test on any console error, CSP violations included."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from conftest import make_staff
from ketacare.plans.testing import signed_order

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


def test_a_session_from_plan_to_signature_with_an_alert_on_the_way(browser_page) -> None:
    """Nurse: plan -> "Start a session with this dose" -> checklist -> vitals that alert -> end.
    Prescriber: sign. The clinic set a systolic threshold of 160 mmHg beforehand."""
    from ketacare.accounts.models import Clinic
    from ketacare.dosing import services as dosing
    from ketacare.patients import services

    page = browser_page
    clinic = Clinic.objects.create(name="Riverside Recovery Clinic", slug="riverside")
    nurse = make_staff("nurse", clinic, "nurse", licence="registered_nurse", acls=True)
    make_staff("doctor", clinic, "prescriber", licence="physician", acls=True)
    admin = make_staff("admin", clinic, "clinic_admin")
    dosing.update_session_settings(by=admin, clinic=clinic, systolic_above_mmhg=160)
    patient = services.register_patient(
        by=nurse,
        clinic=clinic,
        medical_record_number="RI-7002",
        given_name="Sam",
        family_name="Okafor",
        date_of_birth=dt.date(1979, 6, 14),
        sex_at_birth="male",
        weight_kg=Decimal("80.0"),
    )
    order = signed_order(patient, dose_mg="40.00")

    def log_in(username: str) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill("correct horse battery")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(r".*/(patients/)?$"))

    log_in("nurse")
    page.goto(f"/dosing/patients/{patient.pk}/plan/")
    page.get_by_label("Route").select_option("iv-infusion")
    page.get_by_role("spinbutton", name=re.compile(r"^Dose")).fill("0.5")
    page.get_by_label("Infusion duration (min)").fill("40")
    page.get_by_role("button", name="Show what to expect").click()
    page.get_by_role("link", name="Start a session with this dose").click()
    assert page.get_by_label("Dose (mg ketamine base)").input_value() == "40.00"
    page.get_by_label("From the signed order").select_option(str(order.pk))
    page.get_by_role("button", name="Plan the session").click()
    page.wait_for_url(re.compile(r".*/dosing/sessions/\d+/$"))

    page.get_by_label("Consent for this treatment is on file").check()
    page.get_by_label("The patient fasted as instructed").check()
    page.get_by_label(re.compile("An escort or transport home is arranged")).check()
    page.get_by_role("button", name="Confirm and start the session").click()
    assert page.get_by_test_id("session-status").inner_text() == "In progress"

    page.get_by_label("Systolic (mmHg)").fill("172")
    page.get_by_label("Diastolic (mmHg)").fill("96")
    page.get_by_label("Heart rate (/min)").fill("88")
    page.get_by_label("SpO2 (%)").fill("97")
    page.get_by_role("button", name="Record vitals").click()
    assert "above the clinic's alert threshold of 160 mmHg" in page.get_by_test_id("alert").inner_text()

    page.get_by_label("Discharge note").fill("Alert and oriented; partner drove home.")
    page.get_by_role("button", name="End the session").click()
    assert page.get_by_test_id("session-status").inner_text() == "Ended"
    page.get_by_role("button", name="Log out").click()

    log_in("doctor")
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_role("link", name="Dosing sessions").click()
    page.get_by_test_id("sessions").get_by_role("link").first.click()
    page.get_by_role("button", name="Sign the session").click()
    assert page.get_by_test_id("session-status").inner_text() == "Ended, signed"
    assert page.get_by_test_id("vital-form").count() == 0
