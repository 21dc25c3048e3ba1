"""Reads of screenings, orders and protocols, scoped to the user; audited.

Access to a patient's screening and orders goes through patients.selectors.get_patient_for (other
clinic 404, wrong role 403, both audited); an order by id through get_order_for, which does the same.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.models import User
from ketacare.accounts.roles import Action
from ketacare.audit.actions import AuditAction
from ketacare.audit.models import AuditEvent
from ketacare.audit.services import record_event
from ketacare.outcomes.treatment import TreatmentEvent
from ketacare.patients.models import Patient
from ketacare.patients.selectors import get_patient_for
from ketacare.plans.models import (
    MAINTENANCE_INSTRUMENTS,
    ClinicProtocol,
    MatOrder,
    Order,
    PlanGoal,
    Screening,
    TherapySession,
    TreatmentPlan,
)


def latest_screening(patient: Patient) -> Screening | None:
    return patient.screenings.select_related("run_by").order_by("-run_at", "-id").first()


def orders_of(patient: Patient) -> QuerySet[Order]:
    return (
        Order.objects.filter(patient=patient)
        .select_related("created_by", "signed_by")
        .order_by("-created_at", "-id")
    )


def signed_orders_of(patient: Patient) -> QuerySet[Order]:
    return orders_of(patient).filter(status=Order.Status.SIGNED)


def session_initial(order: Order) -> dict[str, Any]:
    """The session form's fields, filled from a signed order."""
    return {
        "order": order.pk,
        "route": order.route,
        "dose_mg": order.dose_mg,
        "duration_min": order.duration_min,
        "regimen": f"{order.protocol_id}: {order.dose_text} ({order.dose_mg} mg base)"[:300],
    }


def get_order_for(user: User, order_id: int, action: Action = Action.VIEW_PATIENT) -> Order:
    order = Order.objects.select_related("patient__clinic").filter(pk=order_id).first()
    if order is None:
        record_event(
            actor=user,
            action=action,
            entity_type="plans.order",
            entity_id=str(order_id),
            outcome=AuditEvent.Outcome.NOT_FOUND,
        )
        raise Http404("No such order.")
    order.patient = get_patient_for(user, order.patient_id, action)
    if action != Action.VIEW_PATIENT:
        record_event(
            actor=user,
            action=AuditAction.READ,
            entity=order,
            clinic=order.patient.clinic,
            patient_id=order.patient_id,
        )
    return order


def clinic_protocols_for(user: User) -> QuerySet[ClinicProtocol]:
    from ketacare.accounts.selectors import clinics_where

    return ClinicProtocol.objects.filter(clinic__in=clinics_where(user, Action.VIEW_PATIENT), active=True)


# --- treatment plans, MAT and therapy (issue 12) --------------------------------------------------


def plans_of(patient: Patient) -> QuerySet[TreatmentPlan]:
    return (
        TreatmentPlan.objects.filter(patient=patient)
        .select_related("created_by", "order", "agreement_recorded_by")
        .order_by("-created_at", "-id")
    )


def current_plan(patient: Patient) -> TreatmentPlan | None:
    """The active plan, else the newest open one."""
    plans = plans_of(patient)
    return (
        plans.filter(status=TreatmentPlan.Status.ACTIVE).first()
        or plans.filter(status__in=[TreatmentPlan.Status.DRAFT, TreatmentPlan.Status.ON_HOLD]).first()
    )


def _get_for(
    user: User, model: type[Any], pk: int, action: Action, entity_type: str, related: str = "patient__clinic"
) -> Any:
    row = model.objects.select_related(related).filter(pk=pk).first()
    if row is None:
        record_event(
            actor=user,
            action=action,
            entity_type=entity_type,
            entity_id=str(pk),
            outcome=AuditEvent.Outcome.NOT_FOUND,
        )
        raise Http404("Not found.")
    row.patient = get_patient_for(user, row.patient_id, action)
    if action != Action.VIEW_PATIENT:
        record_event(
            actor=user,
            action=AuditAction.READ,
            entity=row,
            clinic=row.patient.clinic,
            patient_id=row.patient_id,
        )
    return row


def get_plan_for(user: User, plan_id: int, action: Action = Action.VIEW_PATIENT) -> TreatmentPlan:
    """A plan, if the user may do this action on its patient (other clinic 404, wrong role 403)."""
    return _get_for(user, TreatmentPlan, plan_id, action, "plans.treatmentplan")  # type: ignore[no-any-return]


def get_mat_order_for(user: User, order_id: int, action: Action = Action.VIEW_PATIENT) -> MatOrder:
    return _get_for(user, MatOrder, order_id, action, "plans.matorder")  # type: ignore[no-any-return]


def get_therapy_session_for(
    user: User, session_id: int, action: Action = Action.VIEW_PATIENT
) -> TherapySession:
    return _get_for(user, TherapySession, session_id, action, "plans.therapysession")  # type: ignore[no-any-return]


def mat_orders_of(patient: Patient) -> QuerySet[MatOrder]:
    return (
        MatOrder.objects.filter(patient=patient)
        .select_related("created_by", "stopped_by", "cows_response")
        .prefetch_related("dose_changes__changed_by")
        .order_by("-created_at", "-id")
    )


def active_mat_orders(patient_id: int) -> QuerySet[MatOrder]:
    return MatOrder.objects.filter(patient_id=patient_id, status=MatOrder.Status.ACTIVE).order_by("start_on")


def therapy_sessions_of(patient: Patient) -> QuerySet[TherapySession]:
    return (
        TherapySession.objects.filter(patient=patient)
        .select_related("recorded_by", "plan", "dosing_session")
        .prefetch_related("goals")
        .order_by("-occurred_at", "-id")
    )


