"""/api/v1/patients/{id}/responses and /api/v1/instruments: scoring, drafts, corrections, access."""

from __future__ import annotations

import pytest
from django.core import mail

from ketacare.audit.models import AuditEvent
from ketacare.outcomes.models import InstrumentPermission, QuestionnaireResponse, SafetyAlert

from .conftest import PHQ9_ITEM9_POSITIVE, PHQ9_NO_RISK

pytestmark = pytest.mark.django_db


def test_nurse_posts_phq9_and_gets_the_scored_response_with_band_and_no_flags(api, nurse, patient) -> None:
    status, body = api(nurse).post(
        f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": PHQ9_NO_RISK}
    )
    assert status == 201, body
    assert body["status"] == "final"
    assert body["score_total"] == 3
    assert body["band"] == "Minimal"
    assert body["flags"] == []
    assert body["result"]["item_scores"] == PHQ9_NO_RISK
    stored = QuestionnaireResponse.objects.get(pk=body["id"])
    assert stored.answers == PHQ9_NO_RISK and stored.recorded_by == nurse


def test_response_write_is_audited_with_its_instrument_and_never_its_total(api, nurse, patient) -> None:
    _, body = api(nurse).post(
        f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": PHQ9_NO_RISK}
    )
    event = AuditEvent.objects.filter(
        entity_type="outcomes.questionnaireresponse", entity_id=str(body["id"])
    ).get()
    assert event.action == "create" and event.actor == nurse and event.patient_id == patient.pk
    assert event.detail["instrument"] == "phq-9" and "total" not in event.detail  # the row keeps it


def test_incomplete_answers_are_refused_with_400_naming_the_missing_item(api, nurse, patient) -> None:
    answers = [0, 1, 0, 0, 0, 0, 0, 0, None]
    status, body = api(nurse).post(
        f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": answers}
    )
    assert status == 400
    assert body["errors"][0]["field"] == "answers.9"
    assert "Question 9" in body["errors"][0]["message"] and "no answer" in body["errors"][0]["message"]
    assert not QuestionnaireResponse.objects.exists()


def test_impossible_answer_is_refused_naming_the_item_and_the_allowed_positions(api, nurse, patient) -> None:
    answers = [0, 7, 0, 0, 0, 0, 0, 0, 0]
    status, body = api(nurse).post(
        f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": answers}
    )
    assert status == 400
    assert body["errors"] == [{"field": "answers.2", "message": body["errors"][0]["message"]}]
    assert "outside 0-3" in body["errors"][0]["message"]


def test_wrong_number_of_answers_says_how_many_questions_there_are(api, nurse, patient) -> None:
    status, body = api(nurse).post(
        f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": [0, 1]}
    )
    assert status == 400
    assert body["errors"][0]["message"] == "PHQ-9 has 9 questions; 2 answers were sent."


def test_unknown_instrument_is_refused_with_its_name(api, nurse, patient) -> None:
    status, body = api(nurse).post(
        f"patients/{patient.pk}/responses", {"instrument": "phq-99", "answers": [0]}
    )
    assert status == 400
    assert body["errors"] == [{"field": "instrument", "message": "There is no instrument 'phq-99'."}]


def test_non_integer_answer_is_a_422_naming_the_position(api, nurse, patient) -> None:
    status, body = api(nurse).post(
        f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": [0, "2", 0, 0, 0, 0, 0, 0, 0]}
    )
    assert status == 422
    assert body["errors"][0]["field"].endswith("answers.1")


def test_incomplete_draft_is_stored_and_never_scored(api, nurse, patient) -> None:
    answers = [0, 1, None, None, None, None, None, None, None]
    status, body = api(nurse).post(
        f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": answers, "draft": True}
    )
    assert status == 201
    assert (
        body["status"] == "draft"
        and body["score_total"] is None
        and body["band"] is None
        and body["result"] == {}
    )
    assert body["answers"] == answers


def test_draft_with_an_impossible_answer_is_still_refused(api, nurse, patient) -> None:
    answers = [0, 9, None, None, None, None, None, None, None]
    status, body = api(nurse).post(
        f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": answers, "draft": True}
    )
    assert status == 400 and body["errors"][0]["field"] == "answers.2"


