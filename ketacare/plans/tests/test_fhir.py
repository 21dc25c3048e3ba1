"""Screenings, protocols and orders in the patient's $everything, valid FHIR R4 (fhir.resources R4B)."""

import json
from decimal import Decimal

import pytest
from django.test import Client
from fhir.resources.R4B.bundle import Bundle

from ketacare.patients import services as patients
from ketacare.plans import services

pytestmark = pytest.mark.django_db


def test_everything_carries_risk_assessment_plan_definition_and_medication_request(
    prescriber, nurse, patient
):
    patients.add_medication(by=nurse, patient=patient, name="Buprenorphine", drug_class="buprenorphine")
    screening = services.run_screening(by=nurse, patient=patient)
    services.override_reason(
        by=prescriber,
        screening=screening,
        code="cns-depressant-buprenorphine",
        justification="Stable; monitored.",
    )
    order = services.create_order(
        by=prescriber,
        patient=patient,
        protocol="dakwar-2020",
        route="iv-infusion",
        dose="0.71mg/kg",
        duration_min=Decimal("52"),
    )
    services.sign_order(by=prescriber, order=order)
    client = Client()
    client.force_login(nurse)
    response = client.get(f"/api/v1/fhir/Patient/{patient.pk}/$everything")
    assert response.status_code == 200
    body = json.loads(response.content)
    Bundle.model_validate(body)
    by_type: dict[str, list[dict]] = {}
    for entry in body["entry"]:
        by_type.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    risks = by_type["RiskAssessment"]
    assert len(risks) == 2 and risks[0]["prediction"][0]["qualitativeRisk"]["text"] == "relative"
    (plan,) = by_type["PlanDefinition"]
    assert plan["id"] == "dakwar-2020" and "Dakwar" in plan["relatedArtifact"][0]["citation"]
    (request,) = by_type["MedicationRequest"]
    assert request["status"] == "active" and request["intent"] == "order"
    assert request["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 45.8
