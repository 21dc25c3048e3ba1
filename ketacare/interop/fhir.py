"""The clinical record as FHIR R4 resources, built and checked with fhir.resources (R4B package).

Codes: LOINC only where verified (body weight 29463-7 and body height 8302-2 are fixed by the FHIR
R4 vital-signs profiles, hl7.org/fhir/R4/bodyweight.html and bodyheight.html; questionnaire totals use
the codes ketacare.instruments marks verified); everything else is text.  fhir.resources checks
structure, not value sets (shared/DESIGN.md), so every code below is one the R4 specification lists
for that element, and tests/test_fhir.py holds them.  Entries entered in error are exported with
status entered-in-error rather than left out, so a receiving system learns of the correction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fhir.resources.R4B.allergyintolerance import AllergyIntolerance
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse as FhirResponse
from fhir.resources.R4B.resource import Resource

from ketacare import instruments
from ketacare.accounts.models import Clinic
from ketacare.outcomes.models import QuestionnaireResponse
from ketacare.patients.models import Allergy, BodyMeasurement, Medication, Patient, SubstanceUseDisorder
from ketacare.rules import dsm5

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"

BODY_WEIGHT_LOINC = "29463-7"  # FHIR R4 bodyweight profile
BODY_HEIGHT_LOINC = "8302-2"  # FHIR R4 bodyheight profile

# FHIR administrative gender has no "intersex"; the record keeps sex at birth, which FHIR R4 core
# has no element for, so it is mapped to the nearest administrative code and said so in the docs.
GENDER = {"female": "female", "male": "male", "intersex": "other", "unknown": "unknown"}


def _concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def _text(text: str) -> dict[str, str]:
    return {"text": text}


def _ref(resource_type: str, resource_id: str) -> dict[str, str]:
    return {"reference": f"{resource_type}/{resource_id}"}


def mrn_system(clinic: Clinic) -> str:
    """The identifier system of a clinic's medical record numbers (a URN: the clinic has no URL)."""
    return f"urn:ketacare:{clinic.slug}:mrn"


def organization(clinic: Clinic) -> Organization:
    return Organization.model_validate(
        {"resourceType": "Organization", "id": f"clinic-{clinic.pk}", "name": clinic.name, "active": True}
    )


def patient_resource(patient: Patient) -> FhirPatient:
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    data: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "identifier": [{"system": mrn_system(patient.clinic), "value": patient.medical_record_number}],
        "name": [{"family": patient.family_name, "given": [patient.given_name]}],
        "gender": GENDER[patient.sex_at_birth],
        "birthDate": patient.date_of_birth.isoformat(),
        "managingOrganization": _ref("Organization", f"clinic-{patient.clinic_id}"),
    }
    if telecom:
        data["telecom"] = telecom
    if patient.address:
        data["address"] = [{"text": patient.address}]
    return FhirPatient.model_validate(data)


def _status(entry: Any, ok: str) -> str:
    return "entered-in-error" if entry.entered_in_error else ok


def body_observations(measurement: BodyMeasurement) -> list[Observation]:
    """Weight, and height when measured, as vital-signs Observations."""
    rows = [("weight", BODY_WEIGHT_LOINC, "Body weight", measurement.weight_kg, "kg")]
    if measurement.height_cm is not None:
        rows.append(("height", BODY_HEIGHT_LOINC, "Body height", measurement.height_cm, "cm"))
    out = []
    for kind, code, display, value, unit in rows:
        data: dict[str, Any] = {
            "resourceType": "Observation",
            "id": f"{kind}-{measurement.pk}",
            "status": _status(measurement, "final"),
            "category": [_concept(OBSERVATION_CATEGORY, "vital-signs", "Vital Signs")],
            "code": _concept(LOINC, code, display),
            "subject": _ref("Patient", str(measurement.patient_id)),
            "effectiveDateTime": measurement.measured_at.isoformat(),
            "valueQuantity": {"value": float(value), "unit": unit, "system": UCUM, "code": unit},
        }
        out.append(Observation.model_validate(data))
    return out


def allergy(entry: Allergy) -> AllergyIntolerance:
    data: dict[str, Any] = {
        "resourceType": "AllergyIntolerance",
        "id": str(entry.pk),
        "clinicalStatus": _concept(ALLERGY_CLINICAL, "active"),
        "verificationStatus": _concept(
            ALLERGY_VERIFICATION, "entered-in-error" if entry.entered_in_error else "confirmed"
        ),
        "code": _text(entry.substance),
        "patient": _ref("Patient", str(entry.patient_id)),
        "recordedDate": entry.recorded_at.isoformat(),
    }
    if entry.reaction or entry.severity != Allergy.Severity.UNKNOWN:
        reaction: dict[str, Any] = {"manifestation": [_text(entry.reaction or "not described")]}
        if entry.severity != Allergy.Severity.UNKNOWN:
            reaction["severity"] = entry.severity
        data["reaction"] = [reaction]
    return AllergyIntolerance.model_validate(data)


