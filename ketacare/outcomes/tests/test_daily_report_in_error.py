"""Staff mark a patient's daily check-in (mood and craving) entered in error: it stays on the record,
struck through with the reason, and stops counting in the trends. The patient cannot withdraw it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from ketacare.audit.models import AuditEvent
from ketacare.outcomes import selectors, services
from ketacare.outcomes.models import DailyReport, QuestionnaireResponse
from ketacare.testing import client_for

pytestmark = pytest.mark.django_db


def check_in(patient_user, patient, *, mood: int, craving: int, days_ago: int = 0) -> DailyReport:  # type: ignore[no-untyped-def]
    report, _ = services.record_daily_report(
        by=patient_user,
        patient=patient,
        mood_0_10=mood,
        craving_0_100=craving,
        day=timezone.localdate() - dt.timedelta(days=days_ago),
    )
    return report


def error_url(patient, report: DailyReport) -> str:  # type: ignore[no-untyped-def]
    return reverse("outcomes:entry_error", args=[patient.pk, "daily-report", report.pk])


# --- the page -----------------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in_from_the_daily_report_error_page(patient_user, patient) -> None:
    report = check_in(patient_user, patient, mood=5, craving=20)
    response = client_for(None).get(error_url(patient, report))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ["clinic_admin", "researcher", "patient"])
def test_roles_that_do_not_record_responses_get_403_from_the_daily_report_error_page(
    role, personas, patient
) -> None:
    report = check_in(personas["patient"], patient, mood=5, craving=20)
    assert client_for(personas[role]).get(error_url(patient, report)).status_code == 403


def test_staff_of_another_clinic_get_404_from_the_daily_report_error_page(
    outsider, patient_user, patient
) -> None:
    report = check_in(patient_user, patient, mood=5, craving=20)
    assert client_for(outsider).get(error_url(patient, report)).status_code == 404


def test_a_report_of_another_patient_answers_404(nurse, patient_user, patient, other_patient) -> None:
    report = check_in(patient_user, patient, mood=5, craving=20)
    url = reverse("outcomes:entry_error", args=[other_patient.pk, "daily-report", report.pk])
    assert client_for(nurse).get(url).status_code == 404


@pytest.mark.parametrize("role", ["prescriber", "nurse", "therapist"])
def test_clinicians_open_the_daily_report_error_page(role, personas, patient) -> None:
    report = check_in(personas["patient"], patient, mood=5, craving=20)
    page = client_for(personas[role]).get(error_url(patient, report))
    assert page.status_code == 200
    text = page.content.decode()
    assert f"Daily check-in of {report.day:%Y-%m-%d}" in text and "leave the trends" in text


def test_outcomes_page_lists_check_ins_with_a_link_to_mark_one_in_error(nurse, patient_user, patient) -> None:
    report = check_in(patient_user, patient, mood=5, craving=20)
    page = client_for(nurse).get(reverse("outcomes:patient", args=[patient.pk])).content.decode()
    assert 'data-testid="daily-reports"' in page and error_url(patient, report) in page


def test_outcomes_page_offers_no_link_to_a_role_that_may_not_withdraw(
    clinic_admin, patient_user, patient
) -> None:
    report = check_in(patient_user, patient, mood=5, craving=20)
    page = client_for(clinic_admin).get(reverse("outcomes:patient", args=[patient.pk])).content.decode()
    assert f"{report.day:%Y-%m-%d}" in page and error_url(patient, report) not in page


# --- marking it ---------------------------------------------------------------------------------


def test_nurse_marks_a_check_in_in_error_and_it_stays_visible_with_the_reason(
    nurse, patient_user, patient
) -> None:
    report = check_in(patient_user, patient, mood=5, craving=20)
    response = client_for(nurse).post(error_url(patient, report), {"reason": "Entered on the wrong patient"})
    assert response.status_code == 302
    assert response["Location"] == reverse("outcomes:patient", args=[patient.pk])
    report.refresh_from_db()
    assert report.entered_in_error and report.error_reason == "Entered on the wrong patient"
    assert DailyReport.objects.count() == 1  # nothing deleted
    page = client_for(nurse).get(reverse("outcomes:patient", args=[patient.pk])).content.decode()
    row = page.split('data-testid="daily-reports"')[1].split("</table>")[0]
    assert 'class="in-error"' in row and "Entered in error: Entered on the wrong patient" in row
    assert error_url(patient, report) not in row  # already withdrawn: no second link


def test_the_check_in_craving_rating_is_withdrawn_with_it(nurse, patient_user, patient) -> None:
    report = check_in(patient_user, patient, mood=5, craving=20)
    services.mark_entry_entered_in_error(by=nurse, entry=report, reason="Wrong patient")
    assert report.craving is not None
    report.craving.refresh_from_db()
    assert report.craving.entered_in_error
    assert (
        report.craving.error_reason
        == f"Daily check-in of {report.day:%Y-%m-%d} entered in error: Wrong patient"
    )


def test_an_empty_reason_is_refused_and_nothing_changes(nurse, patient_user, patient) -> None:
    report = check_in(patient_user, patient, mood=5, craving=20)
    page = client_for(nurse).post(error_url(patient, report), {"reason": "   "})
    assert page.status_code == 200 and "This field is required." in page.content.decode()
    report.refresh_from_db()
    assert not report.entered_in_error


def test_a_refused_reason_keeps_what_was_typed(nurse, patient_user, patient) -> None:
    report = check_in(patient_user, patient, mood=5, craving=20)
    too_long = "Typed by the wrong nurse " * 13  # 325 characters, more than the 300 kept
    page = client_for(nurse).post(error_url(patient, report), {"reason": too_long}).content.decode()
    assert "at most 300 characters" in page and too_long.strip() in page
    report.refresh_from_db()
    assert not report.entered_in_error


def test_the_service_refuses_an_empty_reason_with_a_message(nurse, patient_user, patient) -> None:
    from django.core.exceptions import ValidationError

    report = check_in(patient_user, patient, mood=5, craving=20)
    with pytest.raises(ValidationError) as info:
        services.mark_entry_entered_in_error(by=nurse, entry=report, reason=" ")
    assert info.value.message_dict == {"reason": ["Say why this entry is wrong."]}


def test_a_patient_cannot_withdraw_their_own_check_in(patient_user, patient) -> None:
    report = check_in(patient_user, patient, mood=5, craving=20)
    with pytest.raises(PermissionDenied, match="Tell your care team if something you reported is wrong."):
        services.mark_entry_entered_in_error(by=patient_user, entry=report, reason="I was wrong")
    report.refresh_from_db()
    assert not report.entered_in_error


def test_a_clinic_administrator_cannot_withdraw_a_check_in(clinic_admin, patient_user, patient) -> None:
    report = check_in(patient_user, patient, mood=5, craving=20)
    with pytest.raises(PermissionDenied):
        services.mark_entry_entered_in_error(by=clinic_admin, entry=report, reason="Tidy up")


def test_withdrawing_a_check_in_is_audited_for_the_report_and_its_craving_rating(
    nurse, patient_user, patient
) -> None:
    report = check_in(patient_user, patient, mood=5, craving=20)
    client_for(nurse).post(error_url(patient, report), {"reason": "Wrong patient"})
    events = AuditEvent.objects.filter(actor=nurse, action="entered-in-error", patient_id=patient.pk)
    by_type = {e.entity_type: e for e in events}
    assert by_type["outcomes.dailyreport"].entity_id == str(report.pk)
    assert by_type["outcomes.dailyreport"].detail == {"reason": "Wrong patient"}
    assert by_type["outcomes.questionnaireresponse"].entity_id == str(report.craving_id)


def test_a_refused_withdrawal_leaves_no_write_event(clinic_admin, patient_user, patient) -> None:
    report = check_in(patient_user, patient, mood=5, craving=20)
    client_for(clinic_admin).post(error_url(patient, report), {"reason": "Tidy up"})
    assert not AuditEvent.objects.filter(action="entered-in-error").exists()


# --- trends and charts stop counting it ---------------------------------------------------------


def test_a_withdrawn_check_in_leaves_the_mood_and_craving_trends(nurse, patient_user, patient) -> None:
    wrong = check_in(patient_user, patient, mood=2, craving=90, days_ago=1)
    right = check_in(patient_user, patient, mood=8, craving=10)
    services.mark_entry_entered_in_error(by=nurse, entry=wrong, reason="Wrong patient")
    assert selectors.mood_series(patient) == [(right.day, 8)]
    assert [p.total for p in selectors.trend(patient, "craving-vas")] == [10]


def test_a_withdrawn_check_in_is_not_drawn_on_the_charts(nurse, patient_user, patient) -> None:
    wrong = check_in(patient_user, patient, mood=2, craving=90, days_ago=1)
    right = check_in(patient_user, patient, mood=8, craving=10)
    services.mark_entry_entered_in_error(by=nurse, entry=wrong, reason="Wrong patient")
    for user, url in (
        (nurse, reverse("outcomes:patient", args=[patient.pk])),
        (patient_user, reverse("outcomes:portal_trends")),
    ):
        page = client_for(user).get(url).content.decode()
        mood_chart = page.split('data-testid="chart-mood"')[1].split("</figure>")[0]
        assert f"{right.day:%d %b %Y}: mood 8/10" in mood_chart
        assert "mood 2/10" not in mood_chart
        craving_chart = page.split('data-testid="chart-craving-vas"')[1].split("</figure>")[0]
        assert craving_chart.count('class="point"') == 1 and ": 90" not in craving_chart


def test_the_only_check_in_withdrawn_leaves_no_mood_or_craving_chart(nurse, patient_user, patient) -> None:
    report = check_in(patient_user, patient, mood=2, craving=90)
    services.mark_entry_entered_in_error(by=nurse, entry=report, reason="Wrong patient")
    page = client_for(nurse).get(reverse("outcomes:patient", args=[patient.pk])).content.decode()
    assert 'data-testid="chart-mood"' not in page and 'data-testid="chart-craving-vas"' not in page


def test_withdrawing_a_check_in_also_withdraws_a_correction_of_its_craving(
    nurse, patient_user, patient
) -> None:
    report = check_in(patient_user, patient, mood=5, craving=20)
    assert report.craving is not None
    corrected = services.correct_response(
        by=nurse, response=report.craving, answers=[30], reason="Patient meant 30"
    ).response
    services.mark_entry_entered_in_error(by=nurse, entry=report, reason="Wrong patient")
    corrected.refresh_from_db()
    assert corrected.entered_in_error
    assert selectors.trend(patient, "craving-vas") == []
    assert QuestionnaireResponse.objects.filter(instrument_id="craving-vas").count() == 2  # both kept


def test_after_a_withdrawal_the_patient_can_check_in_again_that_day(nurse, patient_user, patient) -> None:
    report = check_in(patient_user, patient, mood=5, craving=20)
    services.mark_entry_entered_in_error(by=nurse, entry=report, reason="Wrong patient")
    again = check_in(patient_user, patient, mood=6, craving=15)
    assert again.day == report.day
    assert selectors.mood_series(patient) == [(again.day, 6)]
