"""Journeys in Debian's Chromium: a patient checks in on a phone; a clinician sees the trend and alert."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ketacare.outcomes import selectors, services
from ketacare.outcomes.models import DailyReport, SafetyAlert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def log_in(page, username: str, next_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", "correct horse battery")
    page.click("button:has-text('Log in')")


def fits_the_screen(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_patient_completes_a_check_in_and_a_phq9_on_a_phone(
    browser_page, patient_user, patient, nurse, responsible
) -> None:
    services.assign_instrument(by=nurse, patient=patient, instrument_id="phq-9", interval_days=14)
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in(page, "ada", "/outcomes/me/")
    page.wait_for_selector("text=Today's check-in")
    assert fits_the_screen(page)
    page.fill("#id_craving_0_100", "40")
    page.fill("#id_mood_0_10", "6")
    page.select_option("#id_used_substance", "")
    page.click("button:has-text('Save my check-in')")
    page.wait_for_selector("[data-testid=checked-in]")
    report = DailyReport.objects.get()
    assert report.mood_0_10 == 6 and report.craving.score_total == 40

    page.click("text=Patient Health Questionnaire-9")
    page.wait_for_selector("form.questionnaire")
    assert fits_the_screen(page)
    for item, position in enumerate([1, 1, 0, 1, 0, 0, 0, 0, 1], start=1):
        page.check(f"#id_item_{item}_{position}")
    page.click("button:has-text('Submit')")
    crisis = page.wait_for_selector("[data-testid=crisis]")
    assert "emergency" in crisis.inner_text()
    assert SafetyAlert.objects.get().recipient == responsible


def test_clinician_sees_the_trend_and_acknowledges_the_alert(
    browser_page, prescriber, nurse, patient, responsible
) -> None:
    now = timezone.now()
    for weeks_ago, answers in (
        (6, [3, 3, 2, 2, 2, 1, 1, 1, 0]),
        (4, [2, 2, 2, 1, 1, 1, 1, 0, 0]),
        (2, [1, 1, 1, 1, 1, 0, 0, 0, 0]),
    ):
        services.record_response(
            by=nurse,
            patient=patient,
            instrument_id="phq-9",
            answers=answers,
            answered_at=now - dt.timedelta(weeks=weeks_ago),
        )
    services.record_response(
        by=nurse, patient=patient, instrument_id="phq-9", answers=[2, 2, 2, 2, 1, 1, 1, 0, 2]
    )
    page = browser_page
    log_in(page, "prescriber", "/outcomes/worklist/")
    worklist = page.wait_for_selector("[data-testid=worklist]")
    assert "Lovelace" in worklist.inner_text() and "suicide-risk" in worklist.inner_text()
    page.click("text=Urgent: suicide-risk")
    alert = page.wait_for_selector("[data-testid=alert]")
    assert "item 9" in alert.inner_text()
    page.fill("#id_action_taken", "Phoned Ada; safety plan reviewed; seen today")
    page.click("button:has-text('Acknowledge')")
    page.wait_for_selector("text=Alert acknowledged.")
    assert SafetyAlert.objects.get().acknowledged_by == prescriber

    page.goto(f"/outcomes/patients/{patient.pk}/")
    chart = page.wait_for_selector("[data-testid=chart-phq-9] svg")
    assert chart.is_visible()
    assert page.locator("[data-testid=chart-phq-9] path.point").count() == 4
    assert page.locator("[data-testid=chart-phq-9] rect.band").count() == 5


def test_nurse_marks_a_daily_check_in_entered_in_error_from_the_outcomes_page(
    browser_page, nurse, patient_user, patient
) -> None:
    services.record_daily_report(by=patient_user, patient=patient, mood_0_10=2, craving_0_100=90)
    page = browser_page
    log_in(page, "nurse", f"/outcomes/patients/{patient.pk}/")
    reports = page.wait_for_selector("[data-testid=daily-reports]")
    assert page.locator("[data-testid=chart-mood] svg.plot").count() == 1
    reports.query_selector("a:has-text('Entered in error')").click()  # type: ignore[union-attr]
    page.wait_for_selector("text=leave the trends")
    page.fill("#id_reason", "Entered on the wrong patient")
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Marked as entered in error.")
    row = page.wait_for_selector("[data-testid=daily-reports] tr.in-error")
    assert "Entered on the wrong patient" in row.inner_text()
    assert page.locator("[data-testid=chart-mood]").count() == 0
    assert DailyReport.objects.get().entered_in_error


def test_administrator_withdraws_an_instrument_permission_from_the_settings_page(
    browser_page, clinic_admin, clinic
) -> None:
    services.record_instrument_permission(
        by=clinic_admin, clinic=clinic, instrument_id="cows", granted_by="Rights holder", reference="Letter 7"
    )
    page = browser_page
    log_in(page, "clinicadmin", "/outcomes/settings/")
    page.wait_for_selector("[data-testid=permissions]")
    page.click("[data-testid=permissions] a:has-text('Withdraw')")
    page.wait_for_selector("h1:has-text('Withdraw the permission for COWS')")
    page.click("button:has-text('Withdraw the permission')")  # no reason: refused, nothing changes
    page.wait_for_selector("text=This field is required.")
    page.fill("#id_reason", "The licence ended")
    page.click("button:has-text('Withdraw the permission')")
    page.wait_for_selector("text=Permission withdrawn: COWS is no longer offered.")
    row = page.wait_for_selector("[data-testid=permissions] tr.in-error")
    assert "The licence ended" in row.inner_text()
    assert not selectors.instrument_available(clinic, services.instrument_or_error("cows"))
