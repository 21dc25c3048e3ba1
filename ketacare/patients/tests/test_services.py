"""Writing the record: bad input is refused with a clear message and nothing partial is saved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from ketacare.patients import services
from ketacare.patients.models import BodyMeasurement, Patient

VALID = {
    "medical_record_number": "MRN-77",
    "given_name": "Grace",
    "family_name": "Hopper",
    "date_of_birth": dt.date(1976, 12, 9),
    "sex_at_birth": "female",
}


def test_a_patient_is_registered_with_a_first_weight(clinic, nurse) -> None:
    patient = services.register_patient(by=nurse, clinic=clinic, weight_kg=Decimal("70.2"), **VALID)
    assert patient.measurements.get().weight_kg == Decimal("70.2")


@pytest.mark.parametrize("weight", ["29.9", "300.1", "0", "-5"])
def test_an_impossible_weight_is_refused_and_no_patient_is_saved(clinic, nurse, weight) -> None:
    with pytest.raises(ValidationError) as caught:
        services.register_patient(by=nurse, clinic=clinic, weight_kg=Decimal(weight), **VALID)
    assert "between 30 and 300 kg" in str(caught.value)
    assert not Patient.objects.filter(medical_record_number="MRN-77").exists()


@pytest.mark.parametrize("weight", ["30", "300", "30.0"])
def test_weights_at_the_limits_are_accepted(patient, nurse, weight) -> None:
    services.record_body_measurement(by=nurse, patient=patient, weight_kg=Decimal(weight))


def test_the_database_refuses_an_out_of_range_weight_even_past_the_service(patient, nurse) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        BodyMeasurement.objects.create(
            patient=patient, weight_kg=Decimal("400"), measured_at=dt.datetime.now(dt.UTC), recorded_by=nurse
        )


def test_a_date_of_birth_in_the_future_is_refused(clinic, nurse) -> None:
    data = VALID | {"date_of_birth": dt.date.today() + dt.timedelta(days=1)}
    with pytest.raises(ValidationError) as caught:
        services.register_patient(by=nurse, clinic=clinic, **data)
    assert caught.value.message_dict["date_of_birth"] == [
        "The date of birth is in the future. Check the year."
    ]


def test_a_duplicate_record_number_in_the_same_clinic_is_refused(clinic, nurse, patient) -> None:
    data = VALID | {"medical_record_number": patient.medical_record_number}
    with pytest.raises(ValidationError, match="already has this record number"):
        services.register_patient(by=nurse, clinic=clinic, **data)


def test_the_same_record_number_may_exist_in_another_clinic(patient, other_clinic, outsider) -> None:
    data = VALID | {"medical_record_number": patient.medical_record_number}
    assert services.register_patient(by=outsider, clinic=other_clinic, **data).pk != patient.pk


@pytest.mark.parametrize("phone", ["call me", "12", "+44 20 ABC 0958"])
def test_a_malformed_phone_number_is_refused(clinic, nurse, phone) -> None:
    with pytest.raises(ValidationError) as caught:
        services.register_patient(by=nurse, clinic=clinic, phone=phone, **VALID)
    assert "phone number" in caught.value.message_dict["phone"][0]


def test_a_malformed_email_is_refused(clinic, nurse) -> None:
    with pytest.raises(ValidationError) as caught:
        services.register_patient(by=nurse, clinic=clinic, email="not-an-email", **VALID)
    assert "email" in caught.value.message_dict


def test_a_therapist_may_not_register_a_patient(clinic, therapist) -> None:
    with pytest.raises(PermissionDenied):
        services.register_patient(by=therapist, clinic=clinic, **VALID)


def test_staff_may_not_register_a_patient_in_another_clinic(other_clinic, nurse) -> None:
    with pytest.raises(PermissionDenied):
        services.register_patient(by=nurse, clinic=other_clinic, **VALID)


def test_a_demographic_correction_keeps_the_earlier_version(patient, nurse) -> None:
    changed = services.update_demographics(by=nurse, patient=patient, family_name="King")
    assert changed == ["family_name"]
    names = [v.family_name for v in patient.history.order_by("history_date")]
    assert names == ["Lovelace", "King"]


def test_a_wrong_weight_is_marked_entered_in_error_not_deleted(patient, nurse) -> None:
    wrong = services.record_body_measurement(by=nurse, patient=patient, weight_kg=Decimal("146"))
    services.mark_entered_in_error(by=nurse, entry=wrong, reason="Typed pounds instead of kilograms")
    wrong.refresh_from_db()
    assert wrong.entered_in_error and wrong.error_reason == "Typed pounds instead of kilograms"
    assert patient.measurements.count() == 2
    from ketacare.patients.selectors import latest_measurement

    assert latest_measurement(patient).weight_kg == Decimal("64.5")


def test_marking_an_entry_in_error_needs_a_reason(patient, nurse) -> None:
    entry = patient.measurements.get()
    with pytest.raises(ValidationError, match="Say why"):
        services.mark_entered_in_error(by=nurse, entry=entry, reason="  ")


def test_fewer_than_two_dsm5_criteria_is_not_recorded_as_a_disorder(patient, nurse) -> None:
    with pytest.raises(ValidationError, match="At least 2"):
        services.record_substance_use_disorder(by=nurse, patient=patient, substance="alcohol", criteria_met=1)


def test_severity_is_derived_from_criteria_met(patient, nurse) -> None:
    disorder = services.record_substance_use_disorder(
        by=nurse, patient=patient, substance="opioids", criteria_met=6
    )
    assert disorder.severity == "severe"


def test_the_same_active_history_flag_cannot_be_recorded_twice(patient, nurse) -> None:
    services.add_history_flag(by=nurse, patient=patient, flag="hypertension")
    with pytest.raises(ValidationError):
        services.add_history_flag(by=nurse, patient=patient, flag="hypertension")


def test_a_medication_cannot_stop_before_it_starts(patient, nurse) -> None:
    with pytest.raises(ValidationError):
        services.add_medication(
            by=nurse,
            patient=patient,
            name="Methadone",
            drug_class="methadone",
            started_on=dt.date(2025, 5, 1),
            stopped_on=dt.date(2025, 4, 1),
        )


def test_a_care_team_has_one_responsible_clinician(patient, clinic_admin, prescriber, nurse) -> None:
    services.add_care_team_member(by=clinic_admin, patient=patient, member=prescriber, is_responsible=True)
    services.add_care_team_member(by=clinic_admin, patient=patient, member=nurse, is_responsible=True)
    responsible = [m.user for m in patient.care_team.filter(is_responsible=True)]
    assert responsible == [nurse]


def test_a_reason_too_long_for_the_record_is_refused_not_cut_short(nurse, patient) -> None:
    from decimal import Decimal as D

    from django.core.exceptions import ValidationError as Invalid

    from ketacare.patients import services as record

    entry = record.record_body_measurement(by=nurse, patient=patient, weight_kg=D("70.0"))
    with pytest.raises(Invalid, match="Keep the reason to 300 characters"):
        record.mark_entered_in_error(by=nurse, entry=entry, reason="x" * 301)
    entry.refresh_from_db()
    assert not entry.entered_in_error and entry.error_reason == ""
