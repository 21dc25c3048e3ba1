"""The patients API: create, read, update, search; errors in one documented shape; no delete."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from ketacare.accounts.services import create_api_token
from ketacare.patients.models import Patient
from ketacare.testing import api_client

NEW_PATIENT = {
    "medical_record_number": "API-1",
    "given_name": "Rosalind",
    "family_name": "Franklin",
    "date_of_birth": "1980-07-25",
    "sex_at_birth": "female",
    "phone": "+44 1223 000000",
    "weight_kg": "58.4",
}


@pytest.fixture
def as_nurse(nurse) -> Client:
    return api_client(nurse)


def post(client: Client, path: str, body: dict) -> object:
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_a_nurse_registers_a_patient_and_reads_it_back(as_nurse, clinic) -> None:
    response = post(as_nurse, "/api/v1/patients", NEW_PATIENT)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["latest_weight_kg"] == "58.4"
    assert created["clinic"] == clinic.slug
    again = as_nurse.get(f"/api/v1/patients/{created['id']}").json()
    assert again == created


def test_search_finds_by_name_and_record_number(as_nurse, patient) -> None:
    by_name = as_nurse.get("/api/v1/patients", {"q": "lovel"}).json()
    by_mrn = as_nurse.get("/api/v1/patients", {"q": patient.medical_record_number}).json()
    nothing = as_nurse.get("/api/v1/patients", {"q": "zzz"}).json()
    assert [p["id"] for p in by_name["items"]] == [patient.pk]
    assert [p["id"] for p in by_mrn["items"]] == [patient.pk]
    assert nothing == {"items": [], "count": 0}


def test_the_list_reads_latest_weights_without_a_query_per_patient(as_nurse, patient, clinic, nurse) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ketacare.patients import services

    for n in range(5):
        services.register_patient(
            by=nurse,
            clinic=clinic,
            medical_record_number=f"Q-{n}",
            given_name="Q",
            family_name=f"Q{n}",
            date_of_birth="1990-01-01",
            sex_at_birth="male",
            weight_kg=70 + n,
        )
    as_nurse.get("/api/v1/patients")  # the first use of a token records when it was used
    with CaptureQueriesContext(connection) as few:
        as_nurse.get("/api/v1/patients", {"q": "Q1"})
    with CaptureQueriesContext(connection) as many:
        as_nurse.get("/api/v1/patients")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_an_impossible_weight_is_refused_with_422_naming_the_field(as_nurse) -> None:
    response = post(as_nurse, "/api/v1/patients", NEW_PATIENT | {"weight_kg": "700"})
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "The request has missing or malformed fields."
    assert [e["field"] for e in body["errors"]] == ["payload.weight_kg"]
    assert not Patient.objects.filter(medical_record_number="API-1").exists()


def test_a_future_birth_date_is_refused_with_400_and_a_readable_message(as_nurse) -> None:
    response = post(as_nurse, "/api/v1/patients", NEW_PATIENT | {"date_of_birth": "2999-01-01"})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "date_of_birth", "message": "The date of birth is in the future. Check the year."}
    ]


def test_a_duplicate_record_number_is_refused_with_400(as_nurse, patient) -> None:
    response = post(as_nurse, "/api/v1/patients", NEW_PATIENT | {"medical_record_number": "MRN-1"})
    assert response.status_code == 400
    assert "already has this record number" in response.json()["errors"][0]["message"]


def test_patch_changes_only_the_fields_sent_and_keeps_history(as_nurse, patient) -> None:
    response = as_nurse.patch(
        f"/api/v1/patients/{patient.pk}",
        data=json.dumps({"phone": "+1 555 0100 2000"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    patient.refresh_from_db()
    assert (patient.phone, patient.given_name) == ("+1 555 0100 2000", "Ada")
    assert patient.history.count() == 2


def test_there_is_no_way_to_delete_a_patient(as_nurse, patient) -> None:
    response = as_nurse.delete(f"/api/v1/patients/{patient.pk}")
    assert response.status_code == 405
    assert Patient.objects.filter(pk=patient.pk).exists()


def test_a_weight_recorded_through_the_api_returns_what_was_stored(as_nurse, patient, nurse) -> None:
    response = post(as_nurse, f"/api/v1/patients/{patient.pk}/measurements", {"weight_kg": "66.0"})
    assert response.status_code == 201
    assert response.json()["recorded_by"] == nurse.username
    listed = as_nurse.get(f"/api/v1/patients/{patient.pk}/measurements").json()["items"]
    weights = [m["weight_kg"] for m in listed]
    assert weights == ["66.0", "64.5"]


def test_a_revoked_or_unknown_token_answers_401(nurse, patient) -> None:
    from ketacare.accounts.services import revoke_api_token

    token, plain = create_api_token(user=nurse, name="old")
    revoke_api_token(token=token, by=nurse)
    for header in (f"Bearer {plain}", "Bearer kc_made-up", "Basic abc"):
        response = Client(headers={"Authorization": header}).get("/api/v1/patients")
        assert response.status_code == 401


def test_only_the_hash_of_a_token_is_stored(nurse) -> None:
    token, plain = create_api_token(user=nurse, name="test")
    token.refresh_from_db()
    assert plain not in (token.token_hash, token.prefix)
    assert len(token.token_hash) == 64
