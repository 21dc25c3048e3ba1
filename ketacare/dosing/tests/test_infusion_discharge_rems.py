"""The dose and the infusion, discharge, and the esketamine REMS form, through the API and services."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from ketacare.accounts.services import create_api_token
from ketacare.dosing import selectors, services
from ketacare.outcomes import services as outcomes
from ketacare.plans.testing import order_prescriber, signed_order

pytestmark = pytest.mark.django_db

CHECKLIST = {
    "consent_confirmed": True,
    "fasting_confirmed": True,
    "escort_confirmed": True,
    "identity_identifiers": ["full_name", "date_of_birth"],
}
NORMAL = {"systolic_mmhg": 128, "diastolic_mmhg": 82, "heart_rate_per_min": 76, "spo2_percent": 98}


def api(user: Any) -> Client:
    _, token = create_api_token(user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {token}"})


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, data=json.dumps(body, default=str), content_type="application/json")


def infusion(nurse: Any, patient: Any, started_at: dt.datetime | None = None, **plan: Any) -> Any:
    session = services.plan_session(
        by=nurse,
        patient=patient,
        route=(route := plan.pop("route", "iv-infusion")),
        dose_mg=(dose_mg := plan.pop("dose_mg", Decimal("40"))),
        duration_min=plan.pop("duration_min", Decimal("40")),
        order=plan.pop("order", None) or signed_order(patient, route=route, dose_mg=dose_mg),
        **plan,
    )
    return services.start_session(
        by=nurse,
        session=session,
        started_at=started_at,
        prescriber_on_site=order_prescriber(patient),
        **CHECKLIST,
    )


def test_the_dose_becomes_a_volume_and_a_pump_rate_with_the_rounding_stated(
    nurse, prescriber, patient
) -> None:
    session = infusion(nurse, patient)
    expiry = timezone.localdate() + dt.timedelta(days=200)
    body = {
        "concentration_mg_per_ml": "10",
        "concentration_as": "base",
        "lot_number": "K2291",
        "lot_expiry": expiry,
    }
    response = post(
        api(nurse),
        f"/api/v1/sessions/{session.pk}/dose",
        {**body, "checked_by_username": prescriber.username},
    )
    assert response.status_code == 200
    data = response.json()
    assert Decimal(data["volume_ml"]) == Decimal("4.00") and Decimal(data["pump_rate_ml_h"]) == Decimal("6.0")
    assert data["checked"] is True
    # A vial labelled as the salt: 10 mg/mL HCl is 8.67 mg base/mL, so more volume.
    salt = post(api(nurse), f"/api/v1/sessions/{session.pk}/dose", {**body, "concentration_as": "hcl"}).json()
    assert Decimal(salt["volume_ml"]) == Decimal("4.61")
    expired = post(
        api(nurse),
        f"/api/v1/sessions/{session.pk}/dose",
        {**body, "lot_expiry": timezone.localdate() - dt.timedelta(days=1)},
    )
    assert expired.status_code == 400 and "expired" in expired.content.decode()
    assert post(api(nurse), f"/api/v1/sessions/{session.pk}/dose", {**body, "extra": 1}).status_code == 422


def test_infusion_events_give_the_delivered_dose_and_a_rate_change_before_the_start_is_refused(
    nurse, patient
) -> None:
    began = timezone.now() - dt.timedelta(minutes=50)
    session = infusion(nurse, patient, started_at=began)
    services.prepare_dose(
        by=nurse,
        session=session,
        concentration_mg_per_ml=Decimal("10"),
        concentration_as="base",
        lot_number="K2291",
        lot_expiry=timezone.localdate() + dt.timedelta(days=30),
    )
    client = api(nurse)
    url = f"/api/v1/sessions/{session.pk}/events"
    early = post(client, url, {"kind": "rate_change", "rate_ml_h": "6", "at": began})
    assert early.status_code == 400 and "has not started" in early.content.decode()
    assert post(client, url, {"kind": "start", "rate_ml_h": "6", "at": began}).status_code == 201
    assert post(client, url, {"kind": "pause", "at": began + dt.timedelta(minutes=10)}).status_code == 201
    assert (
        post(
            client, url, {"kind": "resume", "rate_ml_h": "6", "at": began + dt.timedelta(minutes=15)}
        ).status_code
        == 201
    )
    before = post(client, url, {"kind": "stop", "at": began + dt.timedelta(minutes=12)})
    assert before.status_code == 400
    done = post(client, url, {"kind": "stop", "at": began + dt.timedelta(minutes=45)}).json()
    # 6 mL/h for 10 + 30 min = 4 mL = 40 mg base.
    assert Decimal(done["delivered_dose_mg"]) == Decimal("40.00") and done["state"] == "stopped"
    assert Decimal(done["ordered_dose_mg"]) == Decimal("40.00")
    assert len(client.get(url).json()["events"]) == 4


def test_discharge_checks_every_criterion_and_refuses_before_the_minimum_time(
    nurse, prescriber, clinic_admin, clinic, patient
) -> None:
    services.update_session_settings(by=clinic_admin, clinic=clinic, minimum_observation_min=60)
    session = infusion(nurse, patient)
    body = {
        "mental_status_at_baseline": True,
        "escort_present": True,
        "no_driving_advice_given": True,
        "next_day_checkin_at": timezone.now() + dt.timedelta(days=1),
        "ready_to_leave_at": timezone.now(),
        "discharge_note": "Back to baseline; partner drove.",
    }
    refused = post(api(nurse), f"/api/v1/sessions/{session.pk}/discharge", {**body, "escort_present": False})
    text = refused.content.decode()
    assert refused.status_code == 400 and "PADSS of at least 9" in text and "responsible adult" in text
    outcomes.record_response(by=nurse, patient=patient, instrument_id="padss", answers=_padss(10))
    early = post(api(nurse), f"/api/v1/sessions/{session.pk}/discharge", body)
    assert early.status_code == 400 and "at least 60 minutes" in early.content.decode()


def _padss(total: int) -> list[int]:
    """PADSS answers (one per item, 0-based option = score 0-2) adding up to `total`."""
    from ketacare.instruments import REGISTRY

    answers = [2] * len(REGISTRY["padss"].items)
    extra = sum(answers) - total
    for index in range(len(answers)):
        cut = min(2, extra)
        answers[index] -= cut
        extra -= cut
    return answers


def test_the_rems_form_is_filled_from_an_esketamine_session_and_queued_until_sent(nurse, patient) -> None:
    began = timezone.now() - dt.timedelta(days=9)
    session = services.plan_session(
        by=nurse,
        patient=patient,
        route="intranasal",
        dose_mg=Decimal("56"),
        drug="esketamine",
        order=signed_order(patient, route="intranasal", dose_mg=Decimal("56")),
    )
    services.record_vital_sign(
        by=nurse, session=session, measured_at=began - dt.timedelta(minutes=5), **NORMAL
    )
    session = services.start_session(
        by=nurse, session=session, started_at=began, prescriber_on_site=order_prescriber(patient), **CHECKLIST
    )
    services.record_vital_sign(
        by=nurse,
        session=session,
        measured_at=began + dt.timedelta(minutes=40),
        **{**NORMAL, "systolic_mmhg": 141},
    )
    services.record_vital_sign(
        by=nurse, session=session, measured_at=began + dt.timedelta(minutes=118), **NORMAL
    )
    services.end_session(
        by=nurse, session=session, discharge_note="Home.", ended_at=began + dt.timedelta(minutes=125)
    )
    form = api(nurse).get(f"/api/v1/sessions/{session.pk}/rems-form").json()
    assert form["total_minutes"] == 125 and form["monitored_at_least_2_hours"] is True
    assert (
        form["bp_prior_to_administration"] == "128/82" and form["bp_40_min_post_administration"] == "141/82"
    )
    assert form["bp_prior_to_completion"] == "128/82" and form["overdue"] is True
    assert "lot_number" in form["missing"] and form["concomitant_maois"] is None
    queue = api(nurse).get("/api/v1/rems-forms").json()["items"]
    assert [row["session_id"] for row in queue] == [session.pk]
    refused = post(api(nurse), f"/api/v1/sessions/{session.pk}/rems-form/submitted", {})
    assert refused.status_code == 400 and "concomitant-medication" in refused.content.decode()
    answers = {
        "benzodiazepines": False,
        "non_benzodiazepine_sedative_hypnotics": False,
        "psychostimulants": True,
        "maois": False,
    }
    filled = post(api(nurse), f"/api/v1/sessions/{session.pk}/rems-form/medications", answers).json()
    assert filled["concomitant_psychostimulants"] is True and "concomitant_maois" not in filled["missing"]
    assert post(api(nurse), f"/api/v1/sessions/{session.pk}/rems-form/submitted", {}).status_code == 200
    assert api(nurse).get("/api/v1/rems-forms").json()["items"] == []


def test_a_ketamine_session_has_no_rems_form(nurse, patient) -> None:
    session = infusion(nurse, patient)
    assert api(nurse).get(f"/api/v1/sessions/{session.pk}/rems-form").status_code == 400


@pytest.mark.parametrize(("persona", "status"), [("therapist", 403), ("outsider", 404)])
def test_events_discharge_and_rems_are_refused_outside_the_sessions_clinicians(
    personas, nurse, patient, persona, status
) -> None:
    session = infusion(nurse, patient)
    client = api(personas[persona])
    assert client.get(f"/api/v1/sessions/{session.pk}/events").status_code == status
    assert (
        post(client, f"/api/v1/sessions/{session.pk}/events", {"kind": "start", "rate_ml_h": "6"}).status_code
        == status
    )
    assert client.get(f"/api/v1/sessions/{session.pk}/rems-form").status_code == status
    assert session.infusion_events.count() == 0


def test_discharge_needs_the_minimum_in_the_service_too(nurse, patient) -> None:
    session = infusion(nurse, patient, drug="esketamine", route="intranasal", duration_min=None)
    with pytest.raises(ValidationError):
        services.discharge_session(
            by=nurse,
            session=session,
            mental_status_at_baseline=True,
            escort_present=True,
            no_driving_advice_given=True,
            next_day_checkin_at=None,
            ready_to_leave_at=None,
            discharge_note="x",
        )
    assert selectors.rems_form(session)["total_minutes"] is None


def test_scales_and_side_effects_with_intervention_outcome_and_serious_flag(nurse, patient) -> None:
    session = infusion(nurse, patient)
    client = api(nurse)
    moaas = post(client, f"/api/v1/sessions/{session.pk}/scales", {"instrument_id": "moaas", "answers": [1]})
    assert moaas.status_code == 201, moaas.content
    assert (
        post(
            client, f"/api/v1/sessions/{session.pk}/scales", {"instrument_id": "phq-9", "answers": [0]}
        ).status_code
        == 422
    )
    assert [
        s["instrument_id"] for s in client.get(f"/api/v1/sessions/{session.pk}/scales").json()["items"]
    ] == ["moaas"]
    effect = post(
        client,
        f"/api/v1/sessions/{session.pk}/side-effects",
        {
            "kind": "vomiting",
            "severity": "severe",
            "intervention": "Ondansetron 4 mg IV",
            "outcome": "resolved",
            "serious": True,
        },
    )
    assert (
        effect.status_code == 201
        and effect.json()["serious"] is True
        and effect.json()["outcome"] == "resolved"
    )


def test_the_session_page_shows_the_predicted_course_with_now_recomputed_from_the_infusion(
    nurse, patient
) -> None:
    from django.urls import reverse

    began = timezone.now() - dt.timedelta(minutes=20)
    session = infusion(nurse, patient, started_at=began)
    client = Client()
    client.force_login(nurse)
    page = client.get(reverse("dosing:session", args=[session.pk])).content.decode()
    assert 'data-testid="course-now"' in page and "Now: 20 min after the start" in page and "<svg" in page
    services.prepare_dose(
        by=nurse,
        session=session,
        concentration_mg_per_ml=Decimal("10"),
        concentration_as="base",
        lot_number="K2291",
        lot_expiry=timezone.localdate() + dt.timedelta(days=30),
    )
    services.record_infusion_event(by=nurse, session=session, kind="start", rate_ml_h=Decimal("6"), at=began)
    page = client.get(reverse("dosing:session", args=[session.pk])).content.decode()
    assert "from the infusion as given" in page and 'data-testid="delivered"' in page


@pytest.mark.parametrize(("persona", "status"), [("nurse", 200), ("therapist", 403), ("outsider", 404)])
def test_the_printable_summary_is_a_pdf_for_the_sessions_clinicians(
    personas, nurse, patient, persona, status
) -> None:
    from django.urls import reverse

    session = infusion(nurse, patient, started_at=timezone.now() - dt.timedelta(minutes=30))
    for minute in (0, 15):
        services.record_vital_sign(
            by=nurse, session=session, measured_at=session.started_at + dt.timedelta(minutes=minute), **NORMAL
        )
    services.record_side_effect(
        by=nurse, session=session, kind="nausea", severity="mild", intervention="Ondansetron", serious=False
    )
    client = Client()
    client.force_login(personas[persona])
    response = client.get(reverse("dosing:summary_pdf", args=[session.pk]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert Client().get(reverse("dosing:summary_pdf", args=[session.pk])).status_code == 302


def test_the_page_records_the_dose_a_pump_event_and_refuses_an_early_discharge_with_every_reason(
    nurse, patient
) -> None:
    from django.urls import reverse

    session = infusion(nurse, patient, started_at=timezone.now() - dt.timedelta(minutes=5))
    client = Client()
    client.force_login(nurse)
    expiry = (timezone.localdate() + dt.timedelta(days=90)).isoformat()
    dosed = client.post(
        reverse("dosing:dose", args=[session.pk]),
        {
            "concentration_mg_per_ml": "10",
            "concentration_as": "base",
            "lot_number": "K2291",
            "lot_expiry": expiry,
        },
    )
    assert dosed.status_code == 302
    early = client.post(
        reverse("dosing:events", args=[session.pk]), {"kind": "rate_change", "rate_ml_h": "6"}
    )
    assert early.status_code == 400 and "has not started" in early.content.decode()
    assert (
        client.post(
            reverse("dosing:events", args=[session.pk]), {"kind": "start", "rate_ml_h": "6"}
        ).status_code
        == 302
    )
    refused = client.post(reverse("dosing:discharge", args=[session.pk]), {"leaving_note": "Home."})
    text = refused.content.decode()
    assert refused.status_code == 400 and "PADSS of at least 9" in text and "responsible adult" in text
    session.refresh_from_db()
    assert session.status == "in_progress" and session.volume_ml == Decimal("4.00")
