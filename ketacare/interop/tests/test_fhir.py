"""/api/v1/fhir: the record as FHIR R4 (validated by fhir.resources), read access as for the record,
every export audited."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.patient import Patient as FhirPatient

from ketacare.audit.models import AuditEvent
from ketacare.outcomes import services as outcomes
from ketacare.patients import services as patients
from ketacare.plans.testing import signed_order
from ketacare.testing import api_client

pytestmark = pytest.mark.django_db


def get(user: Any, path: str) -> tuple[int, Any, str]:
    response = api_client(user).get(f"/api/v1/fhir/{path}")
    return response.status_code, json.loads(response.content), response["Content-Type"]


def by_type(bundle: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type]


@pytest.fixture
def full_record(patient: Any, nurse: Any, prescriber: Any) -> Any:
    patients.add_allergy(by=nurse, patient=patient, substance="Penicillin", reaction="rash", severity="mild")
    patients.add_medication(
        by=prescriber,
        patient=patient,
        name="Buprenorphine",
        drug_class="buprenorphine",
        dose_text="16 mg daily",
    )
    patients.record_substance_use_disorder(
        by=prescriber, patient=patient, substance="opioids", criteria_met=7
    )
    outcomes.record_response(
        by=nurse,
        patient=patient,
        instrument_id="phq-9",
        answers=[1, 1, 0, 1, 0, 0, 0, 0, 0],
        answered_at=dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC),
    )
    return patient


def test_a_patient_reads_as_fhir_r4_with_the_clinics_mrn_name_birth_date_and_gender(nurse, patient) -> None:
    status, body, content_type = get(nurse, f"Patient/{patient.pk}")
    assert status == 200 and content_type == "application/fhir+json"
    resource = FhirPatient.model_validate(body)
    assert (
        resource.identifier[0].system == "urn:ketacare:test:mrn" and resource.identifier[0].value == "MRN-1"
    )
    assert resource.name[0].family == "Lovelace" and str(resource.birthDate) == "1985-12-10"
    assert resource.gender == "female"


def test_everything_is_a_valid_r4_bundle_with_each_part_of_the_record(nurse, full_record) -> None:
    status, body, _ = get(nurse, f"Patient/{full_record.pk}/$everything")
    assert status == 200
    Bundle.model_validate(body)  # raises if any resource is malformed
    assert body["type"] == "collection"
    observations = by_type(body, "Observation")
    weight = next(o for o in observations if o["code"]["coding"][0]["code"] == "29463-7")
    assert weight["valueQuantity"] == {
        "value": 64.5,
        "unit": "kg",
        "system": "http://unitsofmeasure.org",
        "code": "kg",
    }
    assert weight["category"][0]["coding"][0]["code"] == "vital-signs" and weight["status"] == "final"
    height = next(o for o in observations if o["code"]["coding"][0]["code"] == "8302-2")
    assert height["valueQuantity"]["value"] == 168.0 and height["valueQuantity"]["unit"] == "cm"
    score = next(o for o in observations if o["id"].startswith("score-"))
    # PHQ-9 total, LOINC 44261-6 (verified in ketacare.instruments), 1+1+0+1 = 3, minimal band.
    assert score["code"]["coding"][0]["code"] == "44261-6" and score["valueInteger"] == 3
    (response,) = by_type(body, "QuestionnaireResponse")
    assert response["status"] == "completed" and len(response["item"]) == 9
    assert response["item"][0]["answer"][0]["valueCoding"]["code"] == "1"
    assert score["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{response['id']}"}]
    (condition,) = by_type(body, "Condition")
    assert condition["code"]["text"] == "Opioids use disorder" and condition["severity"]["text"].startswith(
        "severe"
    )
    (allergy,) = by_type(body, "AllergyIntolerance")
    assert allergy["code"]["text"] == "Penicillin" and allergy["reaction"][0]["severity"] == "mild"
    (medication,) = by_type(body, "MedicationStatement")
    assert medication["status"] == "active" and medication["dosage"][0]["text"] == "16 mg daily"
    (organization,) = by_type(body, "Organization")
    (patient_resource,) = by_type(body, "Patient")
    assert patient_resource["managingOrganization"]["reference"] == f"Organization/{organization['id']}"
    assert all(e["fullUrl"].startswith("http://testserver/api/v1/fhir/") for e in body["entry"])


def test_an_entry_entered_in_error_is_exported_with_that_status_not_dropped(nurse, patient) -> None:
    wrong = patients.record_body_measurement(by=nurse, patient=patient, weight_kg=Decimal("46.5"))
    patients.mark_entered_in_error(by=nurse, entry=wrong, reason="another patient's weight")
    _, body, _ = get(nurse, f"Patient/{patient.pk}/$everything")
    statuses = {o["id"]: o["status"] for o in by_type(body, "Observation")}
    assert statuses[f"weight-{wrong.pk}"] == "entered-in-error"


def test_each_export_is_audited_with_what_it_held(nurse, full_record) -> None:
    get(nurse, f"Patient/{full_record.pk}/$everything")
    event = AuditEvent.objects.get(action="export")
    assert event.patient_id == full_record.pk and event.actor_username == "nurse"
    # Patient, Organization, weight, height, allergy, medication, condition, response, its total.
    assert event.detail["format"] == "FHIR R4 Bundle" and event.detail["entries"] == 9


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("prescriber", 200),
        ("therapist", 200),
        ("clinic_admin", 200),
        ("researcher", 403),
        ("outsider", 404),
        ("patient", 200),
    ],
)
def test_fhir_export_follows_the_records_read_access(personas, patient, persona, status) -> None:
    for path in (f"Patient/{patient.pk}", f"Patient/{patient.pk}/$everything"):
        assert get(personas[persona], path)[0] == status


def test_without_credentials_the_export_answers_401(patient) -> None:
    assert get(None, f"Patient/{patient.pk}/$everything")[0] == 401
    assert not AuditEvent.objects.filter(action="export").exists()


def test_an_unknown_patient_answers_404_in_the_api_error_shape(nurse) -> None:
    status, body, _ = get(nurse, "Patient/999999/$everything")
    assert status == 404 and "detail" in body


def test_a_dosing_session_exports_as_encounter_dose_vital_signs_and_adverse_event(nurse, patient) -> None:
    from ketacare.dosing import services as dosing

    session = dosing.plan_session(
        by=nurse,
        patient=patient,
        route="iv-infusion",
        dose_mg=Decimal("32.25"),
        regimen="0.5 mg/kg over 40 min",
        order=signed_order(patient),
    )
    session = dosing.start_session(
        by=nurse,
        session=session,
        consent_confirmed=True,
        fasting_confirmed=True,
        escort_confirmed=True,
        identity_identifiers=["full_name", "date_of_birth"],
    )
    vital = dosing.record_vital_sign(
        by=nurse,
        session=session,
        systolic_mmhg=138,
        diastolic_mmhg=88,
        heart_rate_per_min=76,
        spo2_percent=97,
    ).vital
    wrong = dosing.record_vital_sign(
        by=nurse,
        session=session,
        systolic_mmhg=180,
        diastolic_mmhg=60,
        heart_rate_per_min=76,
        spo2_percent=97,
    ).vital
    dosing.mark_session_entry_in_error(by=nurse, entry=wrong, reason="cuff slipped")
    dosing.record_side_effect(by=nurse, session=session, kind="nausea", severity="mild")
    dosing.end_session(by=nurse, session=session, discharge_note="Back to baseline; left with her partner.")

    _, body, _ = get(nurse, f"Patient/{patient.pk}/$everything")
    Bundle.model_validate(body)
    (encounter,) = by_type(body, "Encounter")
    assert encounter["status"] == "finished" and {"start", "end"} <= set(encounter["period"])
    (given,) = by_type(body, "MedicationAdministration")
    assert given["dosage"]["dose"] == {
        "value": 32.25,
        "unit": "mg",
        "system": "http://unitsofmeasure.org",
        "code": "mg",
    }
    assert given["context"] == {"reference": f"Encounter/{encounter['id']}"}
    panels = {o["id"]: o for o in by_type(body, "Observation") if o["code"]["coding"][0]["code"] == "85354-9"}
    bp = panels[f"bp-{vital.pk}"]
    systolic, diastolic = bp["component"]
    assert systolic["code"]["coding"][0]["code"] == "8480-6" and systolic["valueQuantity"]["value"] == 138
    assert (
        diastolic["code"]["coding"][0]["code"] == "8462-4" and diastolic["valueQuantity"]["code"] == "mm[Hg]"
    )
    assert panels[f"bp-{wrong.pk}"]["status"] == "entered-in-error"
    (event,) = by_type(body, "AdverseEvent")
    assert event["actuality"] == "actual" and event["severity"]["coding"][0]["code"] == "mild"
    assert event["event"]["text"].startswith("Nausea")


def test_spo2_is_coded_as_r4s_oxygen_saturation_profile_requires(nurse, patient) -> None:
    """R4 oxygensat profile: Observation.code holds LOINC 2708-6; 59408-5 (pulse oximetry) beside it."""
    from ketacare.dosing import services as dosing
    from ketacare.interop.fhir import everything

    session = dosing.plan_session(
        by=nurse,
        patient=patient,
        route="iv-infusion",
        dose_mg=Decimal("30"),
        order=signed_order(patient, route="iv-infusion", dose_mg=Decimal("30")),
    )
    session = dosing.start_session(
        by=nurse,
        session=session,
        consent_confirmed=True,
        fasting_confirmed=True,
        escort_confirmed=True,
        identity_identifiers=["full_name", "date_of_birth"],
    )
    vitals = {"systolic_mmhg": 120, "diastolic_mmhg": 80, "heart_rate_per_min": 70, "spo2_percent": 97}
    dosing.record_vital_sign(by=nurse, session=session, **vitals)
    body = json.loads(everything(patient, "http://testserver").model_dump_json())
    oxygen = [o for o in by_type(body, "Observation") if o["id"].startswith("spo2-")]
    assert len(oxygen) == 1
    codes = [(c["system"], c["code"]) for c in oxygen[0]["code"]["coding"]]
    assert codes == [("http://loinc.org", "2708-6"), ("http://loinc.org", "59408-5")]
    quantity = oxygen[0]["valueQuantity"]
    assert (quantity["value"], quantity["system"], quantity["code"]) == (97, "http://unitsofmeasure.org", "%")