def test_submitting_a_completed_draft_scores_it_and_history_keeps_the_draft(api, nurse, patient) -> None:
    caller = api(nurse)
    _, draft = caller.post(
        f"patients/{patient.pk}/responses",
        {"instrument": "phq-9", "answers": [1, 1, None, None, None, None, None, None, None], "draft": True},
    )
    status, body = caller.patch(
        f"patients/{patient.pk}/responses/{draft['id']}", {"answers": PHQ9_NO_RISK, "draft": False}
    )
    assert status == 200, body
    assert body["id"] == draft["id"] and body["status"] == "final" and body["score_total"] == 3
    versions = QuestionnaireResponse.objects.get(pk=draft["id"]).history.order_by("history_id")
    assert [v.status for v in versions] == ["draft", "final"]


def test_submitting_an_incomplete_draft_names_the_missing_items_and_keeps_the_draft(
    api, nurse, patient
) -> None:
    caller = api(nurse)
    partial = [1, 1, None, None, None, None, None, None, None]
    _, draft = caller.post(
        f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": partial, "draft": True}
    )
    status, body = caller.patch(
        f"patients/{patient.pk}/responses/{draft['id']}", {"answers": partial, "draft": False}
    )
    assert status == 400
    assert [e["field"] for e in body["errors"]] == [f"answers.{n}" for n in range(3, 10)]
    assert QuestionnaireResponse.objects.get(pk=draft["id"]).status == "draft"


def test_a_final_response_cannot_be_edited_as_a_draft(api, nurse, patient) -> None:
    caller = api(nurse)
    _, final = caller.post(
        f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": PHQ9_NO_RISK}
    )
    status, body = caller.patch(
        f"patients/{patient.pk}/responses/{final['id']}", {"answers": PHQ9_NO_RISK, "draft": True}
    )
    assert status == 400 and "correct" in body["errors"][0]["message"]


def test_correction_keeps_the_earlier_version_marked_entered_in_error(api, nurse, patient) -> None:
    caller = api(nurse)
    _, first = caller.post(
        f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": PHQ9_NO_RISK}
    )
    corrected_answers = [3, 3, 3, 3, 0, 0, 0, 0, 0]
    status, body = caller.post(
        f"patients/{patient.pk}/responses/{first['id']}/correction",
        {"answers": corrected_answers, "reason": "Entered from the wrong paper form"},
    )
    assert status == 201, body
    assert body["replaces"] == first["id"] and body["score_total"] == 12 and body["band"] == "Moderate"
    _, page = caller.get(f"patients/{patient.pk}/responses")
    listed = page["items"]
    by_id = {r["id"]: r for r in listed}
    assert by_id[first["id"]]["entered_in_error"] is True
    assert by_id[first["id"]]["error_reason"] == "Entered from the wrong paper form"
    assert by_id[first["id"]]["replaced_by"] == body["id"]
    assert by_id[first["id"]]["answers"] == PHQ9_NO_RISK


def test_correction_needs_a_reason(api, nurse, patient) -> None:
    caller = api(nurse)
    _, first = caller.post(
        f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": PHQ9_NO_RISK}
    )
    status, _ = caller.post(
        f"patients/{patient.pk}/responses/{first['id']}/correction", {"answers": PHQ9_NO_RISK, "reason": ""}
    )
    assert status == 422