@dataclass(frozen=True)
class RuleState:
    """Where the plan's maintenance rule stands: due (True), not due (False) or unknown (None)."""

    due: bool | None
    message: str
    threshold: int | None


def maintenance_state(plan: TreatmentPlan, *, today: dt.date | None = None) -> RuleState | None:
    """The maintenance rule read on the patient's measurements: a booster is due when every
    measurement of each of the last N weeks is above the clinic's threshold (each week needs one)."""
    from ketacare.outcomes import selectors as outcomes
    from ketacare.plans.services import booster_threshold

    if not plan.maintenance_instrument or not plan.maintenance_weeks:
        return None
    threshold = booster_threshold(plan.patient.clinic, plan.maintenance_instrument)
    name = dict(MAINTENANCE_INSTRUMENTS)[plan.maintenance_instrument]
    if threshold is None:
        return RuleState(
            None,
            f"Your clinic has set no booster threshold for {name}: the rule cannot be read. The clinic "
            "administrator sets it (clinic-set; KetaCare ships none, no verified value exists).",
            None,
        )
    today = today or timezone.localdate()
    weeks = plan.maintenance_weeks
    points = [
        (timezone.localdate(p.answered_at), float(p.total))
        for p in outcomes.trend(plan.patient, plan.maintenance_instrument)
    ]
    for week in range(weeks):
        end = today - dt.timedelta(days=7 * week)
        start = end - dt.timedelta(days=6)
        values = [v for day, v in points if start <= day <= end]
        if not values:
            return RuleState(
                None,
                f"No {name} measurement in the week {start:%d %b}–{end:%d %b}: the rule needs one each week.",
                threshold,
            )
        if min(values) <= threshold:
            return RuleState(
                False,
                f"{name} was not above the clinic's threshold ({threshold}) all through the last {weeks} "
                "week(s): no booster due by the rule.",
                threshold,
            )
    return RuleState(
        True,
        f"{name} stayed above the clinic's threshold ({threshold}) for {weeks} consecutive week(s): a "
        "booster is due by the plan's rule.",
        threshold,
    )


@dataclass(frozen=True)
class GoalProgress:
    goal: PlanGoal
    sessions_worked: int
    last_worked_on: dt.date | None


def goal_progress(plan: TreatmentPlan) -> list[GoalProgress]:
    """Each current goal with how often therapy worked on it (attended sessions only)."""
    out = []
    for goal in plan.goals.filter(active=True):
        worked = goal.therapy_sessions.filter(  # type: ignore[attr-defined]
            attendance=TherapySession.Attendance.ATTENDED, entered_in_error=False
        ).order_by("-occurred_at")
        last = worked.first()
        out.append(GoalProgress(goal, worked.count(), timezone.localdate(last.occurred_at) if last else None))
    return out


def measure_progress(patient: Patient, instrument_id: str) -> tuple[float, float, dt.date] | None:
    """The first and the latest total of a measure, and the latest's day (for the patient's page)."""
    from ketacare.outcomes import selectors as outcomes

    points = list(outcomes.trend(patient, instrument_id))
    if len(points) < 2:
        return None
    return float(points[0].total), float(points[-1].total), timezone.localdate(points[-1].answered_at)


def plan_course_problems(plan: TreatmentPlan) -> list[str]:
    """What the plan refers to that no longer holds: a protocol gone from the library or clinic, an
    order discontinued (a plan says so rather than pretend)."""
    from ketacare.plans.services import resolve_protocol

    problems = []
    if plan.protocol_id:
        try:
            resolve_protocol(plan.patient.clinic, plan.protocol_id)
        except ValidationError as exc:
            problems.append(f"The protocol this plan follows does not exist now: {exc.messages[0]}")
    else:
        problems.append("No protocol chosen: the ketamine course is not set.")
    if plan.order is None:
        problems.append("No signed ketamine order is linked to this plan yet.")
    elif plan.order.status != Order.Status.SIGNED:
        problems.append(f"Order {plan.order_id} is {plan.order.get_status_display().lower()}.")
    return problems


# --- what outcomes learns of MAT and therapy (registered in PlansConfig.ready) ---------------------


def _noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def mat_events(patient: Patient) -> list[TreatmentEvent]:
    """MAT starts, dose changes and stops, for the outcome charts' markers."""
    events = []
    for order in MatOrder.objects.filter(patient=patient).prefetch_related("dose_changes"):
        name = order.get_drug_display()
        for i, change in enumerate(order.dose_changes.all()):
            verb = "started" if i == 0 else "dose changed to"
            label = f"{name} {verb} {change.dose_mg} mg {change.effective_on:%d %b %Y}"
            if i == 0:
                label = f"{name} {change.dose_mg} mg {verb} {change.effective_on:%d %b %Y}"
            events.append(TreatmentEvent(_noon(change.effective_on), label, "mat"))
        if order.stopped_at is not None:
            events.append(
                TreatmentEvent(order.stopped_at, f"{name} stopped {order.stopped_at:%d %b %Y}", "mat")
            )
    return events


def therapy_events(patient: Patient) -> list[TreatmentEvent]:
    """Attended therapy, preparation and integration sessions, for the outcome charts' markers."""
    sessions = TherapySession.objects.filter(
        patient=patient, entered_in_error=False, attendance=TherapySession.Attendance.ATTENDED
    )
    return [
        TreatmentEvent(
            s.occurred_at,
            f"{s.get_kind_display()} ({s.get_modality_display()}) "
            f"{timezone.localtime(s.occurred_at):%d %b %Y}",
            "therapy",
        )
        for s in sessions
    ]


def treatment_events(patient: Patient) -> list[TreatmentEvent]:
    return mat_events(patient) + therapy_events(patient)
