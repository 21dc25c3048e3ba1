"""Strict input: unknown fields, control characters, over-long text, impossible times, non-JSON
bodies and out-of-range paging are refused with a 4xx and a message, on pages and in the API alike."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts import services as accounts
from ketacare.api_paging import MAX_PAGE_SIZE
from ketacare.plans.testing import signed_order

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, user: Any) -> None:
        self.client = Client()
        token = accounts.create_api_token(user=user, name="strict")[1]
        self.headers = {"Authorization": f"Bearer {token}"}

    def send(self, method: str, path: str, body: Any, content_type: str = "application/json") -> Any:
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return getattr(self.client, method)(
            f"/api/v1/{path}", data, content_type=content_type, headers=self.headers
        )

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1/{path}", params, headers=self.headers)


@pytest.fixture
def nurse_api(nurse: Any) -> Api:
    return Api(nurse)


@pytest.fixture
def session(nurse: Any, patient: Any) -> Any:
    from ketacare.dosing import services

    planned = services.plan_session(
        by=nurse,
        patient=patient,
        route="iv-infusion",
        dose_mg=Decimal("30"),
        order=signed_order(patient, route="iv-infusion", dose_mg=Decimal("30")),
    )
    return services.start_session(
        by=nurse,
        session=planned,
        consent_confirmed=True,
        fasting_confirmed=True,
        escort_confirmed=True,
        identity_identifiers=["full_name", "date_of_birth"],
    )


def _fields(response: Any) -> set[str | None]:
    return {(error["field"] or "").removeprefix("payload.") for error in response.json()["errors"]}


VITALS = {"systolic_mmhg": 120, "diastolic_mmhg": 80, "heart_rate_per_min": 70, "spo2_percent": 98}


# --- unknown fields ------------------------------------------------------------------------------


def test_a_weight_sent_to_the_demographics_patch_is_refused_with_422_naming_it(nurse_api, patient) -> None:
    response = nurse_api.send("patch", f"patients/{patient.pk}", {"weight_kg": 900})
    assert response.status_code == 422
    assert "weight_kg" in _fields(response)
    patient.refresh_from_db()


def test_a_misspelt_field_is_refused_with_422_naming_it_and_nothing_changes(nurse_api, patient) -> None:
    response = nurse_api.send("patch", f"patients/{patient.pk}", {"famly_name": "Byron"})
    assert response.status_code == 422
    assert "famly_name" in _fields(response)
    assert "not permitted" in json.dumps(response.json()).lower()
    patient.refresh_from_db()
    assert patient.family_name == "Lovelace"


def test_every_api_input_schema_forbids_unknown_fields() -> None:
    """One strict base for every body and query schema the API reads."""
    from ninja import Schema

    from ketacare.api import api
    from ketacare.api_input import StrictSchema

    inputs: set[type] = set()
    for _, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.models:
                    for field in model.model_fields.values():
                        kind = field.annotation
                        if isinstance(kind, type) and issubclass(kind, Schema):
                            inputs.add(kind)
    assert inputs, "no input schemas found"
    lax = sorted(k.__name__ for k in inputs if not issubclass(k, StrictSchema))
    assert lax == []


# --- control characters and length -------------------------------------------------------------


@pytest.mark.parametrize("field", ["given_name", "address", "emergency_contact"])
def test_a_nul_in_a_patients_text_is_refused_with_a_message_not_stored(nurse_api, patient, field) -> None:
    response = nurse_api.send("patch", f"patients/{patient.pk}", {field: "Ada\x00"})
    assert response.status_code == 422
    assert "control character" in json.dumps(response.json())


def test_a_nul_in_an_api_search_is_a_400_with_a_message(nurse_api, patient) -> None:
    response = nurse_api.get("patients", q="Ada\x00")
    assert response.status_code == 400
    assert "control character" in response.json()["detail"]


def test_a_nul_in_an_addendum_or_a_reason_is_refused(nurse_api, session, nurse) -> None:
    from ketacare.dosing import services

    services.end_session(by=nurse, session=session, discharge_note="Home.")
    addendum = nurse_api.send("post", f"sessions/{session.pk}/addenda", {"text": "late\x00note"})
    assert addendum.status_code == 422
    vital = services.record_vital_sign(by=nurse, session=session, **VITALS, measured_at=session.started_at)
    reason = nurse_api.send(
        "post", f"sessions/{session.pk}/vitals/{vital.vital.pk}/entered-in-error", {"reason": "x\x00"}
    )
    assert reason.status_code in (400, 422)
    assert "control character" in json.dumps(reason.json())


def test_a_nul_in_a_page_search_or_form_is_a_400_with_a_message(nurse, patient) -> None:
    client = Client()
    client.force_login(nurse)
    search = client.get(reverse("patients:list"), {"q": "Ada\x00"})
    assert search.status_code == 400
    assert b"control character" in search.content
    form = client.post(reverse("patients:edit", args=[patient.pk]), {"given_name": "A\x00da"})
    assert form.status_code == 400
    patient.refresh_from_db()
    assert patient.given_name == "Ada"


def test_a_one_megabyte_address_and_a_huge_addendum_are_refused(nurse_api, patient, session, nurse) -> None:
    from ketacare.dosing import services

    address = nurse_api.send("patch", f"patients/{patient.pk}", {"address": "x" * 1_000_000})
    assert address.status_code == 422 and "address" in _fields(address)
    services.end_session(by=nurse, session=session, discharge_note="Home.")
    addendum = nurse_api.send("post", f"sessions/{session.pk}/addenda", {"text": "x" * 2_000_000})
    assert addendum.status_code == 422


# --- times --------------------------------------------------------------------------------------


def test_a_vital_timed_before_its_session_started_is_refused(nurse_api, session) -> None:
    early = (session.started_at - dt.timedelta(hours=3)).isoformat()
    response = nurse_api.send("post", f"sessions/{session.pk}/vitals", {**VITALS, "measured_at": early})
    assert response.status_code == 400
    assert "before the session started" in json.dumps(response.json())


def test_a_vital_timed_in_1900_or_in_the_future_is_refused(nurse_api, session) -> None:
    for when in ("1900-01-01T10:00:00Z", (timezone.now() + dt.timedelta(hours=2)).isoformat()):
        response = nurse_api.send("post", f"sessions/{session.pk}/vitals", {**VITALS, "measured_at": when})
        assert response.status_code in (400, 422), when


def test_a_lab_result_dated_0_is_refused_not_stored_as_1970(nurse_api, patient) -> None:
    from ketacare.outcomes.models import LabResult

    body = {"kind": "urine-tox", "substance": "cannabis", "positive": False, "collected_at": 0}
    response = nurse_api.send("post", f"patients/{patient.pk}/substance-use/tests", body)
    assert response.status_code == 422
    assert "collected_at" in _fields(response)
    assert not LabResult.objects.exists()


# --- bodies and paging ---------------------------------------------------------------------------


def test_a_json_body_sent_as_text_plain_is_refused_with_415(nurse_api, patient) -> None:
    response = nurse_api.send(
        "post", f"patients/{patient.pk}/measurements", {"weight_kg": "70.0"}, content_type="text/plain"
    )
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]


@pytest.mark.parametrize(
    "params",
    [
        {"offset": 2**64},
        {"limit": 2**64},
        {"offset": -1},
        {"limit": 0},
        {"limit": MAX_PAGE_SIZE + 1},
    ],
)
def test_paging_beyond_its_bounds_is_a_422_not_a_500(nurse_api, patient, params) -> None:
    assert nurse_api.get("patients", **params).status_code == 422
    assert nurse_api.get(f"patients/{patient.pk}/measurements", **params).status_code == 422


def test_every_list_endpoint_is_paginated_with_the_one_pagination_class() -> None:
    from ketacare.api import api

    schema = api.get_openapi_schema()
    lists = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            ok = operation.get("responses", {}).get("200", {})
            body = ok.get("content", {}).get("application/json", {}).get("schema", {})
            ref = body.get("$ref", "")
            target = schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], body) if ref else body
            if method == "get" and target.get("type") == "array":
                lists.append(path)
            if ref and "items" in target.get("properties", {}) and "count" in target.get("properties", {}):
                names = {p["name"] for p in operation.get("parameters", [])}
                assert {"limit", "offset"} <= names, path
    assert lists == [], f"unpaginated lists: {lists}"
