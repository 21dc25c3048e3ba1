"""Treatment plans: created from a protocol or an order (or told that one does not exist), goals in
the patient's words, statuses with every change kept (who, why), the agreement before activation,
the measurement schedule through outcomes, the maintenance rule and the booster decision."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ketacare.audit.models import AuditEvent
from ketacare.outcomes import services as outcomes
from ketacare.outcomes.models import Assignment
from ketacare.plans import selectors, services
from ketacare.plans.models import PlanChange, TreatmentPlan
from ketacare.plans.services import TherapyLine

pytestmark = pytest.mark.django_db


def make_plan(by, patient, **extra):
    values = {
        "title": "Alcohol: ketamine with mindfulness",
        "substances": ["alcohol"],
        "goals": ["Stay sober for my daughter's wedding", "Sleep through the night"],
        "protocol": "dakwar-2019",
    }
    values.update(extra)
    return services.create_plan(by=by, patient=patient, **values)


def test_a_plan_from_a_library_protocol_is_a_draft_with_goals_and_a_logged_creation(nurse, patient):
    plan = make_plan(nurse, patient, therapies=[TherapyLine("mbrp", 7)])
    assert plan.status == TreatmentPlan.Status.DRAFT
    assert plan.protocol_id == "dakwar-2019" and "Dakwar" in plan.protocol_title
    assert [g.text for g in plan.goals.all()] == [
        "Stay sober for my daughter's wedding",
        "Sleep through the night",
    ]
    (change,) = plan.changes.all()
    assert change.kind == PlanChange.Kind.CREATED and change.by == nurse
    assert plan.therapies.get().modality == "mbrp"
    assert AuditEvent.objects.filter(entity_type="plans.treatmentplan", action="create").exists()


def test_a_protocol_that_does_not_exist_is_named_in_the_refusal(nurse, patient):
    with pytest.raises(ValidationError) as exc:
        make_plan(nurse, patient, protocol="clinic-999")
    assert "No protocol 'clinic-999'" in exc.value.message_dict["protocol"][0]
    with pytest.raises(ValidationError) as exc:
        make_plan(nurse, patient, protocol="", order_id=12345)
    assert "no ketamine order 12345" in exc.value.message_dict["order"][0]


def test_bad_input_is_refused_field_by_field_in_words(nurse, patient):
    with pytest.raises(ValidationError) as exc:
        make_plan(
            nurse,
            patient,
            title=" ",
            substances=["chocolate"],
            maintenance_instrument="phq-9",
            measurements=[{"instrument": "no-such", "interval_days": 7}],
        )
    errors = exc.value.message_dict
    assert set(errors) >= {"title", "substances", "maintenance_weeks", "measurements"}
    with pytest.raises(ValidationError) as exc:
        make_plan(nurse, patient, goals=["  "])
    assert "patient's own words" in exc.value.message_dict["goals"][0]


def test_a_therapist_or_an_administrator_may_not_write_a_plan(therapist, clinic_admin, patient):
    for user in (therapist, clinic_admin):
        with pytest.raises(PermissionDenied):
            make_plan(user, patient)


def test_activation_needs_the_agreement_and_starts_the_measurement_schedule(nurse, patient):
    plan = make_plan(nurse, patient, measurements=[{"instrument": "phq-9", "interval_days": 7}])
    with pytest.raises(ValidationError) as exc:
        services.change_plan_status(by=nurse, plan=plan, status="active", reason="Start")
    assert "agreement" in exc.value.message_dict["status"][0]
    services.record_agreement(by=nurse, plan=plan, how="in_person", note="Read together.")
    plan = services.change_plan_status(by=nurse, plan=plan, status="active", reason="Agreed; start.")
    assert plan.status == "active"
    assert Assignment.objects.filter(patient=patient, instrument_id="phq-9", interval_days=7).exists()
    kinds = [(c.kind, c.from_status, c.to_status) for c in plan.changes.all()]
    assert kinds[-1] == ("status", "draft", "active")


def test_statuses_move_only_along_the_allowed_paths_and_every_change_is_kept(nurse, patient):
    plan = make_plan(nurse, patient)
    services.record_agreement(by=nurse, plan=plan, how="written")
    for status in ("active", "on_hold", "active", "completed"):
        plan = services.change_plan_status(by=nurse, plan=plan, status=status, reason=f"to {status}")
    with pytest.raises(ValidationError) as exc:
        services.change_plan_status(by=nurse, plan=plan, status="active", reason="again")
    assert "completed plan can become: nothing" in exc.value.message_dict["status"][0]
    with pytest.raises(ValidationError):
        services.update_plan(by=nurse, plan=plan, reason="x", title="t", substances=["alcohol"], goals=["g"])
    reasons = list(plan.changes.values_list("reason", flat=True))
    assert reasons[-4:] == ["to active", "to on_hold", "to active", "to completed"]


def test_an_edit_keeps_why_and_keeps_a_dropped_goal_inactive(nurse, patient):
    plan = make_plan(nurse, patient)
    services.update_plan(
        by=nurse,
        plan=plan,
        reason="Patient reworded a goal.",
        title=plan.title,
        substances=["alcohol"],
        goals=["Stay sober for my daughter's wedding", "Walk the dog every morning"],
        protocol="dakwar-2019",
    )
    assert [g.text for g in plan.goals.filter(active=True)] == [
        "Stay sober for my daughter's wedding",
        "Walk the dog every morning",
    ]
    assert plan.goals.filter(active=False, text="Sleep through the night").exists()
    change = plan.changes.last()
    assert (
        change.kind == "edited" and change.fields == ["goals"] and change.reason == "Patient reworded a goal."
    )
    with pytest.raises(ValidationError, match="Nothing was changed"):
        services.update_plan(
            by=nurse,
            plan=plan,
            reason="again",
            title=plan.title,
            substances=["alcohol"],
            goals=["Stay sober for my daughter's wedding", "Walk the dog every morning"],
            protocol="dakwar-2019",
        )


def test_the_maintenance_rule_needs_the_clinics_threshold_and_reads_consecutive_weeks(
    nurse, clinic_admin, patient, clinic
):
    plan = make_plan(nurse, patient, maintenance_instrument="craving-vas", maintenance_weeks=2)
    state = selectors.maintenance_state(plan)
    assert state is not None and state.due is None and "no booster threshold" in state.message
    services.update_safety_settings(by=clinic_admin, clinic=clinic, booster_craving_threshold=50)
    now = timezone.now()
    for days_ago, craving in ((12, 70), (5, 80), (1, 75)):
        outcomes.record_response(
            by=nurse,
            patient=patient,
            instrument_id="craving-vas",
            answers=[craving],
            answered_at=now - dt.timedelta(days=days_ago),
        )
    state = selectors.maintenance_state(plan)
    assert state is not None and state.due is True and "2 consecutive week" in state.message
    outcomes.record_response(
        by=nurse, patient=patient, instrument_id="craving-vas", answers=[20], answered_at=now
    )
    assert selectors.maintenance_state(plan).due is False  # type: ignore[union-attr]


def test_a_booster_decision_is_the_prescribers_recorded_with_the_forecast_and_audited(
    prescriber, nurse, clinic_admin, patient, clinic
):
    plan = make_plan(nurse, patient, maintenance_instrument="craving-vas", maintenance_weeks=2)
    services.record_agreement(by=nurse, plan=plan, how="in_person")
    services.change_plan_status(by=nurse, plan=plan, status="active", reason="start")
    with pytest.raises(PermissionDenied):
        services.decide_booster(
            by=nurse, plan=plan, instrument_id="craving-vas", decision="accepted", reason="x"
        )
    with pytest.raises(ValidationError, match="no booster threshold"):
        services.decide_booster(
            by=prescriber, plan=plan, instrument_id="craving-vas", decision="accepted", reason="x"
        )
    services.update_safety_settings(by=clinic_admin, clinic=clinic, booster_craving_threshold=50)
    row = services.decide_booster(
        by=prescriber, plan=plan, instrument_id="craving-vas", decision="declined", reason="Too early."
    )
    assert row.threshold == Decimal(50) and row.decided_by == prescriber and row.forecast_on is None
    assert plan.changes.last().kind == "booster"
    assert AuditEvent.objects.filter(action="plans.booster", entity_type="plans.boosterdecision").exists()
