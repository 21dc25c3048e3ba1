"""Who may open which page and API route: anonymous, wrong role, other clinic, right role.

Another clinic's record answers 404 (its existence does not leak); a known record with too little
role answers 403. The roles follow accounts/roles.py and docs/security.md.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from ketacare.accounts.services import create_api_token
from ketacare.audit.models import AuditEvent
from ketacare.testing import client_for

ANON = "anonymous"

# (persona, method, path, expected status); {id} is the test patient in the personas' clinic.
PAGES = [
    (ANON, "get", "/patients/", 302),
    ("patient", "get", "/patients/", 403),
    ("researcher", "get", "/patients/", 403),
    ("outsider", "get", "/patients/", 200),
    ("therapist", "get", "/patients/", 200),
    (ANON, "get", "/patients/{id}/", 302),
    ("outsider", "get", "/patients/{id}/", 404),
    ("researcher", "get", "/patients/{id}/", 403),
    ("patient", "get", "/patients/{id}/", 302),  # to their own portal page
    ("therapist", "get", "/patients/{id}/", 200),
    ("clinic_admin", "get", "/patients/{id}/", 200),
    ("nurse", "get", "/patients/{id}/", 200),
    ("prescriber", "get", "/patients/{id}/", 200),
    ("nurse", "get", "/patients/999999/", 404),
    (ANON, "get", "/patients/new/", 302),
    ("therapist", "get", "/patients/new/", 403),
    ("nurse", "get", "/patients/new/", 200),
    ("clinic_admin", "get", "/patients/new/", 200),
    (ANON, "get", "/patients/{id}/edit/", 302),
    ("outsider", "get", "/patients/{id}/edit/", 404),
    ("therapist", "get", "/patients/{id}/edit/", 403),
    ("clinic_admin", "get", "/patients/{id}/edit/", 200),
    ("nurse", "post", "/patients/{id}/edit/", 200),
    ("outsider", "get", "/patients/{id}/history/", 404),
    ("nurse", "get", "/patients/{id}/history/", 200),
    (ANON, "get", "/patients/{id}/weight/new/", 302),
    ("outsider", "get", "/patients/{id}/weight/new/", 404),
    ("therapist", "get", "/patients/{id}/weight/new/", 403),
    ("clinic_admin", "get", "/patients/{id}/weight/new/", 403),
    ("nurse", "get", "/patients/{id}/weight/new/", 200),
    ("prescriber", "get", "/patients/{id}/medication/new/", 200),
    ("nurse", "get", "/patients/{id}/no-such-kind/new/", 404),
    ("outsider", "get", "/patients/{id}/weight/{entry}/error/", 404),
    ("therapist", "get", "/patients/{id}/weight/{entry}/error/", 403),
    ("nurse", "get", "/patients/{id}/weight/{entry}/error/", 200),
    ("nurse", "get", "/patients/{id}/allergy/{entry}/error/", 404),  # no such allergy
    (ANON, "get", "/patients/{id}/care-team/add/", 302),
    ("outsider", "get", "/patients/{id}/care-team/add/", 404),
    ("therapist", "get", "/patients/{id}/care-team/add/", 403),
    ("clinic_admin", "get", "/patients/{id}/care-team/add/", 200),
    (ANON, "get", "/accounts/staff/{user}/credentials/new/", 302),
    ("nurse", "get", "/accounts/staff/{user}/credentials/new/", 403),
    ("outsider", "get", "/accounts/staff/{user}/credentials/new/", 403),
    ("clinic_admin", "get", "/accounts/staff/{user}/credentials/new/", 200),
    (ANON, "get", "/patients/me/", 302),
    ("patient", "get", "/patients/me/", 200),
    ("nurse", "get", "/patients/me/", 404),
    (ANON, "get", "/audit/", 302),
    ("nurse", "get", "/audit/", 403),
    ("outsider", "get", "/audit/", 403),
    ("clinic_admin", "get", "/audit/", 200),
]


def _client(persona: str, personas: dict) -> Client:
    return client_for(None if persona == ANON else personas[persona])


@pytest.mark.parametrize(("persona", "method", "path", "expected"), PAGES)
def test_page_access_follows_the_roles_matrix(personas, patient, persona, method, path, expected) -> None:
    url = path.format(id=patient.pk, entry=patient.measurements.get().pk, user=personas["nurse"].pk)
    response = getattr(_client(persona, personas), method)(url)

    assert response.status_code == expected
    if persona == ANON:
        assert response["Location"].startswith("/accounts/login/")


API = [
    (ANON, "get", "/api/v1/patients", None, 401),
    ("nurse", "get", "/api/v1/patients", None, 200),
    ("patient", "get", "/api/v1/patients", None, 200),
    (ANON, "get", "/api/v1/patients/{id}", None, 401),
    ("outsider", "get", "/api/v1/patients/{id}", None, 404),
    ("researcher", "get", "/api/v1/patients/{id}", None, 403),
    ("therapist", "get", "/api/v1/patients/{id}", None, 200),
    ("patient", "get", "/api/v1/patients/{id}", None, 200),
    ("therapist", "patch", "/api/v1/patients/{id}", {"given_name": "Augusta"}, 403),
    ("outsider", "patch", "/api/v1/patients/{id}", {"given_name": "Augusta"}, 404),
    ("patient", "patch", "/api/v1/patients/{id}", {"given_name": "Augusta"}, 403),
    ("nurse", "patch", "/api/v1/patients/{id}", {"given_name": "Augusta"}, 200),
    ("clinic_admin", "get", "/api/v1/patients/{id}/measurements", None, 200),
    ("outsider", "get", "/api/v1/patients/{id}/measurements", None, 404),
    ("clinic_admin", "post", "/api/v1/patients/{id}/measurements", {"weight_kg": "70"}, 403),
    ("outsider", "post", "/api/v1/patients/{id}/measurements", {"weight_kg": "70"}, 404),
    ("nurse", "post", "/api/v1/patients/{id}/measurements", {"weight_kg": "70"}, 201),
    (ANON, "get", "/api/v1/audit-events", None, 401),
    ("nurse", "get", "/api/v1/audit-events", None, 403),
    ("clinic_admin", "get", "/api/v1/audit-events", None, 200),
]


@pytest.mark.parametrize(("persona", "method", "path", "body", "expected"), API)
def test_api_access_follows_the_roles_matrix(
    personas, patient, persona, method, path, body, expected
) -> None:
    headers = {}
    if persona != ANON:
        _, token = create_api_token(user=personas[persona], name="test")
        headers["Authorization"] = f"Bearer {token}"
    kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body is not None else {}
    response = getattr(Client(), method)(path.format(id=patient.pk), headers=headers, **kwargs)
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert set(response.json()) == {"detail", "errors"}


def test_another_clinics_staff_do_not_see_the_patient_in_lists(personas, patient) -> None:
    _, token = create_api_token(user=personas["outsider"], name="test")
    response = Client().get("/api/v1/patients", headers={"Authorization": f"Bearer {token}"})
    assert response.json()["items"] == []
    page = _client("outsider", personas).get("/patients/")
    assert patient.family_name not in page.content.decode()


def test_a_patient_sees_only_their_own_record_in_the_api(personas, patient, clinic, nurse) -> None:
    from ketacare.patients import services

    other = services.register_patient(
        by=nurse,
        clinic=clinic,
        medical_record_number="MRN-2",
        given_name="Bo",
        family_name="Other",
        date_of_birth="1990-01-01",
        sex_at_birth="male",
    )
    _, token = create_api_token(user=personas["patient"], name="test")
    response = Client().get(f"/api/v1/patients/{other.pk}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404


def test_a_refused_read_is_audited_with_its_outcome(personas, patient) -> None:
    _client("outsider", personas).get(f"/patients/{patient.pk}/")
    event = AuditEvent.objects.filter(actor=personas["outsider"]).latest("id")
    assert (event.outcome, event.patient_id) == ("not_found", patient.pk)
    _client("researcher", personas).get(f"/patients/{patient.pk}/")
    assert AuditEvent.objects.filter(actor=personas["researcher"]).latest("id").outcome == "denied"


def test_every_successful_read_of_a_record_is_audited_with_the_client_address(personas, patient) -> None:
    before = AuditEvent.objects.filter(action="read").count()
    _client("therapist", personas).get(f"/patients/{patient.pk}/", REMOTE_ADDR="10.1.2.3")
    event = AuditEvent.objects.filter(action="read").latest("id")
    assert AuditEvent.objects.filter(action="read").count() == before + 1
    assert (event.actor, event.ip_address, event.source) == (personas["therapist"], "10.1.2.3", "web")
