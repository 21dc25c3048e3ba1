"""The database holds the ranges too: writes that bypass the services are still refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from ketacare.outcomes import services
from ketacare.outcomes.models import DailyReport, InstrumentPermission, QuestionnaireResponse, SafetyAlert

from .conftest import PHQ9_ITEM9_POSITIVE

pytestmark = pytest.mark.django_db


def _response(nurse, patient, **fields) -> None:  # type: ignore[no-untyped-def]
    values = {
        "patient": patient,
        "instrument_id": "phq-9",
        "status": "final",
        "answers": [0] * 9,
        "answered_at": timezone.now(),
        "recorded_by": nurse,
        **fields,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        QuestionnaireResponse.objects.create(**values)


def test_a_phq9_total_above_27_is_refused_by_the_database(nurse, patient) -> None:
    _response(nurse, patient, score_total=28, band_label="Severe", result={"total": 28})


def test_a_negative_total_is_refused_by_the_database(nurse, patient) -> None:
    _response(nurse, patient, score_total=-1, result={"total": -1})


def test_a_scored_draft_is_refused_by_the_database(nurse, patient) -> None:
    _response(nurse, patient, status="draft", score_total=3, result={"total": 3})


def test_a_response_in_error_without_a_reason_is_refused_by_the_database(nurse, patient) -> None:
    _response(nurse, patient, score_total=3, result={"total": 3}, entered_in_error=True)


def test_every_instruments_range_is_in_the_constraint(nurse, patient) -> None:
    # The craving VAS runs 0-100: 100 is allowed although it is above PHQ-9's 27.
    QuestionnaireResponse.objects.create(
        patient=patient,
        instrument_id="craving-vas",
        status="final",
        answers=[100],
        answered_at=timezone.now(),
        recorded_by=nurse,
        score_total=100,
        result={"total": 100},
    )
    _response(
        nurse, patient, instrument_id="craving-vas", answers=[101], score_total=101, result={"total": 101}
    )


def test_mood_above_10_is_refused_by_the_database(nurse, patient) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        DailyReport.objects.create(patient=patient, day=dt.date.today(), mood_0_10=11, recorded_by=nurse)


def test_mood_above_10_is_refused_by_the_service_with_a_message(patient_user, patient) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        services.record_daily_report(by=patient_user, patient=patient, mood_0_10=11, craving_0_100=10)
    assert "mood_0_10" in info.value.message_dict


def test_craving_above_100_is_refused_naming_the_question(patient_user, patient) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        services.record_daily_report(by=patient_user, patient=patient, mood_0_10=5, craving_0_100=101)
    assert "answers.1" in info.value.message_dict


def test_an_acknowledgement_without_the_action_taken_is_refused_by_the_database(
    nurse, patient, responsible
) -> None:
    services.record_response(by=nurse, patient=patient, instrument_id="phq-9", answers=PHQ9_ITEM9_POSITIVE)
    with pytest.raises(IntegrityError), transaction.atomic():
        SafetyAlert.objects.update(acknowledged_at=timezone.now(), acknowledged_by=nurse)


def test_one_daily_check_in_a_day(patient_user, patient) -> None:
    from django.core.exceptions import ValidationError

    services.record_daily_report(by=patient_user, patient=patient, mood_0_10=5, craving_0_100=10)
    with pytest.raises(ValidationError, match="already done"):
        services.record_daily_report(by=patient_user, patient=patient, mood_0_10=5, craving_0_100=10)


# --- instrument permissions: one active per clinic and instrument; a withdrawal is complete -------


def _permission(clinic, by, **fields) -> InstrumentPermission:  # type: ignore[no-untyped-def]
    values = {
        "clinic": clinic,
        "instrument_id": "cows",
        "granted_by": "Rights holder",
        "reference": "Letter 7",
        "recorded_by": by,
        **fields,
    }
    return InstrumentPermission(**values)


def test_two_active_permissions_for_one_instrument_are_refused_by_the_database(clinic_admin, clinic) -> None:
    _permission(clinic, clinic_admin).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _permission(clinic, clinic_admin, reference="Letter 8").save()


def test_a_withdrawn_permission_beside_an_active_one_is_allowed_by_the_database(clinic_admin, clinic) -> None:
    withdrawn = {"withdrawn_at": timezone.now(), "withdrawn_by": clinic_admin, "withdrawal_reason": "Lapsed"}
    _permission(clinic, clinic_admin, **withdrawn).save()
    _permission(clinic, clinic_admin, **withdrawn).save()
    _permission(clinic, clinic_admin, reference="Renewal").save()
    assert InstrumentPermission.objects.filter(withdrawn_at__isnull=True).count() == 1


def test_active_permissions_of_two_clinics_are_allowed_by_the_database(
    clinic_admin, clinic, other_clinic
) -> None:
    _permission(clinic, clinic_admin).save()
    _permission(other_clinic, clinic_admin).save()


def test_reactivating_a_withdrawn_permission_beside_an_active_one_is_refused_by_the_database(
    clinic_admin, clinic
) -> None:
    old = _permission(
        clinic, clinic_admin, withdrawn_at=timezone.now(), withdrawn_by=clinic_admin, withdrawal_reason="x"
    )
    old.save()
    _permission(clinic, clinic_admin, reference="Renewal").save()
    with pytest.raises(IntegrityError), transaction.atomic():
        InstrumentPermission.objects.filter(pk=old.pk).update(
            withdrawn_at=None, withdrawn_by=None, withdrawal_reason=""
        )


@pytest.mark.parametrize(
    "incomplete",
    [
        {"withdrawn_by": True, "withdrawal_reason": "Lapsed"},  # when is missing
        {"withdrawn_at": True, "withdrawal_reason": "Lapsed"},  # who is missing
        {"withdrawn_at": True, "withdrawn_by": True},  # why is missing
        {"withdrawal_reason": "Lapsed"},  # a reason on an active permission
    ],
    ids=["no-when", "no-who", "no-why", "reason-only"],
)
def test_an_incomplete_withdrawal_is_refused_by_the_database(incomplete, clinic_admin, clinic) -> None:
    values = {
        "withdrawn_at": timezone.now() if incomplete.get("withdrawn_at") else None,
        "withdrawn_by": clinic_admin if incomplete.get("withdrawn_by") else None,
        "withdrawal_reason": incomplete.get("withdrawal_reason", ""),
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        _permission(clinic, clinic_admin, **values).save()
