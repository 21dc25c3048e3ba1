"""FHIR Bulk Data export: kick-off, status, NDJSON files written by the database worker, download
with auth, cancel; every resource valid R4; limited by role and consents; de-identified for research."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult
from fhir.resources.R4B import get_fhir_model_class

from ketacare.accounts import services as accounts
from ketacare.interop import privacy
from ketacare.interop.models import BulkExport, Disclosure
from ketacare.patients import services as patients

RECIPIENT = "recipient=Riverside%20Research%20Registry&purpose=operations"


def call(user: Any, url: str, method: str = "get") -> Any:
    headers = {"Accept": "application/fhir+json", "Prefer": "respond-async"}
    if user is not None:
        _, token = accounts.create_api_token(user=user, name="bulk-test")
        headers["Authorization"] = f"Bearer {token}"
    path = url.split("://", 1)[-1]
    path = path[path.index("/") :] if "://" in url else url
    return getattr(Client(), method)(path, headers=headers)


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.fixture
def committed_db(transactional_db: None) -> Any:
    """Real commits, as the worker sees them (the audit table's triggers lifted to empty it after)."""
    from django.db import connection

    from ketacare.audit import triggers

    triggers.install(connection)
    yield
    triggers.remove(connection)


@pytest.fixture
def two_patients(committed_db: None, clinic: Any, nurse: Any, prescriber: Any, clinic_admin: Any) -> Any:
    first = patients.register_patient(
        by=nurse,
        clinic=clinic,
        medical_record_number="MRN-A",
        given_name="Ada",
        family_name="Lovelace",
        date_of_birth=dt.date(1985, 12, 10),
        sex_at_birth="female",
        weight_kg=64,
    )
    second = patients.register_patient(
        by=nurse,
        clinic=clinic,
        medical_record_number="MRN-B",
        given_name="Alan",
        family_name="Turing",
        date_of_birth=dt.date(1980, 6, 23),
        sex_at_birth="male",
        weight_kg=70,
    )
    patients.record_substance_use_disorder(by=prescriber, patient=first, substance="alcohol", criteria_met=6)
    privacy.save_privacy_settings(
        by=clinic_admin,
        clinic=clinic,
        disclosure_notice="Clinic-pasted §2.32 notice (test).",
        hipaa_redisclosure_statement="",
        allow_medical_emergency=False,
    )
    privacy.record_consent(
        by=nurse,
        patient=first,
        disclosing_party="Test Clinic",
        information_description="Diagnoses and measurements",
        recipient_kind="named",
        recipient="Riverside Research Registry",
        recipient_is_covered_entity=False,
        purpose="operations",
        expiry_event="end of treatment",
        signed_via="paper",
        signature="Ada Lovelace",
        signed_on=dt.date.today(),
        scan=SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n0000", content_type="image/png"),
    )
    return first, second


def manifest_files(user: Any, status_url: str) -> dict[str, list[dict[str, Any]]]:
    response = call(user, status_url)
    assert response.status_code == 200
    manifest = json.loads(response.content)
    assert manifest["requiresAccessToken"] is True
    files: dict[str, list[dict[str, Any]]] = {}
    for entry in manifest["output"]:
        download = call(user, entry["url"])
        assert download.status_code == 200 and download["Content-Type"] == "application/fhir+ndjson"
        lines = b"".join(download.streaming_content).decode().splitlines()
        assert len(lines) == entry["count"]
        files[entry["type"]] = [json.loads(line) for line in lines]
    return files


def test_an_identified_group_export_holds_only_consenting_patients_each_valid_and_disclosed(
    two_patients, clinic_admin
) -> None:
    first, second = two_patients
    kick = call(clinic_admin, f"/api/v1/fhir/Group/test/$export?{RECIPIENT}")
    assert kick.status_code == 202
    status_url = kick["Content-Location"]
    pending = call(clinic_admin, status_url)
    assert pending.status_code == 202 and pending["X-Progress"]  # nothing written in the request
    run_worker()
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    files = manifest_files(clinic_admin, status_url)
    for kind, resources in files.items():
        for resource in resources:
            get_fhir_model_class(kind).model_validate(resource)  # raises if malformed
            assert {"42CFRPart2", "ETH", "R"} <= {s["code"] for s in resource["meta"]["security"]}
    assert [p["id"] for p in files["Patient"]] == [str(first.pk)]
    assert "Condition" in files
    disclosure = Disclosure.objects.get()
    assert disclosure.patient == first and disclosure.channel == "bulk_export"
    error = json.loads(call(clinic_admin, status_url).content)["error"]
    assert error and error[0]["type"] == "OperationOutcome"


def test_a_researchers_system_export_is_de_identified(two_patients, researcher) -> None:
    first, _ = two_patients
    assert call(researcher, f"/api/v1/fhir/$export?{RECIPIENT}").status_code == 403
    kick = call(researcher, "/api/v1/fhir/$export?_deidentified=true")
    assert kick.status_code == 202
    run_worker()
    files = manifest_files(researcher, kick["Content-Location"])
    assert len(files["Patient"]) == 2
    text = json.dumps(files)
    for identifying in ("Lovelace", "Turing", "MRN-A", "1985-12-10", "birthDate"):
        assert identifying not in text
    for kind, resources in files.items():
        for resource in resources:
            get_fhir_model_class(kind).model_validate(resource)
    assert not Disclosure.objects.exists()


def test_bulk_routes_answer_each_persona_and_files_only_their_requester(
    two_patients, clinic_admin, nurse, researcher, outsider
) -> None:
    assert call(None, "/api/v1/fhir/$export?_deidentified=true").status_code == 401
    assert call(nurse, f"/api/v1/fhir/Group/test/$export?{RECIPIENT}").status_code == 403
    assert call(outsider, f"/api/v1/fhir/Group/test/$export?{RECIPIENT}").status_code == 404
    assert call(clinic_admin, "/api/v1/fhir/Group/test/$export").status_code == 400  # no recipient
    kick = call(clinic_admin, f"/api/v1/fhir/Group/test/$export?{RECIPIENT}")
    status_url = kick["Content-Location"]
    assert call(researcher, status_url).status_code == 404
    assert call(None, status_url).status_code == 401
    run_worker()
    url = json.loads(call(clinic_admin, status_url).content)["output"][0]["url"]
    assert call(outsider, url).status_code == 404 and call(None, url).status_code == 401


def test_delete_cancels_an_export_before_the_worker_runs_it(two_patients, clinic_admin) -> None:
    kick = call(clinic_admin, "/api/v1/fhir/Group/test/$export?_deidentified=true")
    assert call(clinic_admin, kick["Content-Location"], "delete").status_code == 202
    run_worker()
    assert BulkExport.objects.get().status == "cancelled"
    assert call(clinic_admin, kick["Content-Location"]).status_code == 404
