"""Outcomes test helpers: API callers with real bearer tokens, and a responsible clinician."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ketacare.testing import act_as

PHQ9_NO_RISK = [1, 1, 0, 1, 0, 0, 0, 0, 0]  # total 3, minimal, item 9 "not at all"
PHQ9_ITEM9_POSITIVE = [2, 2, 1, 2, 1, 1, 1, 0, 1]  # total 11, moderate, item 9 "several days"


class Api:
    """Calls /api/v1 as one user (or anonymously), returning (status, json)."""

    def __init__(self, user: Any | None) -> None:
        self.client = Client()
        self.headers: dict[str, str] = act_as(user).headers

    def _call(self, method: str, path: str, body: Any = None, **params: Any) -> tuple[int, Any]:
        url = f"/api/v1/{path.lstrip('/')}"
        if method == "get":
            response = self.client.get(url, params, headers=self.headers)
        else:
            response = getattr(self.client, method)(
                url, json.dumps(body or {}), content_type="application/json", headers=self.headers
            )
        return response.status_code, response.json() if response.content else None

    def get(self, path: str, **params: Any) -> tuple[int, Any]:
        return self._call("get", path, **params)

    def post(self, path: str, body: Any) -> tuple[int, Any]:
        return self._call("post", path, body)

    def patch(self, path: str, body: Any) -> tuple[int, Any]:
        return self._call("patch", path, body)


@pytest.fixture
def api() -> Callable[[Any | None], Api]:
    return Api


@pytest.fixture
def responsible(patient: Any, prescriber: Any, clinic_admin: Any) -> Any:
    """The prescriber, with an email address, as the patient's responsible clinician."""
    from ketacare.patients import services

    prescriber.email = "dr.prescriber@clinic.test"
    prescriber.save()
    services.add_care_team_member(by=clinic_admin, patient=patient, member=prescriber, is_responsible=True)
    return prescriber


@pytest.fixture
def other_patient(other_clinic: Any, outsider: Any) -> Any:
    import datetime as dt

    from ketacare.patients import services

    return services.register_patient(
        by=outsider,
        clinic=other_clinic,
        medical_record_number="MRN-X",
        given_name="Other",
        family_name="Person",
        date_of_birth=dt.date(1970, 1, 1),
        sex_at_birth="male",
    )


@pytest.fixture(autouse=True)
def _no_second_factor(settings: Any) -> None:
    """Pages are tested logged in with one factor; two-factor login has its own tests in accounts.
    (The root conftest sets KETACARE_REQUIRE_MFA=0, but pytest-django may load settings first.)"""
    settings.REQUIRE_MFA = False
