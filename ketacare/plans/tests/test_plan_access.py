"""Who may see and write plans, MAT and therapy, through the pages and /api/v1 (anonymous, wrong role,
another clinic, a patient on their own record only); bad input refused in words; the FHIR resources."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from ketacare.audit.models import AuditEvent
from ketacare.plans import services
from ketacare.plans.services import TherapyLine
from ketacare.plans.tests.test_treatment_plans import make_plan

pytestmark = pytest.mark.django_db

PLAN_BODY = {
    "protocol": "dakwar-2019",
    "title": "Alcohol: ketamine with MBRP",
    "substances": ["alcohol"],
    "goals": ["Be there for my kids"],
    "measurements": [{"instrument": "phq-9", "interval_days": 7}],
}


def test_the_plan_pages_answer_by_role(act_as, personas, patient):
    plan = make_plan(personas["nurse"], patient)
    pages = [
        f"/plans/patients/{patient.pk}/plans/",
        f"/plans/plan/{plan.pk}/",
        f"/plans/patients/{patient.pk}/mat/",
        f"/plans/patients/{patient.pk}/therapy/",
    ]
    for url in pages:
        assert act_as(None).client.get(url).status_code == 302
        for role in ("prescriber", "nurse", "therapist", "clinic_admin"):
            assert act_as(personas[role]).client.get(url).status_code == 200, (url, role)
        assert act_as(personas["outsider"]).client.get(url).status_code == 404, url
        assert act_as(personas["researcher"]).client.get(url).status_code in (403, 404), url
        assert act_as(personas["patient"]).client.get(url).status_code == 403, url
    assert act_as(personas["therapist"]).client.get(f"/plans/plan/{plan.pk}/edit/").status_code == 403
    assert act_as(personas["nurse"]).client.get(f"/plans/plan/{plan.pk}/edit/").status_code == 200


def test_a_nurse_writes_a_plan_on_the_page_and_bad_input_keeps_what_was_typed(act_as, nurse, patient):
    client = act_as(nurse).client
    url = f"/plans/patients/{patient.pk}/plans/"
    response = client.post(url, {"title": "Mine", "goals": "Sleep well", "protocol": "dakwar-2019"})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode() and "Sleep well" in response.content.decode()
    response = client.post(
        url,
        {
            "title": "Mine",
            "substances": ["alcohol"],
            "goals": "Sleep well\nKeep my job",
            "protocol": "dakwar-2019",
            "preparation_visits": "1",
            "therapy_1_modality": "mbrp",
            "therapy_1_every_days": "7",
        },
    )
    assert response.status_code == 302
    plan = patient.treatment_plans.get()
    assert [g.text for g in plan.goals.all()] == ["Sleep well", "Keep my job"]
    assert client.get(response["Location"]).status_code == 200


def test_the_patient_sees_only_their_own_plan_in_plain_words(act_as, nurse, patient_user, patient):
    client = act_as(patient_user).client
    assert "not written a plan yet" in client.get("/plans/my-plan/").content.decode()
    plan = make_plan(nurse, patient, therapies=[TherapyLine("mbrp", 7)])
    services.record_agreement(by=nurse, plan=plan, how="in_person")
    services.change_plan_status(by=nurse, plan=plan, status="active", reason="start")
    page = client.get("/plans/my-plan/").content.decode()
    assert "Your plan is running" in page and "Stay sober for my daughter" in page
    assert "Mindfulness-based relapse prevention about every 7 days" in page
    assert act_as(nurse).client.get("/plans/my-plan/").status_code == 404


def test_api_plans_create_and_list_with_the_names_scripts_use(act_as, nurse, patient):
    api = act_as(nurse).api
    response = api.post(
        "/api/v1/plans", {"patient_id": patient.pk, **PLAN_BODY}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["protocol"] == "dakwar-2019" and body["status"] == "draft" and body["goals"][0]["text"]
    listed = api.get(f"/api/v1/plans?patient_id={patient.pk}").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]
    status = api.post(
        f"/api/v1/plans/{body['id']}/status",
        {"status": "active", "reason": "go"},
        content_type="application/json",
    )
    assert status.status_code == 400 and "agreement" in status.content.decode()


def test_api_plans_refuse_what_they_must(act_as, personas, patient):
    body = {"patient_id": patient.pk, **PLAN_BODY}
    assert act_as(None).api.post("/api/v1/plans", body, content_type="application/json").status_code == 401
    assert (
        act_as(personas["therapist"])
        .api.post("/api/v1/plans", body, content_type="application/json")
        .status_code
        == 403
    )
    assert (
        act_as(personas["outsider"])
        .api.post("/api/v1/plans", body, content_type="application/json")
        .status_code
        == 404
    )
    assert act_as(personas["outsider"]).api.get(f"/api/v1/plans?patient_id={patient.pk}").status_code == 404
    missing = act_as(personas["nurse"]).api.post(
        "/api/v1/plans", {**body, "protocol": "no-such-protocol"}, content_type="application/json"
    )
    assert missing.status_code == 400 and "no-such-protocol" in missing.content.decode()
    extra = act_as(personas["nurse"]).api.post(
        "/api/v1/plans", {**body, "colour": "red"}, content_type="application/json"
    )
    assert extra.status_code == 422
    own = act_as(personas["patient"]).api.get(f"/api/v1/plans?patient_id={patient.pk}")
    assert own.status_code == 200
    assert (
        act_as(personas["patient"])
        .api.post("/api/v1/plans", body, content_type="application/json")
        .status_code
        == 403
    )


def test_api_mat_orders_and_therapy_sessions(act_as, personas, patient):
    prescriber, therapist = personas["prescriber"], personas["therapist"]
    mat = {
        "patient_id": patient.pk,
        "drug": "methadone",
        "form": "oral",
        "dose_mg": "30",
        "schedule": "once daily",
        "is_start": False,
        "start_on": (timezone.localdate() - dt.timedelta(days=10)).isoformat(),
    }
    assert (
        act_as(personas["nurse"])
        .api.post("/api/v1/mat-orders", mat, content_type="application/json")
        .status_code
        == 403
    )
    response = act_as(prescriber).api.post("/api/v1/mat-orders", mat, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["dose_history"][0]["dose_mg"] == "30.00"
    listed = act_as(personas["patient"]).api.get(f"/api/v1/mat-orders?patient_id={patient.pk}").json()
    assert listed["count"] == 1
    assert (
        act_as(personas["outsider"]).api.get(f"/api/v1/mat-orders?patient_id={patient.pk}").status_code == 404
    )
    session = {
        "patient_id": patient.pk,
        "kind": "therapy",
        "modality": "cbt",
        "occurred_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "attendance": "missed",
    }
    assert (
        act_as(prescriber)
        .api.post("/api/v1/therapy-sessions", session, content_type="application/json")
        .status_code
        == 403
    )
    response = act_as(therapist).api.post(
        "/api/v1/therapy-sessions", session, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["attendance"] == "missed"
    bad = act_as(therapist).api.post(
        "/api/v1/therapy-sessions", {**session, "attendance": "attended"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "how many minutes" in bad.content.decode()
    assert act_as(therapist).api.get(f"/api/v1/therapy-sessions?patient_id={patient.pk}").json()["count"] == 1


def test_everything_carries_care_plan_mat_request_and_therapy_procedure(
    act_as, nurse, prescriber, therapist, patient
):
    plan = make_plan(nurse, patient, therapies=[TherapyLine("mbrp", 7)])
    services.create_mat_order(
        by=prescriber,
        patient=patient,
        drug="buprenorphine",
        form="sublingual",
        dose_mg=Decimal("8"),
        schedule="once daily",
        is_start=False,
        plan_id=plan.pk,
    )
    services.record_therapy_session(
        by=therapist,
        patient=patient,
        kind="therapy",
        modality="mbrp",
        occurred_at=timezone.now() - dt.timedelta(hours=3),
        attendance="missed",
        plan_id=plan.pk,
    )
    response = act_as(nurse).api.get(f"/api/v1/fhir/Patient/{patient.pk}/$everything")
    assert response.status_code == 200
    body = json.loads(response.content)
    Bundle.model_validate(body)
    by_type: dict[str, list[dict]] = {}
    for entry in body["entry"]:
        by_type.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    (care,) = by_type["CarePlan"]
    assert care["status"] == "draft" and care["intent"] == "plan"
    assert care["instantiatesUri"] == ["PlanDefinition/dakwar-2019"]
    assert any("Stay sober" in n["text"] for n in care["note"])
    (mat,) = [r for r in by_type["MedicationRequest"] if r["id"].startswith("mat-")]
    assert mat["basedOn"] == [{"reference": f"CarePlan/plan-{plan.pk}"}]
    (procedure,) = by_type["Procedure"]
    assert procedure["status"] == "not-done" and procedure["statusReason"]["text"] == "Missed by the patient"


def test_reading_a_plan_is_audited(act_as, nurse, therapist, patient):
    plan = make_plan(nurse, patient)
    act_as(therapist).client.get(f"/plans/plan/{plan.pk}/")
    assert AuditEvent.objects.filter(actor=therapist, action="read", patient_id=patient.pk).exists()


def test_mat_is_shown_on_the_ketamine_session_page_and_as_chart_markers(act_as, nurse, prescriber, patient):
    from ketacare.dosing import services as dosing
    from ketacare.outcomes.selectors import treatment_markers
    from ketacare.plans.testing import signed_order

    order = signed_order(patient)
    session = dosing.plan_session(
        by=nurse,
        patient=patient,
        route="iv-infusion",
        dose_mg=order.dose_mg,
        duration_min=Decimal("40"),
        order=order,
    )
    services.create_mat_order(
        by=prescriber,
        patient=patient,
        drug="methadone",
        form="oral",
        dose_mg=Decimal("60"),
        schedule="once daily",
        is_start=False,
    )
    page = act_as(nurse).client.get(f"/dosing/sessions/{session.pk}/").content.decode()
    assert "Concomitant MAT:" in page and "Methadone 60.00 mg oral" in page
    assert [m.kind for m in treatment_markers(patient)] == ["mat"]