def test_list_filters_by_instrument_and_can_leave_out_drafts(api, nurse, patient) -> None:
    caller = api(nurse)
    caller.post(f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": PHQ9_NO_RISK})
    caller.post(
        f"patients/{patient.pk}/responses", {"instrument": "gad-7", "answers": [None] * 7, "draft": True}
    )
    caller.post(f"patients/{patient.pk}/responses", {"instrument": "craving-vas", "answers": [40]})
    only_phq = caller.get(f"patients/{patient.pk}/responses", instrument="phq-9")[1]["items"]
    assert [r["instrument"] for r in only_phq] == ["phq-9"]
    no_drafts = caller.get(f"patients/{patient.pk}/responses", include_drafts="false")[1]["items"]
    assert sorted(r["instrument"] for r in no_drafts) == ["craving-vas", "phq-9"]


def test_c_ssrs_skipped_items_are_null_and_answering_one_is_refused(api, nurse, patient) -> None:
    caller = api(nurse)
    status, body = caller.post(
        f"patients/{patient.pk}/responses",
        {"instrument": "c-ssrs-screener", "answers": [0, 0, None, None, None, 0, None]},
    )
    assert status == 201 and body["band"] == "No risk identified"
    status, body = caller.post(
        f"patients/{patient.pk}/responses",
        {"instrument": "c-ssrs-screener", "answers": [0, 0, 1, None, None, 0, None]},
    )
    assert status == 400 and body["errors"][0]["field"] == "answers.3"
    assert "skipped" in body["errors"][0]["message"]


def test_audit_c_is_scored_with_the_patients_sex(api, nurse, patient) -> None:
    # The fixture patient is female: the women's cut-off (3) applies.
    status, body = api(nurse).post(
        f"patients/{patient.pk}/responses", {"instrument": "audit-c", "answers": [1, 1, 1]}
    )
    assert status == 201
    assert body["result"]["sex"] == "female"
    assert "alcohol-screen-positive" in [f["code"] for f in body["flags"]]


# --- licence gate -------------------------------------------------------------------------------


def test_instrument_needing_permission_is_refused_until_the_clinic_records_it(
    api, nurse, clinic_admin, patient
) -> None:
    from ketacare.outcomes import services

    cows_answers = [0] * 11
    status, body = api(nurse).post(
        f"patients/{patient.pk}/responses", {"instrument": "cows", "answers": cows_answers}
    )
    assert status == 400 and "permission" in body["errors"][0]["message"]
    services.record_instrument_permission(
        by=clinic_admin,
        clinic=patient.clinic,
        instrument_id="cows",
        granted_by="Rights holder",
        reference="Letter 2026-01",
    )
    status, body = api(nurse).post(
        f"patients/{patient.pk}/responses", {"instrument": "cows", "answers": cows_answers}
    )
    assert status == 201, body


def test_instruments_list_says_which_are_offered_to_your_clinic(api, nurse, clinic_admin, clinic) -> None:
    from ketacare.outcomes import services

    listed = api(nurse).get("instruments")[1]["items"]
    offered = {i["id"]: i["offered"] for i in listed}
    assert offered["phq-9"] is True and offered["cows"] is False and offered["cadss-6"] is False
    services.record_instrument_permission(
        by=clinic_admin, clinic=clinic, instrument_id="cows", granted_by="Rights holder", reference="Email 12"
    )
    listed = api(nurse).get("instruments")[1]["items"]
    assert {i["id"]: i["offered"] for i in listed}["cows"] is True


def test_only_a_clinic_administrator_records_an_instrument_permission(nurse, clinic) -> None:
    from django.core.exceptions import PermissionDenied

    from ketacare.outcomes import services

    with pytest.raises(PermissionDenied):
        services.record_instrument_permission(
            by=nurse, clinic=clinic, instrument_id="cows", granted_by="x", reference="y"
        )
    assert not InstrumentPermission.objects.exists()


def test_instrument_definition_lists_options_in_display_order(api, nurse) -> None:
    status, body = api(nurse).get("instruments/phq-9")
    assert status == 200
    assert [o["position"] for o in body["items"][0]["options"]] == [0, 1, 2, 3]
    assert body["offered"] is True


def test_unknown_instrument_definition_is_404(api, nurse) -> None:
    status, _ = api(nurse).get("instruments/nope")
    assert status == 404


def test_instruments_need_authentication(api, db) -> None:
    status, body = api(None).get("instruments")
    assert status == 401 and body["detail"].startswith("Authentication required")


# --- clinician-rated scales ---------------------------------------------------------------------


def test_therapist_may_not_enter_a_clinician_rated_scale(api, therapist, patient) -> None:
    status, _ = api(therapist).post(
        f"patients/{patient.pk}/responses", {"instrument": "ciwa-ar", "answers": [0] * 10}
    )
    assert status == 403


def test_nurse_enters_ciwa_ar(api, nurse, patient) -> None:
    status, body = api(nurse).post(
        f"patients/{patient.pk}/responses", {"instrument": "ciwa-ar", "answers": [1] * 10}
    )
    assert status == 201 and body["score_total"] == 10


def test_patient_may_not_enter_a_clinician_rated_scale(api, patient_user, patient) -> None:
    status, _ = api(patient_user).post(
        f"patients/{patient.pk}/responses", {"instrument": "ciwa-ar", "answers": [0] * 10}
    )
    assert status == 403


# --- access: anonymous, wrong role, other clinic, right role, the patient -----------------------


def test_anonymous_may_not_post_a_response(api, patient) -> None:
    status, _ = api(None).post(
        f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": PHQ9_NO_RISK}
    )
    assert status == 401


def test_researcher_may_not_read_or_post_responses(api, researcher, patient) -> None:
    assert api(researcher).get(f"patients/{patient.pk}/responses")[0] == 403
    assert (
        api(researcher).post(
            f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": PHQ9_NO_RISK}
        )[0]
        == 403
    )


def test_clinic_admin_reads_responses_but_may_not_enter_them(api, clinic_admin, patient) -> None:
    assert api(clinic_admin).get(f"patients/{patient.pk}/responses")[0] == 200
    assert (
        api(clinic_admin).post(
            f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": PHQ9_NO_RISK}
        )[0]
        == 403
    )


def test_staff_of_another_clinic_get_404_for_reads_and_writes(api, outsider, patient) -> None:
    assert api(outsider).get(f"patients/{patient.pk}/responses")[0] == 404
    assert (
        api(outsider).post(
            f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": PHQ9_NO_RISK}
        )[0]
        == 404
    )
    refused = AuditEvent.objects.filter(actor=outsider, outcome="not_found", patient_id=patient.pk)
    assert refused.exists()


def test_patient_answers_their_own_phq9_through_the_api(api, patient_user, patient) -> None:
    status, body = api(patient_user).post(
        f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": PHQ9_NO_RISK}
    )
    assert status == 201 and body["recorded_by"] == "ada"
    assert api(patient_user).get(f"patients/{patient.pk}/responses")[0] == 200


def test_patient_may_not_reach_another_patients_responses(api, patient_user, other_patient) -> None:
    assert api(patient_user).get(f"patients/{other_patient.pk}/responses")[0] == 404
    assert (
        api(patient_user).post(
            f"patients/{other_patient.pk}/responses", {"instrument": "phq-9", "answers": PHQ9_NO_RISK}
        )[0]
        == 404
    )


def test_patient_may_not_withdraw_their_submitted_response(api, patient_user, patient) -> None:
    caller = api(patient_user)
    _, body = caller.post(
        f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": PHQ9_NO_RISK}
    )
    status, _ = caller.post(
        f"patients/{patient.pk}/responses/{body['id']}/entered-in-error", {"reason": "oops"}
    )
    assert status == 403


def test_response_of_another_patient_is_404_even_in_the_same_clinic(api, nurse, patient, clinic) -> None:
    import datetime as dt

    from ketacare.patients import services as patients

    second = patients.register_patient(
        by=nurse,
        clinic=clinic,
        medical_record_number="MRN-2",
        given_name="B",
        family_name="C",
        date_of_birth=dt.date(1990, 1, 1),
        sex_at_birth="male",
    )
    _, body = api(nurse).post(
        f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": PHQ9_NO_RISK}
    )
    assert api(nurse).get(f"patients/{second.pk}/responses/{body['id']}")[0] == 404


# --- safety -------------------------------------------------------------------------------------


def test_phq9_item9_alerts_the_responsible_clinician_in_app_and_by_email(
    api, nurse, patient, responsible, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        status, body = api(nurse).post(
            f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": PHQ9_ITEM9_POSITIVE}
        )
    assert status == 201
    assert [f["code"] for f in body["flags"]] == ["suicide-risk"]
    assert body["alerts"][0]["recipient"] == "prescriber" and body["alerts"][0]["severity"] == "urgent"
    assert body["crisis_information"]
    alert = SafetyAlert.objects.get()
    assert alert.recipient == responsible and alert.acknowledged_at is None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["dr.prescriber@clinic.test"]
    # No patient details leave the system by email.
    assert "Lovelace" not in mail.outbox[0].body and "MRN-1" not in mail.outbox[0].body


def test_any_c_ssrs_yes_raises_an_alert(api, nurse, patient, responsible) -> None:
    status, body = api(nurse).post(
        f"patients/{patient.pk}/responses",
        {"instrument": "c-ssrs-screener", "answers": [1, 0, None, None, None, 0, None]},
    )
    assert status == 201 and body["band"] == "Low risk"
    assert body["alerts"][0]["severity"] == "warning"


def test_without_a_responsible_clinician_the_clinics_prescribers_are_emailed(
    api, nurse, patient, prescriber, django_capture_on_commit_callbacks
) -> None:
    prescriber.email = "on.call@clinic.test"
    prescriber.save()
    with django_capture_on_commit_callbacks(execute=True):
        _, body = api(nurse).post(
            f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": PHQ9_ITEM9_POSITIVE}
        )
    assert body["alerts"][0]["recipient"] is None
    assert mail.outbox[0].to == ["on.call@clinic.test"]


def test_a_responsible_clinician_who_left_the_clinic_gets_no_alert_the_prescribers_do(
    api, nurse, patient, responsible, clinic_admin, django_capture_on_commit_callbacks
) -> None:
    from ketacare.accounts import services as accounts
    from ketacare.accounts.models import Membership

    accounts.change_staff_role(
        by=clinic_admin, membership=Membership.objects.get(user=nurse), role="prescriber"
    )
    nurse.email = "still.here@clinic.test"
    nurse.save()
    accounts.end_membership(
        by=clinic_admin, membership=Membership.objects.get(user=responsible), reason="Left the clinic"
    )
    with django_capture_on_commit_callbacks(execute=True):
        _, body = api(nurse).post(
            f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": PHQ9_ITEM9_POSITIVE}
        )
    assert body["alerts"][0]["recipient"] is None
    assert mail.outbox[0].to == ["still.here@clinic.test"]


def test_a_draft_never_raises_an_alert(api, nurse, patient, responsible) -> None:
    answers = [None] * 8 + [3]
    status, body = api(nurse).post(
        f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": answers, "draft": True}
    )
    assert status == 201 and body["alerts"] == [] and body["crisis_information"] is None
    assert not SafetyAlert.objects.exists()


def test_responsible_clinician_acknowledges_an_alert_with_the_action_taken(
    api, nurse, patient, responsible
) -> None:
    _, body = api(nurse).post(
        f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": PHQ9_ITEM9_POSITIVE}
    )
    alert_id = body["alerts"][0]["id"]
    status, ack = api(responsible).post(
        f"patients/{patient.pk}/alerts/{alert_id}/acknowledge",
        {"action_taken": "Called the patient; safety plan"},
    )
    assert (
        status == 200 and ack["acknowledged_at"] and ack["action_taken"] == "Called the patient; safety plan"
    )
    status, _ = api(responsible).post(
        f"patients/{patient.pk}/alerts/{alert_id}/acknowledge", {"action_taken": "again"}
    )
    assert status == 400


def test_alerts_are_404_to_another_clinic_and_403_to_a_researcher(
    api, nurse, outsider, researcher, patient, responsible
) -> None:
    api(nurse).post(
        f"patients/{patient.pk}/responses", {"instrument": "phq-9", "answers": PHQ9_ITEM9_POSITIVE}
    )
    assert api(outsider).get(f"patients/{patient.pk}/alerts")[0] == 404
    assert api(researcher).get(f"patients/{patient.pk}/alerts")[0] == 403
    assert api(None).get(f"patients/{patient.pk}/alerts")[0] == 401
    status, page = api(nurse).get(f"patients/{patient.pk}/alerts")
    listed = page["items"]
    assert status == 200 and len(listed) == 1
