"""The trials' endpoints for a clinic: who may read them, which patients count, the numbers by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts import services as accounts
from ketacare.audit.models import AuditEvent
from ketacare.dosing import services as dosing
from ketacare.outcomes import services as outcomes
from ketacare.patients import services as patients
from ketacare.plans.testing import signed_order

pytestmark = pytest.mark.django_db


def person(nurse: Any, clinic: Any, mrn: str, substance: str, sex: str = "male") -> Any:
    patient = patients.register_patient(
        by=nurse,
        clinic=clinic,
        medical_record_number=mrn,
        given_name="Test",
        family_name=mrn,
        date_of_birth=dt.date(1980, 1, 1),
        sex_at_birth=sex,
        weight_kg=Decimal("70"),
    )
    patients.record_substance_use_disorder(
        by=nurse, patient=patient, substance=substance, criteria_met=6, is_primary=True
    )
    return patient


def first_session(nurse: Any, patient: Any, day: dt.date) -> None:
    session = dosing.plan_session(
        by=nurse,
        patient=patient,
        route="iv-infusion",
        dose_mg=Decimal("35"),
        duration_min=Decimal(40),
        order=signed_order(patient, dose_mg="35"),
    )
    dosing.start_session(
        by=nurse,
        session=session,
        consent_confirmed=True,
        fasting_confirmed=True,
        escort_confirmed=True,
        identity_identifiers=["full_name", "date_of_birth"],
        started_at=timezone.make_aware(dt.datetime.combine(day, dt.time(9))),
    )


def report(nurse: Any, patient: Any, start: dt.date, days: range, substance: str, use_on: set[int]) -> None:
    for offset in days:
        used = offset in use_on
        outcomes.record_substance_use(
            by=nurse,
            patient=patient,
            day=start + dt.timedelta(days=offset),
            substance=substance,
            used=used,
            standard_drinks=(Decimal(6) if used else None) if substance == "alcohol" else None,
        )


@pytest.fixture
def cohort(nurse: Any, clinic: Any) -> None:
    """Three cocaine patients 60 days after their first session, one 10 days after (not yet an
    outcome), and one alcohol patient 30 days after."""
    today = timezone.localdate()
    start = today - dt.timedelta(days=60)
    abstinent = person(nurse, clinic, "C1", "cocaine")
    first_session(nurse, abstinent, start)
    report(nurse, abstinent, start, range(0, 35), "cocaine", set())
    relapsed = person(nurse, clinic, "C2", "cocaine")
    first_session(nurse, relapsed, start)
    report(nurse, relapsed, start, range(0, 35), "cocaine", {8, 9, 30})
    dropped_out = person(nurse, clinic, "C3", "cocaine")
    first_session(nurse, dropped_out, start)
    report(nurse, dropped_out, start, range(0, 10), "cocaine", set())
    recent = person(nurse, clinic, "C4", "cocaine")
    first_session(nurse, recent, today - dt.timedelta(days=10))
    drinker = person(nurse, clinic, "A1", "alcohol", sex="female")
    first_session(nurse, drinker, today - dt.timedelta(days=30))
    report(nurse, drinker, today - dt.timedelta(days=30), range(0, 21), "alcohol", {5})


def test_the_dakwar_2019_endpoints_count_only_finished_cocaine_courses(cohort, researcher) -> None:
    client = Client()
    client.force_login(researcher)
    response = client.get(reverse("api:trial_comparisons"))
    assert response.status_code == 200, response.content
    by_trial = {t["trial"]: t for t in response.json()}
    dakwar = by_trial["dakwar-2019"]
    assert dakwar["eligible_patients"] == 3  # C4 is 10 days in
    abstinence, relapse = dakwar["endpoints"]
    # Only C1 reported every one of days 21-34 without use; C2 used on day 30, C3 stopped reporting.
    assert (abstinence["n"], abstinence["estimate"]) == (3, 33.3)
    # C2 relapsed on day 8, C3 dropped out on day 10; C1 is censored at day 35.
    assert "2 of 3 relapsed" in relapse["clinic_value"]
    assert any("48.2%" in p["value"] and p["status"] == "VERIFIED" for p in dakwar["published"])
    assert any("not a trial" in c for c in dakwar["caveats"])


def test_the_alcohol_trials_count_the_drinker_once_her_window_ends(cohort, researcher) -> None:
    client = Client()
    client.force_login(researcher)
    by_trial = {t["trial"]: t for t in client.get(reverse("api:trial_comparisons")).json()}
    dakwar_2020 = by_trial["dakwar-2020"]
    assert dakwar_2020["eligible_patients"] == 1
    daily, heavy, _ = dakwar_2020["endpoints"]
    assert daily["estimate"] == pytest.approx(95.2)  # 20 of 21 days without drinking
    assert heavy["estimate"] == 100.0  # 6 drinks is heavy for a woman (more than 3)
    assert by_trial["grabski-2022"]["eligible_patients"] == 0  # six months have not passed
    assert by_trial["grabski-2022"]["endpoints"][0]["clinic_value"] == "no patients yet"


def test_the_trials_page_states_plainly_that_a_cohort_is_not_a_trial(cohort, researcher) -> None:
    client = Client()
    client.force_login(researcher)
    response = client.get(reverse("research:trials"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Not a trial." in page and "no control arm" in page
    assert 'data-testid="trial-dakwar-2019"' in page and "33.3%" in page
    assert AuditEvent.objects.filter(actor=researcher, entity_type="research.trials", action="read").exists()


@pytest.mark.parametrize(("persona", "status"), [("nurse", 403), ("prescriber", 403), ("patient", 403)])
def test_clinical_roles_and_patients_do_not_see_the_trials_page(personas, persona, status) -> None:
    client = Client()
    client.force_login(personas[persona])
    assert client.get(reverse("research:trials")).status_code == status
    assert client.get(reverse("api:trial_comparisons")).status_code == status


def test_a_researcher_cannot_name_another_clinic(researcher, other_clinic) -> None:
    client = Client()
    client.force_login(researcher)
    assert client.get(reverse("research:trials"), {"clinic": other_clinic.slug}).status_code == 404
    assert client.get(reverse("api:trial_comparisons"), {"clinic": other_clinic.slug}).status_code == 404


def test_anonymous_callers_are_refused(db) -> None:
    assert Client().get(reverse("research:trials")).status_code == 302
    assert Client().get(reverse("api:trial_comparisons")).status_code == 401


def test_the_api_answers_with_a_token_too(cohort, clinic_admin) -> None:
    _, token = accounts.create_api_token(user=clinic_admin, name="test")
    response = Client().get(reverse("api:trial_comparisons"), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and len(response.json()) == 3
