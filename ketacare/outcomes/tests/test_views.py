"""Outcomes pages: the patient's check-in, the worklist, the patient's outcomes, alerts and entry forms.

Each page: anonymous (to the login page), wrong role (403), other clinic (404), right role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ketacare.outcomes import selectors, services
from ketacare.outcomes.models import (
    DailyReport,
    LabResult,
    QuestionnaireResponse,
    SafetyAlert,
    SubstanceUseDay,
)
from ketacare.plans.testing import signed_order
from ketacare.testing import client_for

from .conftest import PHQ9_ITEM9_POSITIVE, PHQ9_NO_RISK

pytestmark = pytest.mark.django_db


def phq9_form(answers: list[int | None]) -> dict[str, str]:
    return {f"item_{n}": str(a) for n, a in enumerate(answers, start=1) if a is not None}


# --- the patient's check-in ---------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in_from_the_check_in(db) -> None:
    response = client_for(None).get(reverse("outcomes:portal"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_staff_without_a_patient_record_get_404_from_the_check_in(nurse) -> None:
    assert client_for(nurse).get(reverse("outcomes:portal")).status_code == 404


def test_patient_sees_the_questionnaires_due_today(patient_user, patient, nurse) -> None:
    services.assign_instrument(by=nurse, patient=patient, instrument_id="phq-9", interval_days=14)
    page = client_for(patient_user).get(reverse("outcomes:portal"))
    assert page.status_code == 200
    assert "Patient Health Questionnaire-9" in page.content.decode()


def test_patient_daily_check_in_stores_craving_mood_and_use(patient_user, patient) -> None:
    client = client_for(patient_user)
    response = client.post(
        reverse("outcomes:portal"),
        {"craving_0_100": "35", "mood_0_10": "6", "used_substance": "alcohol", "standard_drinks": "2"},
    )
    assert response.status_code == 302
    report = DailyReport.objects.get()
    assert report.mood_0_10 == 6 and report.craving is not None and report.craving.score_total == 35
    use = SubstanceUseDay.objects.get()
    assert use.substance == "alcohol" and use.standard_drinks == 2 and use.recorded_by == patient_user
    assert "Done for today" in client.get(reverse("outcomes:portal")).content.decode()


def test_check_in_with_alcohol_but_no_drinks_says_what_is_missing(patient_user) -> None:
    response = client_for(patient_user).post(
        reverse("outcomes:portal"), {"craving_0_100": "35", "mood_0_10": "6", "used_substance": "alcohol"}
    )
    assert response.status_code == 200
    assert "Say about how many standard drinks." in response.content.decode()
    assert not DailyReport.objects.exists()


def test_patient_answering_item9_sees_crisis_information_at_once(
    patient_user, patient, nurse, responsible
) -> None:
    services.assign_instrument(by=nurse, patient=patient, instrument_id="phq-9")
    response = client_for(patient_user).post(
        reverse("outcomes:portal_answer", args=["phq-9"]), phq9_form(PHQ9_ITEM9_POSITIVE)
    )
    assert response.status_code == 302 and response["Location"] == reverse("outcomes:portal_support")
    page = client_for(patient_user).get(response["Location"])
    assert "emergency" in page.content.decode()
    assert SafetyAlert.objects.get().recipient == responsible


def test_clinic_crisis_text_is_what_the_patient_sees(patient_user, clinic_admin, clinic) -> None:
    services.update_outcome_settings(
        by=clinic_admin,
        clinic=clinic,
        relapse_definition="any-use",
        crisis_information="Call the Test crisis line",
    )
    page = client_for(patient_user).get(reverse("outcomes:portal_support"))
    assert "Call the Test crisis line" in page.content.decode()


def test_patient_keeps_a_half_finished_questionnaire_as_a_draft_and_finishes_it(
    patient_user, patient, nurse
) -> None:
    services.assign_instrument(by=nurse, patient=patient, instrument_id="phq-9")
    client = client_for(patient_user)
    partial = PHQ9_NO_RISK[:4] + [None] * 5
    client.post(reverse("outcomes:portal_answer", args=["phq-9"]), {**phq9_form(partial), "save_draft": "1"})
    draft = QuestionnaireResponse.objects.get()
    assert draft.status == "draft" and draft.score_total is None
    client.post(reverse("outcomes:portal_answer", args=["phq-9"]), {**phq9_form(PHQ9_NO_RISK), "submit": "1"})
    draft.refresh_from_db()
    assert draft.status == "final" and draft.score_total == 3


def test_submitting_an_unfinished_questionnaire_names_the_question(patient_user, patient, nurse) -> None:
    services.assign_instrument(by=nurse, patient=patient, instrument_id="phq-9")
    partial = PHQ9_NO_RISK[:8] + [None]
    page = client_for(patient_user).post(
        reverse("outcomes:portal_answer", args=["phq-9"]), phq9_form(partial)
    )
    assert page.status_code == 200
    assert "Question 9" in page.content.decode() and "save as a draft" in page.content.decode()


def test_answers_to_questions_the_skip_logic_does_not_ask_are_ignored(patient_user, patient, nurse) -> None:
    services.assign_instrument(by=nurse, patient=patient, instrument_id="c-ssrs-screener")
    # C-SSRS: items 3-5 are asked only after "yes" to item 2; the form shows them all.
    form = {
        "item_1": "0",
        "item_2": "0",
        "item_3": "0",
        "item_4": "0",
        "item_5": "0",
        "item_6": "0",
        "item_7": "0",
    }
    response = client_for(patient_user).post(
        reverse("outcomes:portal_answer", args=["c-ssrs-screener"]), form
    )
    assert response.status_code == 302
    assert QuestionnaireResponse.objects.get().answers == [0, 0, None, None, None, 0, None]


def test_patient_cannot_open_a_clinician_rated_scale(patient_user) -> None:
    assert (
        client_for(patient_user).get(reverse("outcomes:portal_answer", args=["ciwa-ar"])).status_code == 404
    )


def test_patient_sees_their_own_trend(patient_user, patient) -> None:
    services.record_response(by=patient_user, patient=patient, instrument_id="phq-9", answers=PHQ9_NO_RISK)
    page = client_for(patient_user).get(reverse("outcomes:portal_trends"))
    assert page.status_code == 200 and "<svg" in page.content.decode()


# --- the worklist -------------------------------------------------------------------------------


def test_worklist_anonymous_patient_outsider_and_nurse(
    nurse, outsider, patient_user, patient, responsible
) -> None:
    services.record_response(by=nurse, patient=patient, instrument_id="phq-9", answers=PHQ9_ITEM9_POSITIVE)
    assert client_for(None).get(reverse("outcomes:worklist")).status_code == 302
    assert client_for(patient_user).get(reverse("outcomes:worklist")).status_code == 403
    assert "Lovelace" not in client_for(outsider).get(reverse("outcomes:worklist")).content.decode()
    page = client_for(nurse).get(reverse("outcomes:worklist")).content.decode()
    assert "Lovelace" in page and "suicide-risk" in page


def test_worklist_shows_worsening_overdue_and_contradicting_tests(nurse, patient) -> None:
    now = timezone.now()
    services.record_response(
        by=nurse,
        patient=patient,
        instrument_id="phq-9",
        answers=PHQ9_NO_RISK,
        answered_at=now - dt.timedelta(days=14),
    )
    services.record_response(
        by=nurse, patient=patient, instrument_id="phq-9", answers=[2, 2, 2, 2, 2, 0, 0, 0, 0]
    )
    services.assign_instrument(
        by=nurse,
        patient=patient,
        instrument_id="pacs",
        interval_days=7,
        starts_on=timezone.localdate() - dt.timedelta(days=2),
    )
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    services.record_substance_use(by=nurse, patient=patient, day=yesterday, substance="cocaine", used=False)
    services.record_lab_result(
        by=nurse,
        patient=patient,
        kind="urine-tox",
        substance="cocaine",
        positive=True,
        collected_at=now - dt.timedelta(days=1),
    )
    page = client_for(nurse).get(reverse("outcomes:worklist")).content.decode()
    today, day_before = timezone.localdate(), yesterday
    assert f'Minimal → <strong>Moderate</strong> <small class="muted">since {today:%-d %b}</small>' in page
    assert "PACS since" in page
    assert f'1 contradicting</span> <small class="muted">since {day_before:%-d %b}</small>' in page

    # The patient's outcomes page says the same, in words, with since when.
    page = client_for(nurse).get(reverse("outcomes:patient", args=[patient.pk])).content.decode()
    attention = page.split('data-testid="attention"')[1].split("</section>")[0]
    assert "PHQ-9 rose from 3 (Minimal) on" in attention
    assert f"to 10 (Moderate) on {today:%d %b %Y}: worse band since {today:%d %b %Y}" in attention
    assert f"1 positive test on days reported without use, since {day_before:%d %b %Y}" in attention
    assert "PACS overdue since" in attention


def test_a_patient_with_nothing_to_attend_to_has_no_attention_section(nurse, patient) -> None:
    services.record_response(by=nurse, patient=patient, instrument_id="phq-9", answers=PHQ9_NO_RISK)
    page = client_for(nurse).get(reverse("outcomes:patient", args=[patient.pk])).content.decode()
    assert 'data-testid="attention"' not in page


# --- a patient's outcomes page ------------------------------------------------------------------


def test_patient_outcomes_page_access(nurse, researcher, outsider, patient_user, patient) -> None:
    url = reverse("outcomes:patient", args=[patient.pk])
    assert client_for(None).get(url).status_code == 302
    assert client_for(researcher).get(url).status_code == 403
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(patient_user).get(url).status_code == 403
    assert client_for(nurse).get(url).status_code == 200


def test_clinician_sees_the_trend_chart_with_severity_bands(nurse, patient) -> None:
    services.record_response(by=nurse, patient=patient, instrument_id="phq-9", answers=PHQ9_NO_RISK)
    page = client_for(nurse).get(reverse("outcomes:patient", args=[patient.pk])).content.decode()
    assert 'data-testid="chart-phq-9"' in page
    assert 'class="band band-0"' in page and "Moderately severe" in page
    assert "style=" not in page.split('data-testid="chart-phq-9"')[1].split("</figure>")[0]  # strict CSP


def test_chart_marks_a_mat_start(nurse, patient) -> None:
    from ketacare.patients import services as patients

    patients.add_medication(
        by=nurse, patient=patient, name="Naltrexone", drug_class="naltrexone", started_on=timezone.localdate()
    )
    services.record_response(by=nurse, patient=patient, instrument_id="phq-9", answers=PHQ9_NO_RISK)
    page = client_for(nurse).get(reverse("outcomes:patient", args=[patient.pk])).content.decode()
    assert "marker-mat" in page and "Naltrexone started" in page


def test_chart_marks_each_ketamine_session_that_started_but_not_one_only_planned(nurse, patient) -> None:
    from decimal import Decimal

    from ketacare.dosing import services as dosing

    given = dosing.plan_session(
        by=nurse, patient=patient, route="iv-infusion", dose_mg=Decimal("32.25"), order=signed_order(patient)
    )
    dosing.start_session(
        by=nurse,
        session=given,
        consent_confirmed=True,
        fasting_confirmed=True,
        escort_confirmed=True,
        identity_identifiers=["full_name", "date_of_birth"],
    )
    dosing.plan_session(
        by=nurse,
        patient=patient,
        route="oral",
        dose_mg=Decimal("50"),
        order=signed_order(patient, "oral", "50"),
    )
    services.record_response(by=nurse, patient=patient, instrument_id="phq-9", answers=PHQ9_NO_RISK)
    page = client_for(nurse).get(reverse("outcomes:patient", args=[patient.pk])).content.decode()
    assert page.count("marker-session") == 1
    assert "Ketamine session" in page and "IV infusion, 32.25 mg" in page


# --- entry forms --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "allowed", "refused"),
    [
        ("assign", "therapist", "clinic_admin"),
        ("use_day_new", "therapist", "clinic_admin"),
        ("lab_result_new", "nurse", "therapist"),
    ],
)
def test_entry_forms_access(name, allowed, refused, personas, patient) -> None:
    url = reverse(f"outcomes:{name}", args=[patient.pk])
    assert client_for(None).get(url).status_code == 302
    assert client_for(personas[refused]).get(url).status_code == 403
    assert client_for(personas["outsider"]).get(url).status_code == 404
    assert client_for(personas[allowed]).get(url).status_code == 200


def test_nurse_enters_ciwa_ar_from_the_page(nurse, patient) -> None:
    url = reverse("outcomes:staff_answer", args=[patient.pk, "ciwa-ar"])
    response = client_for(nurse).post(url, {f"item_{n}": "1" for n in range(1, 11)})
    assert response.status_code == 302
    assert QuestionnaireResponse.objects.get().score_total == 10


def test_staff_answer_access(therapist, outsider, nurse, patient) -> None:
    url = reverse("outcomes:staff_answer", args=[patient.pk, "ciwa-ar"])
    assert client_for(None).get(url).status_code == 302
    assert client_for(therapist).get(url).status_code == 403
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(nurse).get(url).status_code == 200


def test_nurse_records_a_positive_etg_from_the_page(nurse, patient) -> None:
    url = reverse("outcomes:lab_result_new", args=[patient.pk])
    collected = (timezone.localtime() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client_for(nurse).post(
        url, {"kind": "urine-etg", "substance": "alcohol", "positive": "true", "collected_at": collected}
    )
    assert response.status_code == 302
    assert LabResult.objects.get().positive is True


def test_assign_form_offers_no_instrument_needing_permission(therapist, patient) -> None:
    page = client_for(therapist).get(reverse("outcomes:assign", args=[patient.pk])).content.decode()
    assert 'value="phq-9"' in page and 'value="cows"' not in page and 'value="cadss-6"' not in page


# --- alerts -------------------------------------------------------------------------------------


def test_alert_page_access_and_acknowledgement(
    nurse, researcher, outsider, clinic_admin, patient, responsible
) -> None:
    services.record_response(by=nurse, patient=patient, instrument_id="phq-9", answers=PHQ9_ITEM9_POSITIVE)
    alert = SafetyAlert.objects.get()
    url = reverse("outcomes:alert", args=[alert.pk])
    assert client_for(None).get(url).status_code == 302
    assert client_for(researcher).get(url).status_code == 403
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(clinic_admin).post(url, {"action_taken": "noted"}).status_code == 403
    page = client_for(responsible).get(url)
    assert page.status_code == 200 and "Several days" in page.content.decode()
    response = client_for(responsible).post(url, {"action_taken": "Phoned the patient, safety plan reviewed"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == responsible


# --- clinic settings and more charts ------------------------------------------------------------


def test_settings_page_is_for_clinic_administrators(clinic_admin, nurse, patient_user, db) -> None:
    url = reverse("outcomes:settings")
    assert client_for(None).get(url).status_code == 302
    assert client_for(nurse).get(url).status_code == 403
    assert client_for(patient_user).get(url).status_code == 403
    assert client_for(clinic_admin).get(url).status_code == 200


def test_outsider_administrator_changes_only_their_own_clinic(other_clinic, clinic, db) -> None:
    from conftest import make_staff
    from ketacare.outcomes.models import ClinicOutcomeSettings

    admin = make_staff("otheradmin", other_clinic, "clinic_admin")
    client_for(admin).post(
        reverse("outcomes:settings"), {"form": "settings", "relapse_definition": "first-heavy-day"}
    )
    assert ClinicOutcomeSettings.objects.get().clinic == other_clinic


def test_administrator_records_a_permission_and_the_instrument_is_offered(
    clinic_admin, nurse, patient
) -> None:
    response = client_for(clinic_admin).post(
        reverse("outcomes:settings"),
        {"form": "permission", "instrument": "cows", "granted_by": "Rights holder", "reference": "Letter 7"},
    )
    assert response.status_code == 302
    assert selectors.instrument_available(patient.clinic, services.instrument_or_error("cows"))


def test_regular_use_without_days_is_refused_on_the_settings_page(clinic_admin) -> None:
    page = client_for(clinic_admin).post(
        reverse("outcomes:settings"), {"form": "settings", "relapse_definition": "regular-use"}
    )
    assert page.status_code == 200
    assert "consecutive days of use count as regular use" in page.content.decode()


def test_mood_and_days_of_use_are_charted(patient_user, patient, nurse) -> None:
    services.record_daily_report(by=patient_user, patient=patient, mood_0_10=7, craving_0_100=20)
    services.record_substance_use(
        by=nurse, patient=patient, day=timezone.localdate(), substance="cocaine", used=True
    )
    page = client_for(nurse).get(reverse("outcomes:patient", args=[patient.pk])).content.decode()
    assert 'data-testid="chart-mood"' in page and 'data-testid="chart-use-days"' in page
    assert "use on 1 of 1 days reported" in page


# --- corrections from the page ------------------------------------------------------------------


def test_nurse_corrects_a_phq9_and_the_earlier_one_is_kept(nurse, patient) -> None:
    first = services.record_response(
        by=nurse, patient=patient, instrument_id="phq-9", answers=PHQ9_NO_RISK
    ).response
    url = reverse("outcomes:correct_response", args=[patient.pk, first.pk])
    page = client_for(nurse).get(url)
    assert page.status_code == 200 and 'id="id_item_1_1" checked' in page.content.decode()
    response = client_for(nurse).post(url, {**phq9_form([3, 3, 3, 3, 0, 0, 0, 0, 0]), "reason": "Wrong form"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.entered_in_error and first.error_reason == "Wrong form"
    assert first.replaced_by.score_total == 12


def test_correction_page_access(therapist, researcher, outsider, nurse, patient) -> None:
    rated = services.record_response(
        by=nurse, patient=patient, instrument_id="ciwa-ar", answers=[0] * 10
    ).response
    url = reverse("outcomes:correct_response", args=[patient.pk, rated.pk])
    assert client_for(None).get(url).status_code == 302
    assert client_for(researcher).get(url).status_code == 403
    assert client_for(therapist).get(url).status_code == 403  # CIWA-Ar is clinician-rated
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(nurse).get(url).status_code == 200


def test_a_test_result_is_marked_entered_in_error_and_stays(nurse, therapist, outsider, patient) -> None:
    result = services.record_lab_result(
        by=nurse,
        patient=patient,
        kind="urine-tox",
        substance="cocaine",
        positive=True,
        collected_at=timezone.now(),
    )
    url = reverse("outcomes:entry_error", args=[patient.pk, "test", result.pk])
    assert client_for(None).get(url).status_code == 302
    assert client_for(therapist).get(url).status_code == 403
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(nurse).post(url, {"reason": "Another patient's sample"}).status_code == 302
    result.refresh_from_db()
    assert result.entered_in_error and result.error_reason == "Another patient's sample"
