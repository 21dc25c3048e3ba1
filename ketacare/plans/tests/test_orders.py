"""Orders: prescriber only with valid credentials, dose checks (form, API, service), signing, sessions."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts.models import Credential
from ketacare.accounts.services import create_api_token
from ketacare.dosing import services as dosing
from ketacare.patients import services as patients
from ketacare.plans import services
from ketacare.plans.models import Order

pytestmark = pytest.mark.django_db

DAKWAR = {
    "protocol": "dakwar-2020",
    "route": "iv-infusion",
    "dose": "0.71mg/kg",
    "duration_min": "52",
    "sessions": 1,
}


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


def order(prescriber: Any, patient: Any, **changes: Any) -> Order:
    data: dict[str, Any] = {**DAKWAR, "duration_min": Decimal("52"), **changes}
    return services.create_order(by=prescriber, patient=patient, **data)


def test_a_prescriber_orders_dakwar_2020_and_the_dose_is_computed_from_the_weight(
    prescriber, patient
) -> None:
    made = order(prescriber, patient)
    # 0.71 mg/kg x 64.5 kg = 45.795 -> 45.80 mg of base.
    assert made.dose_mg == Decimal("45.80") and made.weight_kg == Decimal("64.5") and made.status == "draft"
    assert made.salt == "base" and made.screening is not None and made.findings == []
    services.sign_order(by=prescriber, order=made)
    made.refresh_from_db()
    assert made.status == "signed" and made.signed_by == prescriber


def test_a_ten_fold_typo_is_stopped_until_confirmed_with_a_reason(prescriber, patient) -> None:
    with pytest.raises(ValidationError) as refused:
        order(prescriber, patient, dose="5mg/kg")
    assert "above-protocol" in str(refused.value.message_dict["confirm_reason"])
    assert not Order.objects.exists()
    confirmed = order(prescriber, patient, dose="5mg/kg", confirm_reason="Deliberate, research arm.")
    assert [f["code"] for f in confirmed.findings] == ["above-protocol"]


def test_the_engine_sanity_limit_is_a_hard_stop_that_no_reason_passes(prescriber, patient) -> None:
    with pytest.raises(ValidationError) as refused:
        order(prescriber, patient, dose="50mg/kg", confirm_reason="sure")
    assert "implausible-dose" in str(refused.value.message_dict["dose"])


def test_clinic_limits_and_the_previous_dose_are_checked(prescriber, clinic_admin, clinic, patient) -> None:
    services.update_safety_settings(
        by=clinic_admin,
        clinic=clinic,
        max_mg_per_kg_iv=Decimal("0.6"),
        dose_increase_factor_max=Decimal("1.2"),
    )
    with pytest.raises(ValidationError) as refused:
        order(prescriber, patient)
    assert "above-clinic-max" in str(refused.value)
    first = order(prescriber, patient, protocol="dakwar-2019", dose="0.5mg/kg", duration_min=Decimal("40"))
    services.sign_order(by=prescriber, order=first)
    services.update_safety_settings(by=clinic_admin, clinic=clinic, max_mg_per_kg_iv=None)
    with pytest.raises(ValidationError) as refused:
        order(prescriber, patient)
    assert "above-previous-dose" in str(refused.value)


def test_a_nurse_cannot_order_and_a_prescriber_without_valid_credentials_cannot_either(
    nurse, prescriber, patient
) -> None:
    with pytest.raises(PermissionDenied):
        order(nurse, patient)
    Credential.objects.filter(user=prescriber, kind="licence").update(expires_on=dt.date(2020, 1, 1))
    with pytest.raises(ValidationError, match="may not order ketamine"):
        order(prescriber, patient)


def test_an_order_is_refused_for_a_patient_who_is_not_eligible(prescriber, nurse, patient) -> None:
    patients.add_allergy(by=nurse, patient=patient, substance="Ketalar")
    with pytest.raises(ValidationError, match="not eligible"):
        order(prescriber, patient)


def test_a_route_other_than_the_protocols_and_an_unreadable_dose_are_refused_by_field(
    prescriber, patient
) -> None:
    with pytest.raises(ValidationError) as refused:
        order(prescriber, patient, route="im")
    assert "route" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        order(prescriber, patient, dose="0.71 ml")
    assert "dose" in refused.value.message_dict


def test_an_order_computed_from_an_old_weight_says_so(
    prescriber, clinic_admin, clinic, nurse, patient
) -> None:
    services.update_safety_settings(by=clinic_admin, clinic=clinic, weight_max_age_days=30)
    patient.measurements.update(measured_at=timezone.now() - dt.timedelta(days=60))
    made = order(prescriber, patient)
    assert made.weight_stale
    page = page_client(nurse).get(reverse("plans:order", args=[made.pk])).content.decode()
    assert "weight-stale" in page


def test_a_session_is_planned_only_from_a_signed_order_by_its_dose(prescriber, nurse, patient) -> None:
    made = order(prescriber, patient)
    with pytest.raises(ValidationError, match="signed order"):
        dosing.plan_session(by=nurse, patient=patient, route="iv-infusion", dose_mg=made.dose_mg, order=made)
    with pytest.raises(ValidationError, match="signed order"):
        dosing.plan_session(
            by=nurse,
            patient=patient,
            route="iv-infusion",
            dose_mg=made.dose_mg,
        )
    made = services.sign_order(by=prescriber, order=made)
    with pytest.raises(ValidationError):
        dosing.plan_session(
            by=nurse, patient=patient, route="iv-infusion", dose_mg=Decimal("458.0"), order=made
        )
    session = dosing.plan_session(
        by=nurse,
        patient=patient,
        route="iv-infusion",
        dose_mg=made.dose_mg,
        duration_min=Decimal("52"),
        order=made,
    )
    assert session.order == made
    with pytest.raises(ValidationError, match="already planned"):
        dosing.plan_session(by=nurse, patient=patient, route="iv-infusion", dose_mg=made.dose_mg, order=made)


def test_starting_a_session_re_runs_the_screening_and_stops_on_a_new_contraindication(
    prescriber, nurse, patient
) -> None:
    made = services.sign_order(by=prescriber, order=order(prescriber, patient))
    session = dosing.plan_session(
        by=nurse,
        patient=patient,
        route="iv-infusion",
        dose_mg=made.dose_mg,
        duration_min=Decimal("52"),
        order=made,
    )
    flag = patients.add_history_flag(by=nurse, patient=patient, flag="intracerebral_haemorrhage")
    checklist = {
        "consent_confirmed": True,
        "fasting_confirmed": True,
        "escort_confirmed": True,
        "identity_identifiers": ["full_name", "date_of_birth"],
    }
    with pytest.raises(ValidationError, match="not eligible"):
        dosing.start_session(by=nurse, session=session, **checklist)
    patients.mark_entered_in_error(by=nurse, entry=flag, reason="Wrong patient.")
    started = dosing.start_session(by=nurse, session=session, **checklist)
    assert started.status == "in_progress"
    assert patient.screenings.filter(trigger="session-start", result="eligible").count() == 1


def test_a_discontinued_order_plans_no_more_sessions(prescriber, nurse, patient) -> None:
    made = services.sign_order(by=prescriber, order=order(prescriber, patient))
    with pytest.raises(PermissionDenied):
        services.discontinue_order(by=nurse, order=made, reason="x")
    services.discontinue_order(by=prescriber, order=made, reason="Patient declined.")
    with pytest.raises(ValidationError):
        dosing.plan_session(by=nurse, patient=patient, route="iv-infusion", dose_mg=made.dose_mg, order=made)


# --- API -------------------------------------------------------------------------------------------


def test_post_orders_answers_201_for_a_prescriber_403_for_a_nurse_and_400_naming_the_check(
    prescriber, nurse, patient
) -> None:
    body = {**DAKWAR, "patient_id": patient.pk}
    assert post(api_client(nurse), "/api/v1/orders", body).status_code == 403
    api = api_client(prescriber)
    created = post(api, "/api/v1/orders", body)
    assert created.status_code == 201, created.content
    assert created.json()["dose_mg"] == "45.80" and created.json()["protocol"] == "dakwar-2020"
    typo = post(api, "/api/v1/orders", {**body, "dose": "5mg/kg"})
    assert typo.status_code == 400
    errors = typo.json()["errors"]
    assert any(e["field"] == "confirm_reason" and "above-protocol" in e["message"] for e in errors)
    confirmed = post(api, "/api/v1/orders", {**body, "dose": "5mg/kg", "confirm_reason": "Checked twice."})
    assert confirmed.status_code == 201
    signed = post(api, f"/api/v1/orders/{created.json()['id']}/sign")
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    assert post(api_client(nurse), f"/api/v1/orders/{created.json()['id']}/sign").status_code == 403
    stopped = post(api, f"/api/v1/orders/{created.json()['id']}/discontinue", {"reason": "Course changed."})
    assert stopped.status_code == 200 and stopped.json()["status"] == "discontinued"
    assert len(api_client(nurse).get("/api/v1/orders", {"patient_id": patient.pk}).json()) == 2


def test_post_orders_refuses_unknown_fields_and_a_mg_dose_is_accepted(prescriber, patient) -> None:
    api = api_client(prescriber)
    assert (
        post(api, "/api/v1/orders", {**DAKWAR, "patient_id": patient.pk, "colour": "red"}).status_code == 422
    )
    body = {**DAKWAR, "patient_id": patient.pk, "dose": "40mg", "salt": "hcl"}
    made = post(api, "/api/v1/orders", body)
    assert made.status_code == 201 and made.json()["salt"] == "hcl" and Decimal(made.json()["dose_mg"]) < 40


@pytest.mark.parametrize(
    ("persona", "status"),
    [("therapist", 403), ("clinic_admin", 403), ("researcher", 403), ("patient", 403), ("outsider", 404)],
)
def test_order_api_access_for_the_wrong_role_and_another_clinic(
    personas, prescriber, patient, persona, status
):
    made = order(prescriber, patient)
    api = api_client(personas[persona])
    assert api.get(f"/api/v1/orders/{made.pk}").status_code == status
    assert api.get("/api/v1/orders", {"patient_id": patient.pk}).status_code == status
    assert post(api, "/api/v1/orders", {**DAKWAR, "patient_id": patient.pk}).status_code == status
    assert post(api, f"/api/v1/orders/{made.pk}/sign").status_code == status


def test_order_api_for_anonymous_answers_401(prescriber, patient) -> None:
    made = order(prescriber, patient)
    assert Client().get(f"/api/v1/orders/{made.pk}").status_code == 401
    assert post(Client(), "/api/v1/orders", DAKWAR).status_code == 401


def test_the_protocols_api_lists_the_library_with_statuses_and_clinic_protocols(prescriber, nurse) -> None:
    listed = api_client(nurse).get("/api/v1/protocols").json()
    ids = {p["id"] for p in listed}
    assert {"dakwar-2019", "dakwar-2020", "grabski-2022", "krupitsky-2002", "krupitsky-2007"} <= ids
    dakwar = next(p for p in listed if p["id"] == "dakwar-2020")
    assert dakwar["dose"]["status"] == "verified" and dakwar["loading"]["status"] == "secondary"
    body = {
        "name": "Clinic IV course",
        "route": "iv-infusion",
        "mg_per_kg_min": "0.5",
        "mg_per_kg_max": "0.8",
        "sessions": 3,
        "min_spacing_days": 7,
    }
    assert post(api_client(nurse), "/api/v1/protocols", body).status_code == 403
    created = post(api_client(prescriber), "/api/v1/protocols", body)
    assert created.status_code == 201 and created.json()["clinic_set"]
    too_high = post(api_client(prescriber), "/api/v1/protocols", {**body, "name": "x", "mg_per_kg_max": "25"})
    assert too_high.status_code == 400


# --- pages -----------------------------------------------------------------------------------------


def test_the_order_form_stops_a_typo_and_keeps_what_was_typed(prescriber, patient) -> None:
    url = reverse("plans:orders", args=[patient.pk])
    form = {**DAKWAR, "dose": "5mg/kg", "salt": "base"}
    response = page_client(prescriber).post(url, form)
    page = response.content.decode()
    assert response.status_code == 400 and "above-protocol" in page and 'value="5mg/kg"' in page
    assert not Order.objects.exists()
    done = page_client(prescriber).post(url, {**DAKWAR, "salt": "base"})
    assert done.status_code == 302 and Order.objects.get().dose_mg == Decimal("45.80")


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
def test_order_pages_access(personas, prescriber, patient, persona, status) -> None:
    made = order(prescriber, patient)
    client = page_client(personas[persona])
    assert client.get(reverse("plans:orders", args=[patient.pk])).status_code == status
    assert client.get(reverse("plans:order", args=[made.pk])).status_code == status


def test_only_a_prescriber_posts_an_order_or_signs_from_the_pages(nurse, prescriber, patient) -> None:
    made = order(prescriber, patient)
    assert page_client(nurse).post(reverse("plans:orders", args=[patient.pk]), DAKWAR).status_code == 403
    assert page_client(nurse).post(reverse("plans:order_sign", args=[made.pk])).status_code == 403
    assert page_client(prescriber).post(reverse("plans:order_sign", args=[made.pk])).status_code == 302
    made.refresh_from_db()
    assert made.status == "signed"


@pytest.mark.parametrize(
    ("persona", "status"),
    [("prescriber", 200), ("nurse", 200), ("therapist", 200), ("clinic_admin", 200), ("researcher", 403)],
)
def test_the_protocol_library_page_is_for_clinic_staff(personas, persona, status) -> None:
    response = page_client(personas[persona]).get(reverse("plans:protocols"))
    assert response.status_code == status
    if status == 200:
        assert "dakwar-2020" in response.content.decode() and "secondary" in response.content.decode()


@pytest.mark.parametrize(("persona", "status"), [("clinic_admin", 200), ("prescriber", 403), ("nurse", 403)])
def test_the_safety_settings_page_is_the_clinic_administrators(personas, persona, status) -> None:
    response = page_client(personas[persona]).get(reverse("plans:settings"))
    assert response.status_code == status
    if status == 200:
        assert "Clinic-set" in response.content.decode() and "VERIFIED" in response.content.decode()


def test_the_settings_page_saves_and_refuses_an_alcohol_gate_under_24_hours(clinic_admin, clinic) -> None:
    client = page_client(clinic_admin)
    refused = client.post(reverse("plans:settings"), {"alcohol_gate_hours": "6"})
    assert refused.status_code == 400
    saved = client.post(reverse("plans:settings"), {"alcohol_gate_hours": "48", "cows_max": "12"})
    assert saved.status_code == 302 and clinic.safety_settings.alcohol_gate_hours == 48


# --- weight --------------------------------------------------------------------------------------


def test_a_weight_far_from_the_last_asks_is_this_right_before_it_is_saved(
    clinic_admin, clinic, nurse, patient
):
    from ketacare.patients.models import BodyMeasurement

    services.update_safety_settings(by=clinic_admin, clinic=clinic, weight_change_percent_max=Decimal("10"))
    with pytest.raises(ValidationError, match="Is this right"):
        patients.record_body_measurement(by=nurse, patient=patient, weight_kg=Decimal("45.4"))
    assert BodyMeasurement.objects.count() == 1
    patients.record_body_measurement(by=nurse, patient=patient, weight_kg=Decimal("62.0"))
    api = api_client(nurse)
    url = f"/api/v1/patients/{patient.pk}/measurements"
    asked = post(api, url, {"weight_kg": "96.8"})
    assert asked.status_code == 400 and "Is this right" in asked.json()["errors"][0]["message"]
    assert post(api, url, {"weight_kg": "96.8", "confirmed": True}).status_code == 201
    form_url = reverse("patients:entry_new", kwargs={"patient_id": patient.pk, "kind": "weight"})
    shown = page_client(nurse).post(form_url, {"weight_kg": "60.0"})
    assert "Is this right" in shown.content.decode()
    saved = page_client(nurse).post(form_url, {"weight_kg": "60.0", "confirmed": "on"})
    assert saved.status_code == 302 and BodyMeasurement.objects.count() == 4


def test_a_clinic_protocols_minimum_spacing_holds_and_the_session_page_shows_order_and_overrides(
    prescriber, nurse, patient
):
    protocol = services.add_clinic_protocol(
        by=prescriber,
        clinic=patient.clinic,
        name="Weekly IV",
        route="iv-infusion",
        mg_per_kg_min=Decimal("0.5"),
        mg_per_kg_max=Decimal("0.8"),
        sessions=3,
        min_spacing_days=7,
    )
    with pytest.raises(ValidationError) as refused:
        order(prescriber, patient, protocol=protocol.library_id, dose="0.5mg/kg", sessions=3, interval_days=2)
    assert "interval_days" in refused.value.message_dict
    patients.add_history_flag(by=nurse, patient=patient, flag="sleep_apnoea")
    screening = services.run_screening(by=nurse, patient=patient)
    services.override_reason(
        by=prescriber, screening=screening, code="sleep-apnoea", justification="CPAP nightly."
    )
    made = services.sign_order(
        by=prescriber,
        order=order(
            prescriber, patient, protocol=protocol.library_id, dose="0.5mg/kg", sessions=3, interval_days=7
        ),
    )
    session = dosing.plan_session(
        by=nurse,
        patient=patient,
        route="iv-infusion",
        dose_mg=made.dose_mg,
        duration_min=Decimal("40"),
        order=made,
    )
    page = page_client(nurse).get(reverse("dosing:session", args=[session.pk])).content.decode()
    assert "session-overrides" in page and "CPAP nightly." in page and f"order {made.pk}" in page
