"""Dose planning in a real Chromium (Debian's build, driven by Playwright) against a live server.

The fixture fails the test on any console error, CSP violations included."""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

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


def _setup_clinic(threshold: bool = True):  # type: ignore[no-untyped-def]
    from ketacare.accounts.models import Clinic
    from ketacare.dosing import services as dosing
    from ketacare.patients import services

    clinic = Clinic.objects.create(name="Riverside Recovery Clinic", slug="riverside")
    nurse = make_staff("nurse", clinic, "nurse", licence="registered_nurse", acls=True)
    make_staff("doctor", clinic, "prescriber", licence="physician", acls=True)
    admin = make_staff("admin", clinic, "clinic_admin")
    if threshold:
        dosing.update_session_settings(
            by=admin, clinic=clinic, systolic_above_mmhg=160, vitals_interval_min=10
        )
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
    signed_order(patient, dose_mg="40.00")
    return clinic, nurse, patient


def _log_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/(patients/|dosing/today/)$"))


# Two browsers polling the same session: Django's live server shares the test's one in-memory SQLite
# connection between its request threads, so a poll and a write at the same moment can break each
# other's savepoints (seen as a rare 500 in CI). The journey runs on PostgreSQL, where each request
# has its own connection, as in production.
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="two live browsers need a database with a connection per request thread (PostgreSQL pass)",
)
def test_a_session_from_checklist_to_signature_with_an_alert_the_prescriber_sees_live_and_acknowledges(
    browser_page,
) -> None:
    """Nurse: plan -> checklist -> a vital that alerts. Prescriber, in a second browser, already has the
    session open: the alert appears without a reload; they acknowledge it; the nurse's page clears
    without a reload; the nurse ends; the prescriber signs."""
    page = browser_page
    _, _, patient = _setup_clinic()

    _log_in(page, "nurse")
    assert page.get_by_role("heading", name="Today's sessions").is_visible()  # the nurse's starting page
    page.goto(f"/dosing/patients/{patient.pk}/plan/")
    page.get_by_label("Route").select_option("iv-infusion")
    page.get_by_role("spinbutton", name=re.compile(r"^Dose")).fill("0.5")
    page.get_by_label("Infusion duration (min)").fill("40")
    page.get_by_role("button", name="Show what to expect").click()
    page.get_by_role("link", name="Start a session with this dose").click()
    assert page.get_by_label("Dose (mg ketamine base)").input_value() == "40.00"
    page.get_by_label("From the signed order").select_option(str(patient.ketamine_orders.get().pk))
    page.get_by_label("Chair or room").fill("Chair 3")
    page.get_by_role("button", name="Plan the session").click()
    page.wait_for_url(re.compile(r".*/dosing/sessions/\d+/$"))
    session_url = page.url

    page.get_by_label("Full name").check()
    page.get_by_label("Date of birth").check()
    page.get_by_label("Consent for this treatment is on file").check()
    page.get_by_label("The patient fasted as instructed").check()
    page.get_by_label(re.compile("An escort or transport home is arranged")).check()
    page.get_by_role("button", name="Confirm and start the session").click()
    assert page.get_by_test_id("session-status").inner_text() == "In progress"

    doctor = page.context.browser.new_context(base_url=page.url.split("/dosing")[0])
    other = doctor.new_page()
    other.on("pageerror", lambda exc: page.console_errors.append(str(exc)))  # type: ignore[attr-defined]
    _log_in(other, "doctor")
    other.goto(session_url)
    assert other.get_by_test_id("open-alerts").count() == 0

    page.get_by_label("Systolic (mmHg)").fill("172")
    page.get_by_label("Diastolic (mmHg)").fill("96")
    page.get_by_label("Heart rate (/min)").fill("88")
    page.get_by_label("SpO2 (%)").fill("97")
    page.get_by_role("button", name="Record vitals").click()
    assert "above the clinic's alert threshold of 160 mmHg" in page.get_by_test_id("vital-saved").inner_text()

    # The prescriber sees it within seconds, without reloading, and acknowledges it.
    other.get_by_test_id("open-alert").wait_for(timeout=10_000)
    other.get_by_label("What was done", exact=True).select_option("recheck")
    other.get_by_label("Note on what was done").fill("Rechecked after 5 min: 150/90.")
    other.get_by_role("button", name="Acknowledge").click()
    other.get_by_test_id("acknowledged").wait_for(timeout=10_000)
    # The nurse's page clears on its own.
    page.get_by_test_id("acknowledged").wait_for(timeout=10_000)
    assert page.get_by_test_id("open-alerts").count() == 0

    # Discharge with a PADSS of 9 (recorded on the outcomes page in practice) and each confirmation.
    page.get_by_label("State on leaving").fill("Alert and oriented; partner drove home.")
    from ketacare.accounts.models import User
    from ketacare.outcomes.services import record_response

    record_response(
        by=User.objects.get(username="nurse"), patient=patient, instrument_id="padss", answers=[2, 2, 2, 2, 1]
    )
    page.get_by_label("Mental status is back to baseline").check()
    page.get_by_label("A responsible adult is here to take the patient home").check()
    page.get_by_label(re.compile("No-driving advice given")).check()
    tomorrow = (dt.datetime.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT10:00")
    page.get_by_label("Next-day check-in").fill(tomorrow)
    page.get_by_label("Ready to leave at").fill(dt.datetime.now().strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Discharge and end the session").click()
    assert page.get_by_test_id("session-status").inner_text() == "Ended"

    other.reload()
    other.get_by_label("Your password").fill("correct horse battery")
    other.get_by_role("button", name="Sign the session").click()
    assert other.get_by_test_id("session-status").inner_text() == "Ended, signed"
    assert other.get_by_test_id("vital-form").count() == 0
    doctor.close()


def test_a_nurse_records_a_vital_from_the_keyboard_alone_and_the_page_stays_put(browser_page) -> None:
    from ketacare.dosing import services as dosing

    page = browser_page
    _, nurse, patient = _setup_clinic()
    session = dosing.plan_session(
        by=nurse,
        patient=patient,
        route="im",
        dose_mg=Decimal("30"),
        order=signed_order(patient, route="im", dose_mg=Decimal("30")),
    )
    dosing.start_session(
        by=nurse,
        session=session,
        consent_confirmed=True,
        fasting_confirmed=True,
        escort_confirmed=True,
        identity_identifiers=["full_name", "date_of_birth"],
    )
    _log_in(page, "nurse")
    page.goto(f"/dosing/sessions/{session.pk}/")
    # The form has the focus on arrival: no tabbing to reach it.
    assert page.evaluate("document.activeElement.name") == "systolic_mmhg"
    page.evaluate("window.scrollTo(0, 120)")
    before = page.evaluate("window.scrollY")
    page.keyboard.type("128")
    page.keyboard.press("Tab")
    page.keyboard.type("82")
    page.keyboard.press("Tab")
    page.keyboard.type("76")
    page.keyboard.press("Tab")
    page.keyboard.type("98")
    page.keyboard.press("Enter")
    page.get_by_test_id("vital-saved").wait_for()
    assert "128/82 mmHg" in page.get_by_test_id("timeline").inner_text()
    # ready for the next (focus returns once htmx has swapped the form: wait for it, do not race it)
    expect(page.locator("#vital-form [name=systolic_mmhg]")).to_be_focused()
    assert page.evaluate("window.scrollY") == before
    assert page.get_by_test_id("next-due").is_visible()


def test_the_idle_timeout_mid_entry_loses_nothing_typed(browser_page) -> None:
    from ketacare.dosing import services as dosing

    page = browser_page
    _, nurse, patient = _setup_clinic(threshold=False)
    session = dosing.plan_session(
        by=nurse,
        patient=patient,
        route="im",
        dose_mg=Decimal("30"),
        order=signed_order(patient, route="im", dose_mg=Decimal("30")),
    )
    dosing.start_session(
        by=nurse,
        session=session,
        consent_confirmed=True,
        fasting_confirmed=True,
        escort_confirmed=True,
        identity_identifiers=["full_name", "date_of_birth"],
    )
    _log_in(page, "nurse")
    page.goto(f"/dosing/sessions/{session.pk}/")
    page.get_by_label("Systolic (mmHg)").fill("131")
    page.get_by_label("Diastolic (mmHg)").fill("84")
    page.get_by_label("Heart rate (/min)").fill("71")
    # The login times out on the server: the session cookie is gone (the CSRF cookie stays, as it does).
    kept = [c for c in page.context.cookies() if c["name"] != "sessionid"]
    page.context.clear_cookies()
    page.context.add_cookies(kept)  # type: ignore[arg-type]
    page.get_by_label("SpO2 (%)").fill("97")
    page.get_by_role("button", name="Record vitals").click()
    page.wait_for_url(re.compile(r".*/accounts/login/\?next=.*"))
    page.get_by_label("Username").fill("nurse")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(rf".*/dosing/sessions/{session.pk}/$"))
    assert page.get_by_label("Systolic (mmHg)").input_value() == "131"
    assert page.get_by_label("Heart rate (/min)").input_value() == "71"
    assert page.get_by_label("SpO2 (%)").input_value() == "97"
    assert page.locator("#draft-restored").is_visible()
    page.get_by_role("button", name="Record vitals").click()
    page.get_by_test_id("vital-saved").wait_for()
    assert session.vitals.count() == 1
