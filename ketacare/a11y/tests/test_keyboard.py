"""The core paths with a keyboard only (WCAG 2.1.1): no click, every control reached with Tab.

Log in (the skip link is the first tab stop), find a patient, record vital signs (after a refusal read
from the error summary), answer a questionnaire on a phone, acknowledge a safety alert, sign a session.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from ketacare.plans.testing import signed_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
PHONE = {"width": 375, "height": 812}
CHECKLIST = {
    "consent_confirmed": True,
    "fasting_confirmed": True,
    "escort_confirmed": True,
    "identity_identifiers": ["full_name", "date_of_birth"],
}


def active(page: Any, selector: str) -> bool:
    return page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector)


def tab_to(page: Any, selector: str, limit: int = 80) -> None:
    """Press Tab until `selector` has focus, and check the focus is visible."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if active(page, selector):
            outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"{selector} has focus but no visible focus ring"
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def log_in_with_the_keyboard(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    assert active(page, "#id_username"), "the log-in page does not start in the username"
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    assert active(page, "#id_password")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/accounts/login/" not in page.url


def test_a_nurse_logs_in_and_finds_a_patient_with_the_keyboard_only(browser_page, nurse, patient) -> None:
    page = browser_page
    log_in_with_the_keyboard(page, "nurse")
    page.goto("/outcomes/worklist/")
    page.keyboard.press("Tab")
    assert active(page, "a.skip-link"), "the skip link is not the first tab stop"
    page.keyboard.press("Enter")
    assert active(page, "main"), "the skip link does not move focus to the main content"
    page.keyboard.press("Shift+Tab")
    tab_to(page, "nav a[href='/patients/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # autofocus lands once the page has rendered: wait for it rather than read it at once (flaky under load).
    expect(page.locator("input[type=search]")).to_be_focused()
    page.keyboard.type("Lovelace")
    # htmx swaps the rows in; the one polite live region says how many were found.
    expect(page.locator("#announce-polite")).to_have_text("1 patient found")
    tab_to(page, f"a[href='/patients/{patient.pk}/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "Lovelace, Ada"


def test_a_refused_vital_is_read_from_the_error_summary_and_corrected_with_the_keyboard(
    browser_page, nurse, patient
) -> None:
    from ketacare.dosing import services
    from ketacare.dosing.models import VitalSign

    planned = services.plan_session(
        by=nurse,
        patient=patient,
        route="iv-infusion",
        dose_mg=Decimal("32.25"),
        duration_min=Decimal("40"),
        order=signed_order(patient, route="iv-infusion", dose_mg=Decimal("32.25")),
    )
    session = services.start_session(by=nurse, session=planned, **CHECKLIST)
    page = browser_page
    log_in_with_the_keyboard(page, "nurse")
    page.goto(f"/dosing/sessions/{session.pk}/")
    tab_to(page, "[data-testid=vital-form] button[type=submit]")
    page.keyboard.press("Enter")  # sent empty; the one-line form answers in place (htmx)
    page.locator("[data-testid=vital-form] .error-summary").wait_for()
    expect(page).to_have_title(re.compile("^Error: "))

    assert page.title().startswith("Error: ")
    assert active(page, ".error-summary"), "the error summary does not take focus"
    systolic = page.locator("#id_systolic_mmhg")
    assert systolic.get_attribute("aria-invalid") == "true"
    described = systolic.get_attribute("aria-describedby") or ""
    assert "id_systolic_mmhg_error" in described.split()
    assert page.locator("#id_systolic_mmhg_error").inner_text().strip() != ""
    page.keyboard.press("Tab")
    assert active(page, ".error-summary a[href='#id_systolic_mmhg']")
    page.keyboard.press("Enter")
    assert active(page, "#id_systolic_mmhg"), "the summary's link does not move focus to the field"

    for value, next_field in (
        ("128", "#id_diastolic_mmhg"),
        ("82", "#id_heart_rate_per_min"),
        ("76", "#id_spo2_percent"),
        ("98", None),
    ):
        page.keyboard.type(value)
        if next_field:
            tab_to(page, next_field, limit=4)
    page.keyboard.press("Enter")
    page.get_by_test_id("vital-saved").wait_for()
    assert VitalSign.objects.get(session=session).systolic_mmhg == 128
    expect(page).not_to_have_title(re.compile("^Error: "))


def test_a_patient_answers_a_questionnaire_on_a_phone_with_the_keyboard_only(
    browser_page, patient_user, patient, nurse
) -> None:
    from ketacare.outcomes import services
    from ketacare.outcomes.models import QuestionnaireResponse

    services.assign_instrument(by=nurse, patient=patient, instrument_id="phq-9", interval_days=14)
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in_with_the_keyboard(page, "ada")
    page.goto("/outcomes/me/")
    tab_to(page, "a[href='/outcomes/me/answer/phq-9/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    for item, position in enumerate([1, 1, 0, 1, 0, 0, 0, 0, 0], start=1):
        tab_to(page, f"input[name=item_{item}]")  # Tab enters the group at its first option
        page.keyboard.press("Space")
        for _ in range(position):
            page.keyboard.press("ArrowDown")  # arrows move through the group's options and choose
        assert page.locator(f"#id_item_{item}_{position}").is_checked()
    tab_to(page, "form.questionnaire button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    response = QuestionnaireResponse.objects.get(patient=patient)
    assert response.score_total == 3
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_prescriber_acknowledges_an_alert_and_signs_a_session_with_the_keyboard_only(
    browser_page, prescriber, nurse, patient, clinic_admin
) -> None:
    from ketacare.dosing import services as dosing
    from ketacare.outcomes import services as outcomes
    from ketacare.outcomes.models import SafetyAlert
    from ketacare.patients import services as patients

    patients.add_care_team_member(by=clinic_admin, patient=patient, member=prescriber, is_responsible=True)
    outcomes.record_response(
        by=nurse,
        patient=patient,
        instrument_id="phq-9",
        answers=[2, 2, 2, 2, 1, 1, 1, 0, 2],
        answered_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5),
    )
    alert = SafetyAlert.objects.get(patient=patient)
    planned = dosing.plan_session(
        by=nurse,
        patient=patient,
        route="iv-infusion",
        dose_mg=Decimal("32.25"),
        duration_min=Decimal("40"),
        order=signed_order(patient, route="iv-infusion", dose_mg=Decimal("32.25")),
    )
    started = dosing.start_session(by=nurse, session=planned, **CHECKLIST)
    session = dosing.end_session(by=nurse, session=started, discharge_note="Alert, home with partner.")

    page = browser_page
    log_in_with_the_keyboard(page, "prescriber")
    page.goto(f"/outcomes/alerts/{alert.pk}/")
    tab_to(page, "#id_action_taken")
    page.keyboard.type("Called the patient; safety plan reviewed.")
    tab_to(page, "button[type=submit].primary", limit=5)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None and alert.acknowledged_by == prescriber

    page.goto(f"/dosing/sessions/{session.pk}/")
    tab_to(page, f"form[action='/dosing/sessions/{session.pk}/sign/'] input[type=password]")
    page.keyboard.type("correct horse battery")  # signing re-authenticates the prescriber
    tab_to(page, f"form[action='/dosing/sessions/{session.pk}/sign/'] button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    session.refresh_from_db()
    assert session.signed_at is not None and session.signed_by == prescriber