def medication(entry: Medication) -> MedicationStatement:
    status = "completed" if entry.stopped_on else "active"
    data: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "id": str(entry.pk),
        "status": _status(entry, status),
        "medicationCodeableConcept": _text(f"{entry.name} ({entry.get_drug_class_display()})"),
        "subject": _ref("Patient", str(entry.patient_id)),
        "dateAsserted": entry.recorded_at.isoformat(),
    }
    period = {
        key: day.isoformat() for key, day in (("start", entry.started_on), ("end", entry.stopped_on)) if day
    }
    if period:
        data["effectivePeriod"] = period
    if entry.dose_text:
        data["dosage"] = [{"text": entry.dose_text}]
    return MedicationStatement.model_validate(data)


def condition(entry: SubstanceUseDisorder) -> Condition:
    severity = dsm5.severity(entry.criteria_met)
    data: dict[str, Any] = {
        "resourceType": "Condition",
        "id": str(entry.pk),
        "clinicalStatus": _concept(CONDITION_CLINICAL, "active"),
        "verificationStatus": _concept(
            CONDITION_VERIFICATION, "entered-in-error" if entry.entered_in_error else "confirmed"
        ),
        "category": [_concept(CONDITION_CATEGORY, "problem-list-item", "Problem List Item")],
        "severity": _text(
            f"{severity.value} (DSM-5, {entry.criteria_met} of {dsm5.CRITERIA_COUNT} criteria)"
        ),
        "code": _text(f"{entry.get_substance_display()} use disorder"),
        "subject": _ref("Patient", str(entry.patient_id)),
        "recordedDate": entry.recorded_at.isoformat(),
    }
    return Condition.model_validate(data)


RESPONSE_STATUS = {"draft": "in-progress", "final": "completed"}


def _answer(item: Any, answer: int) -> dict[str, Any]:
    """An option item's answer is stored as the option's position: export it with its label."""
    if item.options:
        return {"valueCoding": {"code": str(answer), "display": item.options[answer].label}}
    return {"valueInteger": answer}


def questionnaire_response(entry: QuestionnaireResponse) -> list[Resource]:
    """The answers, and for a final response the total score as a survey Observation."""
    instrument = instruments.get_instrument(entry.instrument_id)
    questionnaire = f"urn:ketacare:instrument:{instrument.id}"
    answers = [
        {"linkId": item.label, "text": item.text, "answer": [_answer(item, int(answer))]}
        for item, answer in zip(instrument.items, entry.answers, strict=False)
        if answer is not None
    ]
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(entry.pk),
        "questionnaire": questionnaire,
        "status": _status(entry, RESPONSE_STATUS[entry.status]),
        "subject": _ref("Patient", str(entry.patient_id)),
        "authored": entry.answered_at.isoformat(),
    }
    if answers:
        response["item"] = answers
    out: list[Resource] = [FhirResponse.model_validate(response)]
    if entry.status == QuestionnaireResponse.Status.FINAL and entry.score_total is not None:
        code = (
            _concept(LOINC, instrument.loinc.total, f"{instrument.abbreviation} total score")
            if instrument.loinc.total
            else _text(f"{instrument.abbreviation} total score")
        )
        score: dict[str, Any] = {
            "resourceType": "Observation",
            "id": f"score-{entry.pk}",
            "status": _status(entry, "final"),
            "category": [_concept(OBSERVATION_CATEGORY, "survey", "Survey")],
            "code": code,
            "subject": _ref("Patient", str(entry.patient_id)),
            "effectiveDateTime": entry.answered_at.isoformat(),
            "valueInteger": entry.score_total,
            "derivedFrom": [_ref("QuestionnaireResponse", str(entry.pk))],
        }
        if entry.band_label:
            score["interpretation"] = [_text(entry.band_label)]
        out.append(Observation.model_validate(score))
    return out


def everything(patient: Patient, base_url: str) -> Bundle:
    """A collection Bundle of the patient's record: demographics, clinic, measurements, allergies,
    medications, substance use disorders and questionnaire responses (with their totals)."""
    resources: list[Resource] = [patient_resource(patient), organization(patient.clinic)]
    groups: Iterable[Iterable[Resource]] = (
        (obs for m in patient.measurements.order_by("measured_at", "id") for obs in body_observations(m)),
        (allergy(a) for a in patient.allergies.order_by("id")),
        (medication(m) for m in patient.medications.order_by("id")),
        (condition(c) for c in patient.substance_use_disorders.order_by("id")),
        (r for q in patient.responses.order_by("answered_at", "id") for r in questionnaire_response(q)),
    )
    for group in groups:
        resources.extend(group)
    base = base_url.rstrip("/")
    entries = [
        {
            "fullUrl": f"{base}/{r.get_resource_type()}/{r.id}",
            "resource": r.model_dump(mode="json", exclude_none=True),
        }
        for r in resources
    ]
    return Bundle.model_validate({"resourceType": "Bundle", "type": "collection", "entry": entries})
