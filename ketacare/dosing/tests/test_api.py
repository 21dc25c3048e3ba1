"""/api/v1/sessions: the same rules as the pages, through the REST API (bearer tokens, real database)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from ketacare.dosing import services
from ketacare.dosing.models import DosingSession, VitalSign
from ketacare.plans.testing import signed_order
from ketacare.testing import api_client

pytestmark = pytest.mark.django_db

VITALS = {"systolic_mmhg": 128, "diastolic_mmhg": 82, "heart_rate_per_min": 76, "spo2_percent": 98}
CHECKLIST = {
    "consent_confirmed": True,
    "fasting_confirmed": True,
    "escort_confirmed": True,
    "identity_identifiers": ["full_name", "date_of_birth"],
}


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(path, data=json.dumps(body or {}), content_type="application/json")


def test_a_nurse_runs_a_session_through_the_api_and_a_vital_returns_its_alerts(
    nurse, prescriber, clinic_admin, clinic, patient
) -> None:
    services.update_session_settings(by=clinic_admin, clinic=clinic, heart_rate_above_per_min=110)
    api = api_client(nurse)
    created = post(
        api,
        "/api/v1/sessions",
        {
            "patient_id": patient.pk,
            "route": "iv-infusion",
            "dose_mg": "32.25",
            "order_id": signed_order(patient).pk,
        },
    )
    assert created.status_code == 201 and created.json()["status"] == "planned"
    sid = created.json()["id"]
    assert post(api, f"/api/v1/sessions/{sid}/start", CHECKLIST).json()["status"] == "in_progress"
    recorded = post(api, f"/api/v1/sessions/{sid}/vitals", {**VITALS, "heart_rate_per_min": 124})
    assert recorded.status_code == 201
    assert [a["code"] for a in recorded.json()["alerts"]] == ["heart-rate-high"]
    assert recorded.json()["vital"]["alerts"] == [
        "Heart rate 124/min is above the clinic's alert threshold of 110/min."
    ]
    assert (
        post(api, f"/api/v1/sessions/{sid}/side-effects", {"kind": "nausea", "severity": "mild"}).status_code
        == 201
    )
    assert len(api.get(f"/api/v1/sessions/{sid}/vitals").json()["items"]) == 1
    assert len(api.get(f"/api/v1/sessions/{sid}/side-effects").json()["items"]) == 1
    # An open alert blocks the end until a clinician acknowledges it with what was done.
    refused_end = post(api, f"/api/v1/sessions/{sid}/end", {"discharge_note": "Home with sister."})
    assert refused_end.status_code == 400 and "not acknowledged" in refused_end.json()["errors"][0]["message"]
    alert_id = recorded.json()["alerts"][0]["id"]
    acked = post(
        api,
        f"/api/v1/sessions/{sid}/alerts/{alert_id}/acknowledge",
        {"action": "recheck", "note": "HR 96 on recheck."},
    )
    assert acked.status_code == 200 and acked.json()["action"] == "recheck"
    assert (
        post(api, f"/api/v1/sessions/{sid}/end", {"discharge_note": "Home with sister."}).status_code == 200
    )
    assert (
        post(api, f"/api/v1/sessions/{sid}/sign", {"password": "correct horse battery"}).status_code == 403
    )  # a nurse does not sign
    signed = post(
        api_client(prescriber), f"/api/v1/sessions/{sid}/sign", {"password": "correct horse battery"}
    )
    assert signed.status_code == 200 and signed.json()["signed"] is True
    refused = post(api, f"/api/v1/sessions/{sid}/vitals", VITALS)
    assert refused.status_code == 400 and "signed" in refused.json()["errors"][0]["message"]


def test_an_impossible_vital_is_refused_with_422_naming_the_field(nurse, patient) -> None:
    session = services.plan_session(
        by=nurse, patient=patient, route="im", dose_mg=30, order=signed_order(patient, "im", 30)
    )
    response = post(
        api_client(nurse), f"/api/v1/sessions/{session.pk}/vitals", {**VITALS, "spo2_percent": 180}
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"].endswith("spo2_percent")
    assert not VitalSign.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("therapist", 403), ("clinic_admin", 403), ("researcher", 403), ("patient", 403), ("outsider", 404)],
)
def test_only_prescribers_and_nurses_of_the_clinic_reach_sessions_through_the_api(
    personas, nurse, patient, persona, status
) -> None:
    session = services.plan_session(
        by=nurse, patient=patient, route="im", dose_mg=30, order=signed_order(patient, "im", 30)
    )
    api = api_client(personas[persona])
    assert api.get(f"/api/v1/sessions/{session.pk}").status_code == status
    assert api.get("/api/v1/sessions", {"patient_id": patient.pk}).status_code == status
    assert post(api, f"/api/v1/sessions/{session.pk}/vitals", VITALS).status_code == status
    assert (
        post(api, "/api/v1/sessions", {"patient_id": patient.pk, "route": "im", "dose_mg": "30"}).status_code
        == status
    )
    assert DosingSession.objects.count() == 1 and not VitalSign.objects.exists()


def test_anonymous_api_calls_answer_401(nurse, patient) -> None:
    session = services.plan_session(
        by=nurse, patient=patient, route="im", dose_mg=30, order=signed_order(patient, "im", 30)
    )
    assert api_client(None).get(f"/api/v1/sessions/{session.pk}").status_code == 401


def test_there_is_no_way_to_delete_a_session(nurse, patient) -> None:
    session = services.plan_session(
        by=nurse, patient=patient, route="im", dose_mg=30, order=signed_order(patient, "im", 30)
    )
    assert api_client(nurse).delete(f"/api/v1/sessions/{session.pk}").status_code == 405


def test_entered_in_error_and_addenda_through_the_api_keep_every_row(nurse, prescriber, patient) -> None:
    session = services.start_session(
        by=nurse,
        session=services.plan_session(
            by=nurse, patient=patient, route="im", dose_mg=30, order=signed_order(patient, "im", 30)
        ),
        **CHECKLIST,
    )
    vital = services.record_vital_sign(by=nurse, session=session, **VITALS).vital
    effect = services.record_side_effect(by=nurse, session=session, kind="headache", severity="mild")
    api = api_client(nurse)
    marked = post(
        api, f"/api/v1/sessions/{session.pk}/vitals/{vital.pk}/entered-in-error", {"reason": "Wrong patient"}
    )
    assert marked.status_code == 200 and marked.json()["entered_in_error"] is True
    assert marked.json()["error_reason"] == "Wrong patient"
    url = f"/api/v1/sessions/{session.pk}/side-effects/{effect.pk}/entered-in-error"
    assert post(api, url, {"reason": ""}).status_code == 422
    assert post(api, url, {"reason": "Duplicate"}).json()["entered_in_error"] is True
    assert len(api.get(f"/api/v1/sessions/{session.pk}/vitals").json()["items"]) == 1
    # An entry of another session is not found through this one.
    other = services.plan_session(
        by=nurse, patient=patient, route="im", dose_mg=30, order=signed_order(patient, "im", 30)
    )
    url = f"/api/v1/sessions/{other.pk}/vitals/{vital.pk}/entered-in-error"
    assert post(api, url, {"reason": "x"}).status_code == 404
    services.end_session(by=nurse, session=session, discharge_note="Home.")
    services.sign_session(by=prescriber, session=session, password="correct horse battery")
    added = post(api, f"/api/v1/sessions/{session.pk}/addenda", {"text": "Phoned: well."})
    assert added.status_code == 201 and added.json()["recorded_by"] == "nurse"
    addenda = api.get(f"/api/v1/sessions/{session.pk}/addenda").json()["items"]
    assert [a["text"] for a in addenda] == ["Phoned: well."]
