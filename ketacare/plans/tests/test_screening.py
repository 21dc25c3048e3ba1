"""Screening stored and re-run, overrides (prescriber only, never absolute), pages and API, access."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts.services import create_api_token
from ketacare.audit.models import AuditEvent
from ketacare.patients import services as patients
from ketacare.plans import services
from ketacare.plans.models import Screening, ScreeningOverride

pytestmark = pytest.mark.django_db


def api_client(user: Any) -> Client:
    if user is None:
        return Client()
    _, token = create_api_token(user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {token}"})


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(path, data=json.dumps(body or {}), content_type="application/json")


def page_client(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_a_ketamine_allergy_makes_the_patient_not_eligible_and_cannot_be_overridden(
    prescriber, nurse, patient
) -> None:
    allergy = patients.add_allergy(by=nurse, patient=patient, substance="Ketamine", reaction="rash")
    screening = services.run_screening(by=nurse, patient=patient)
    assert screening.result == "not-eligible" and screening.run_by == nurse
    (reason,) = screening.reasons
    assert reason["class"] == "absolute" and reason["input"] == f"allergy:{allergy.pk}"
    with pytest.raises(ValidationError, match="cannot, by anyone"):
        services.override_reason(
            by=prescriber, screening=screening, code="ketamine-allergy", justification="x"
        )
    assert not ScreeningOverride.objects.exists()


def test_a_prescriber_overrides_a_relative_reason_in_writing_and_a_nurse_cannot(
    prescriber, nurse, patient
) -> None:
    patients.add_medication(by=nurse, patient=patient, name="Methadone", drug_class="methadone")
    screening = services.run_screening(by=nurse, patient=patient)
    assert screening.result == "needs-review"
    with pytest.raises(PermissionDenied):
        services.override_reason(
            by=nurse, screening=screening, code="cns-depressant-methadone", justification="ok"
        )
    with pytest.raises(ValidationError):
        services.override_reason(
            by=prescriber, screening=screening, code="cns-depressant-methadone", justification=" "
        )
    services.override_reason(
        by=prescriber,
        screening=screening,
        code="cns-depressant-methadone",
        justification="Stable dose; monitored.",
    )
    assert services.effective_result(screening) == "eligible"
    # The override holds for the next screening of the same reason and row.
    assert services.effective_result(services.run_screening(by=nurse, patient=patient)) == "eligible"
    event = AuditEvent.objects.filter(action="screening.override").get()
    assert event.detail == {"code": "cns-depressant-methadone", "screening": screening.pk}


def test_the_alcohol_gate_uses_the_last_recorded_drink(nurse, patient) -> None:
    today = timezone.localdate()
    patients.record_substance_use_disorder(
        by=nurse, patient=patient, substance="alcohol", criteria_met=6, last_use_on=today
    )
    screening = services.run_screening(by=nurse, patient=patient)
    assert screening.result == "not-eligible"
    assert screening.reasons[0]["code"] == "detox-gate-alcohol" and screening.reasons[0]["class"] == "gate"
    patient2_sud = patient.substance_use_disorders.get()
    patient2_sud.last_use_on = today - dt.timedelta(days=3)
    patient2_sud.save()
    assert services.run_screening(by=nurse, patient=patient).result == "eligible"


def test_clinic_set_limits_change_the_screening(nurse, clinic_admin, clinic, patient) -> None:
    patients.record_substance_use_disorder(
        by=nurse,
        patient=patient,
        substance="opioids",
        criteria_met=6,
        last_use_on=timezone.localdate() - dt.timedelta(days=1),
    )
    assert services.run_screening(by=nurse, patient=patient).result == "eligible"
    services.update_safety_settings(by=clinic_admin, clinic=clinic, opioids_gate_hours=72)
    assert services.run_screening(by=nurse, patient=patient).result == "not-eligible"
    with pytest.raises(ValidationError):
        services.update_safety_settings(by=clinic_admin, clinic=clinic, alcohol_gate_hours=6)
    with pytest.raises(PermissionDenied):
        services.update_safety_settings(by=nurse, clinic=clinic, cows_max=8)


def test_the_patient_page_shows_when_the_record_changed_the_result(nurse, patient) -> None:
    services.run_screening(by=nurse, patient=patient)
    url = reverse("patients:detail", args=[patient.pk])
    assert "screening-changed" not in page_client(nurse).get(url).content.decode()
    patients.add_history_flag(by=nurse, patient=patient, flag="aneurysm_avm")
    page = page_client(nurse).get(url).content.decode()
    assert "screening-changed" in page and "Not eligible" in page


def test_the_screening_page_offers_an_override_only_to_a_prescriber_and_only_for_relative_reasons(
    prescriber, nurse, patient
) -> None:
    patients.add_allergy(by=nurse, patient=patient, substance="esketamine")
    patients.add_history_flag(by=nurse, patient=patient, flag="psychosis")
    services.run_screening(by=nurse, patient=patient)
    url = reverse("plans:screening", args=[patient.pk])
    as_prescriber = page_client(prescriber).get(url).content.decode()
    assert as_prescriber.count('name="justification"') == 1 and "Cannot be overridden" in as_prescriber
    assert 'name="justification"' not in page_client(nurse).get(url).content.decode()
    refused = page_client(nurse).post(
        reverse("plans:screening_override", args=[patient.pk]), {"code": "psychosis", "justification": "x"}
    )
    assert refused.status_code == 403
    done = page_client(prescriber).post(
        reverse("plans:screening_override", args=[patient.pk]),
        {"code": "psychosis", "justification": "Remote single episode, psychiatrist agrees."},
    )
    assert done.status_code == 302 and ScreeningOverride.objects.get().overridden_by == prescriber


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("prescriber", 200),
        ("nurse", 200),
        ("therapist", 403),
        ("clinic_admin", 403),
        ("researcher", 403),
        ("patient", 403),
        ("outsider", 404),
    ],
)
def test_screening_page_access(personas, patient, persona, status) -> None:
    assert (
        page_client(personas[persona]).get(reverse("plans:screening", args=[patient.pk])).status_code
        == status
    )


def test_anonymous_is_sent_to_log_in_from_the_screening_pages(patient) -> None:
    for name in ("plans:screening", "plans:orders"):
        response = Client().get(reverse(name, args=[patient.pk]))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Client().get(reverse("plans:protocols")).status_code == 302
    assert Client().get(reverse("plans:settings")).status_code == 302


def test_the_screening_api_runs_and_answers_with_every_reason(nurse, patient) -> None:
    api = api_client(nurse)
    base = f"/api/v1/patients/{patient.pk}"
    assert api.get(f"{base}/screening").status_code == 404
    created = post(api, f"{base}/allergies", {"substance": "ketamine", "severity": "severe"})
    assert created.status_code == 201
    assert post(api, f"{base}/history", {"flag": "sleep_apnoea"}).status_code == 201
    assert [a["substance"] for a in api.get(f"{base}/allergies").json()] == ["ketamine"]
    assert [h["flag"] for h in api.get(f"{base}/history").json()] == ["sleep_apnoea"]
    ran = post(api, f"{base}/screening")
    assert ran.status_code == 201
    body = ran.json()
    assert body["result"] == "not-eligible"
    assert {(r["code"], r["class"]) for r in body["reasons"]} == {
        ("ketamine-allergy", "absolute"),
        ("sleep-apnoea", "relative"),
    }
    assert all(r["message"] and r["source"] for r in body["reasons"])
    assert api.get(f"{base}/screening").json()["id"] == body["id"]


def test_the_screening_api_refuses_unknown_fields_control_characters_and_nurse_overrides(
    nurse, patient
) -> None:
    api = api_client(nurse)
    base = f"/api/v1/patients/{patient.pk}"
    assert post(api, f"{base}/allergies", {"substance": "x", "colour": "red"}).status_code == 422
    assert post(api, f"{base}/allergies", {"substance": "keta\x00mine"}).status_code == 422
    assert post(api, f"{base}/history", {"flag": "not-a-flag"}).status_code == 422
    post(api, f"{base}/screening")
    refused = post(api, f"{base}/screening/overrides", {"code": "x", "justification": "y"})
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("persona", "status"),
    [("therapist", 403), ("clinic_admin", 403), ("researcher", 403), ("patient", 403), ("outsider", 404)],
)
def test_screening_api_access_for_the_wrong_role_and_another_clinic(
    personas, patient, persona, status
) -> None:
    api = api_client(personas[persona])
    base = f"/api/v1/patients/{patient.pk}"
    assert post(api, f"{base}/screening").status_code == status
    assert api.get(f"{base}/screening").status_code == status
    assert not Screening.objects.exists()


def test_screening_api_for_anonymous_answers_401(patient) -> None:
    assert Client().get(f"/api/v1/patients/{patient.pk}/screening").status_code == 401
    assert Client().get("/api/v1/protocols").status_code == 401
