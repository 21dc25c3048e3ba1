"""The dose-planning page: who may see it, what it computes from the record, and bad input.

Each path: anonymous (to the login page), wrong role (403), other clinic (404), right role."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from ketacare.audit.models import AuditEvent
from ketacare.patients import services as patients
from ketacare.testing import client_for

pytestmark = pytest.mark.django_db

# 0.5 mg/kg over 40 min, the classic depression-trial infusion, for the 64.5-kg fixture patient.
INFUSION = {"route": "iv-infusion", "dose": "0.5", "unit": "mg/kg", "salt": "base", "duration_min": "40"}


def url(patient: Any) -> str:
    return reverse("dosing:plan", args=[patient.pk])


def test_anonymous_is_sent_to_log_in(patient) -> None:
    response = client_for(None).get(url(patient))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("therapist", 403), ("clinic_admin", 403), ("researcher", 403), ("patient", 403), ("outsider", 404)],
)
def test_only_prescribers_and_nurses_of_the_patients_clinic_may_plan_a_dose(
    personas, patient, persona, status
) -> None:
    response = client_for(personas[persona]).get(url(patient), INFUSION)
    assert response.status_code == status
    # The refusal is audited; no plan was made.
    refusal = AuditEvent.objects.get(action="dosing.plan", actor_username=personas[persona].username)
    assert refusal.outcome != AuditEvent.Outcome.SUCCESS


@pytest.mark.parametrize("persona", ["prescriber", "nurse"])
def test_prescribers_and_nurses_see_the_weight_the_plan_uses(personas, patient, persona) -> None:
    page = client_for(personas[persona]).get(url(patient))
    assert page.status_code == 200
    assert "64.5 kg" in page.content.decode() and 'data-testid="plan-result"' not in page.content.decode()
    assert AuditEvent.objects.filter(action="read", patient_id=patient.pk, actor_username=persona).exists()


def test_a_weight_based_infusion_is_turned_into_mg_and_what_to_expect_from_the_record_weight(
    nurse, patient
) -> None:
    page = client_for(nurse).get(url(patient), INFUSION).content.decode()
    assert 'data-testid="plan-result"' in page
    assert "32.25 mg ketamine base in total" in page  # 0.5 mg/kg x 64.5 kg
    assert "Onset of dissociative effects" in page and "Predicted recovery" in page
    assert "clements-1981" in page  # the documented adult default for an IV infusion, named with its reason
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "dissociation" in svg and "<script" not in svg
    event = AuditEvent.objects.get(action="dosing.plan")
    assert event.patient_id == patient.pk and event.detail["model"] == "clements-1981"
    assert event.detail["regimen"] == "32.25 mg iv-infusion at 0 min over 40 min"


def test_a_hydrochloride_order_is_converted_to_base_and_both_are_shown(nurse, patient) -> None:
    page = client_for(nurse).get(url(patient), {**INFUSION, "salt": "hcl"}).content.decode()
    # 0.5 mg/kg HCl x 64.5 kg = 32.25 mg HCl = 27.96 mg base
    assert "27.96 mg ketamine base in total" in page and "32.25 mg as ketamine hydrochloride" in page


def test_a_loading_dose_then_infusion_lists_both_events(prescriber, patient) -> None:
    query = {
        **INFUSION,
        "dose": "0.60",
        "duration_min": "50",
        "loading_dose": "0.11",
        "loading_duration_min": "2",
    }
    page = client_for(prescriber).get(url(patient), query).content.decode()
    assert "45.79 mg ketamine base in total" in page  # 0.71 mg/kg x 64.5 kg = 45.795 (float 45.79499...)
    assert page.count("iv-infusion</td>") == 2


def test_a_chosen_model_is_used_and_a_route_it_lacks_is_refused_in_words(nurse, patient) -> None:
    page = client_for(nurse).get(url(patient), {**INFUSION, "model": "kamp-2020"}).content.decode()
    assert "kamp-2020" in page and 'data-testid="plan-result"' in page
    refused = client_for(nurse).get(url(patient), {**INFUSION, "route": "oral", "model": "kamp-2020"})
    text = refused.content.decode()
    assert refused.status_code == 200 and "model kamp-2020 has no route oral" in text
    assert 'data-testid="plan-result"' not in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({**INFUSION, "duration_min": ""}, "An IV infusion needs its duration in minutes."),
        ({**INFUSION, "dose": "-1"}, "Ensure this value is greater than or equal to 0.001."),
        ({**INFUSION, "dose": "25"}, "is implausible"),
        ({**INFUSION, "route": "im", "duration_min": ""}, "no adult IM model"),
        (
            {**INFUSION, "route": "oral", "loading_dose": "5"},
            "A loading dose is only given before an IV infusion.",
        ),
        ({**INFUSION, "route": "teleport"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_keeps_what_was_typed(nurse, patient, query, message) -> None:
    response = client_for(nurse).get(url(patient), query)
    text = response.content.decode()
    assert response.status_code == 200 and message in text
    assert 'data-testid="plan-result"' not in text
    assert f'value="{query["dose"]}"' in text
    assert not AuditEvent.objects.filter(action="dosing.plan", outcome=AuditEvent.Outcome.SUCCESS).exists()


def test_without_a_recorded_weight_the_page_says_so_and_computes_nothing(nurse, clinic) -> None:
    unweighed = patients.register_patient(
        by=nurse,
        clinic=clinic,
        medical_record_number="MRN-2",
        given_name="Grace",
        family_name="Hopper",
        date_of_birth=dt.date(1990, 1, 1),
        sex_at_birth="female",
    )
    page = client_for(nurse).get(url(unweighed), INFUSION).content.decode()
    assert 'data-testid="no-weight"' in page and 'data-testid="plan-result"' not in page


def test_a_weight_entered_in_error_is_not_used(nurse, patient) -> None:
    newer = patients.record_body_measurement(by=nurse, patient=patient, weight_kg=Decimal("80.0"))
    patients.mark_entered_in_error(by=nurse, entry=newer, reason="wrong patient")
    page = client_for(nurse).get(url(patient), INFUSION).content.decode()
    assert "32.25 mg ketamine base in total" in page


def test_the_record_offers_dose_planning_only_to_those_who_may_plan(prescriber, therapist, patient) -> None:
    link = reverse("dosing:plan", args=[patient.pk])
    assert link in client_for(prescriber).get(reverse("patients:detail", args=[patient.pk])).content.decode()
    assert (
        link not in client_for(therapist).get(reverse("patients:detail", args=[patient.pk])).content.decode()
    )
