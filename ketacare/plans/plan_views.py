"""Pages of treatment plans, MAT orders and therapy sessions (issue 12), and the patient's "my plan".

Thin: fetch through selectors (access decided and audited there), call a service, render. Staff pages
answer 403 to a portal login; the patient reads their own plan at /plans/my-plan/.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.models import User
from ketacare.accounts.roles import Action, Role
from ketacare.accounts.selectors import is_staff_member
from ketacare.analytics import forecast as forecast_model
from ketacare.forms_util import add_service_errors, save_form
from ketacare.outcomes.booster import booster_forecast
from ketacare.patients.models import Patient
from ketacare.patients.selectors import get_patient_for, may, own_patient_record
from ketacare.plans import selectors, services
from ketacare.plans.forms import (
    AgreementForm,
    BoosterDecisionForm,
    MatDoseForm,
    MatOrderForm,
    MatStopForm,
    PlanForm,
    PlanStatusForm,
    TherapySessionForm,
)
from ketacare.plans.models import MAINTENANCE_INSTRUMENTS, MatOrder, TreatmentPlan
from ketacare.rules import protocols


def _staff_only(request: AuthedRequest) -> None:
    if not is_staff_member(request.user):
        raise PermissionDenied("This page is for clinic staff.")


def _protocol_choices(patient: Patient) -> list[tuple[str, str]]:
    library = [(p.id, f"{p.citation.split(';')[0]}: {p.title}") for p in protocols.LIBRARY.values()]
    own = [(p.library_id, f"{p.name} (clinic)") for p in patient.clinic.protocols.filter(active=True)]
    return library + own


def _plan_form(patient: Patient, data: Any = None, initial: dict[str, Any] | None = None) -> PlanForm:
    therapists = User.objects.filter(
        memberships__clinic=patient.clinic, memberships__role=Role.THERAPIST, memberships__active=True
    ).order_by("display_name", "username")
    return PlanForm(
        data,
        initial=initial,
        protocols=_protocol_choices(patient),
        orders=[
            (o.pk, f"Order {o.pk}: {o.protocol_id}, {o.dose_mg} mg ({o.get_status_display().lower()})")
            for o in selectors.orders_of(patient).exclude(status="discontinued")
        ],
        therapists=[(t.pk, str(t)) for t in therapists],
    )


@login_required
def plan_list(request: AuthedRequest, patient_id: int) -> HttpResponse:
    """A patient's plans; a nurse or prescriber writes a new one here."""
    _staff_only(request)
    action = Action.EDIT_PLAN if request.method == "POST" else Action.VIEW_PATIENT
    patient = get_patient_for(request.user, patient_id, action, read=True)
    may_edit = may(request.user, patient, Action.EDIT_PLAN)
    form = _plan_form(patient, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        reason = form.cleaned_data.get("reason") or "New plan."
        try:
            plan = services.create_plan(by=request.user, patient=patient, reason=reason, **values)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, "Plan written as a draft. Record the patient's agreement, then activate it."
            )
            return redirect("plans:plan", plan.pk)
    context = {"patient": patient, "plans": selectors.plans_of(patient), "form": form if may_edit else None}
    return render(request, "plans/plans.html", context, status=400 if form.errors else 200)


def _forecast(plan: TreatmentPlan) -> dict[str, Any] | None:
    if not plan.maintenance_instrument:
        return None
    threshold = services.booster_threshold(plan.patient.clinic, plan.maintenance_instrument)
    if threshold is None:
        return {"threshold": None}
    result = booster_forecast(plan.patient, plan.maintenance_instrument, float(threshold))
    return {"threshold": threshold, "forecast": result, "result": result.result}


def _plan_page(
    request: AuthedRequest, plan: TreatmentPlan, *, status: int = 200, **forms_: forms.Form
) -> HttpResponse:
    patient = plan.patient
    editable = plan.status in services.OPEN_PLAN_STATUSES
    context = {
        "plan": plan,
        "patient": patient,
        "problems": selectors.plan_course_problems(plan),
        "goals": selectors.goal_progress(plan),
        "therapies": plan.therapies.filter(active=True).select_related("therapist"),
        "mat_orders": selectors.mat_orders_of(patient).filter(plan=plan),
        "therapy_sessions": selectors.therapy_sessions_of(patient).filter(plan=plan)[:20],
        "rule": selectors.maintenance_state(plan),
        "maintenance_name": dict(MAINTENANCE_INSTRUMENTS).get(plan.maintenance_instrument, ""),
        "forecast": _forecast(plan),
        "not_pharmacology": forecast_model.NOT_PHARMACOLOGY,
        "decisions": plan.booster_decisions.select_related("decided_by"),
        "changes": plan.changes.select_related("by"),
        "may_edit": editable and may(request.user, patient, Action.EDIT_PLAN),
        "may_decide": plan.status == "active" and may(request.user, patient, Action.DECIDE_BOOSTER),
        "status_form": forms_.get("status_form") or PlanStatusForm(prefix="status"),
        "agreement_form": forms_.get("agreement_form") or AgreementForm(prefix="agreement"),
        "booster_form": forms_.get("booster_form")
        or BoosterDecisionForm(prefix="booster", initial={"instrument_id": plan.maintenance_instrument}),
        "window": services.integration_window(patient.clinic),
    }
    return render(request, "plans/plan.html", context, status=status)


@login_required
def plan_detail(request: AuthedRequest, plan_id: int) -> HttpResponse:
    _staff_only(request)
    plan = selectors.get_plan_for(request.user, plan_id)
    return _plan_page(request, plan)


@login_required
def plan_edit(request: AuthedRequest, plan_id: int) -> HttpResponse:
    _staff_only(request)
    plan = selectors.get_plan_for(request.user, plan_id, Action.EDIT_PLAN)
    form = _plan_form(
        plan.patient, request.POST if request.method == "POST" else None, initial=PlanForm.initial_of(plan)
    )
    if request.method == "POST" and form.is_valid():
        if not form.cleaned_data.get("reason"):
            form.add_error("reason", "Say why the plan changes: it is kept with the change.")
        else:
            try:
                services.update_plan(
                    by=request.user, plan=plan, reason=form.cleaned_data["reason"], **form.service_values()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Plan changed; the change is kept with its reason.")
                return redirect("plans:plan", plan.pk)
    context = {"plan": plan, "patient": plan.patient, "form": form}
    return render(request, "plans/plan_edit.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def plan_status(request: AuthedRequest, plan_id: int) -> HttpResponse:
    _staff_only(request)
    plan = selectors.get_plan_for(request.user, plan_id, Action.EDIT_PLAN)
    form = PlanStatusForm(request.POST, prefix="status")
    if form.is_valid():
        try:
            services.change_plan_status(by=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Plan {plan.pk} is now {form.cleaned_data['status'].replace('_', ' ')}."
            )
            return redirect("plans:plan", plan.pk)
    plan.refresh_from_db()
    return _plan_page(request, plan, status=400, status_form=form)


@login_required
@require_POST
def plan_agreement(request: AuthedRequest, plan_id: int) -> HttpResponse:
    _staff_only(request)
    plan = selectors.get_plan_for(request.user, plan_id, Action.EDIT_PLAN)
    form = AgreementForm(request.POST, prefix="agreement")
    record = partial(services.record_agreement, by=request.user, plan=plan)
    if save_form(request, form, record, success="The patient's agreement is recorded.")[0]:
        return redirect("plans:plan", plan.pk)
    return _plan_page(request, plan, status=400, agreement_form=form)


@login_required
@require_POST
def plan_booster(request: AuthedRequest, plan_id: int) -> HttpResponse:
    _staff_only(request)
    plan = selectors.get_plan_for(request.user, plan_id, Action.DECIDE_BOOSTER)
    form = BoosterDecisionForm(request.POST, prefix="booster")
    decide = partial(services.decide_booster, by=request.user, plan=plan)
    if save_form(request, form, decide, success="Your decision on the booster suggestion is recorded.")[0]:
        return redirect("plans:plan", plan.pk)
    return _plan_page(request, plan, status=400, booster_form=form)


# --- MAT ------------------------------------------------------------------------------------------


def _plan_choices(patient: Patient) -> list[tuple[int, str]]:
    return [
        (p.pk, f"Plan {p.pk}: {p.title} ({p.get_status_display().lower()})")
        for p in selectors.plans_of(patient).filter(status__in=services.OPEN_PLAN_STATUSES)
    ]


@login_required
def mat_list(request: AuthedRequest, patient_id: int) -> HttpResponse:
    """A patient's MAT orders with their dose history; a prescriber orders here."""
    _staff_only(request)
    action = Action.ORDER_MAT if request.method == "POST" else Action.VIEW_PATIENT
    patient = get_patient_for(request.user, patient_id, action, read=True)
    may_order = may(request.user, patient, Action.ORDER_MAT)
    form = MatOrderForm(request.POST if request.method == "POST" else None, plans=_plan_choices(patient))
    if request.method == "POST" and form.is_valid():
        try:
            services.create_mat_order(by=request.user, patient=patient, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "MAT order written.")
            return redirect("plans:mat", patient.pk)
    context = {
        "patient": patient,
        "orders": selectors.mat_orders_of(patient),
        "form": form if may_order else None,
        "may_order": may_order,
        "cows_today": services.latest_cows_today(patient),
        "settings": services.settings_of(patient.clinic),
        "cows_suggestion": services.COWS_SUGGESTION,
        "naltrexone_suggestion": services.NALTREXONE_SUGGESTION,
    }
    return render(request, "plans/mat.html", context, status=400 if form.errors else 200)


def _mat_page(
    request: AuthedRequest, order: MatOrder, *, status: int = 200, **forms_: forms.Form
) -> HttpResponse:
    context = {
        "order": order,
        "patient": order.patient,
        "changes": order.dose_changes.select_related("changed_by"),
        "may_order": order.status == "active" and may(request.user, order.patient, Action.ORDER_MAT),
        "dose_form": forms_.get("dose_form") or MatDoseForm(prefix="dose"),
        "stop_form": forms_.get("stop_form") or MatStopForm(prefix="stop"),
    }
    return render(request, "plans/mat_order.html", context, status=status)


@login_required
def mat_detail(request: AuthedRequest, order_id: int) -> HttpResponse:
    _staff_only(request)
    return _mat_page(request, selectors.get_mat_order_for(request.user, order_id))


@login_required
@require_POST
def mat_dose(request: AuthedRequest, order_id: int) -> HttpResponse:
    _staff_only(request)
    order = selectors.get_mat_order_for(request.user, order_id, Action.ORDER_MAT)
    form = MatDoseForm(request.POST, prefix="dose")
    change = partial(services.change_mat_dose, by=request.user, order=order)
    if save_form(request, form, change, success="Dose changed; the earlier doses stay in the history.")[0]:
        return redirect("plans:mat_order", order.pk)
    return _mat_page(request, order, status=400, dose_form=form)


@login_required
@require_POST
def mat_stop(request: AuthedRequest, order_id: int) -> HttpResponse:
    _staff_only(request)
    order = selectors.get_mat_order_for(request.user, order_id, Action.ORDER_MAT)
    form = MatStopForm(request.POST, prefix="stop")
    stop = partial(services.stop_mat_order, by=request.user, order=order)
    if save_form(request, form, stop, success="MAT order stopped.")[0]:
        return redirect("plans:mat_order", order.pk)
    return _mat_page(request, order, status=400, stop_form=form)


# --- therapy --------------------------------------------------------------------------------------


@login_required
def therapy_list(request: AuthedRequest, patient_id: int) -> HttpResponse:
    """A patient's therapy, preparation and integration sessions; a therapist records one here."""
    _staff_only(request)
    action = Action.RECORD_THERAPY if request.method == "POST" else Action.VIEW_PATIENT
    patient = get_patient_for(request.user, patient_id, action, read=True)
    may_record = may(request.user, patient, Action.RECORD_THERAPY)
    plans = selectors.plans_of(patient)
    from django.apps import apps

    doses = (
        apps.get_model("dosing", "DosingSession")
        .objects.filter(patient=patient, started_at__isnull=False)
        .order_by("-started_at")[:20]
    )
    form = TherapySessionForm(
        request.POST if request.method == "POST" else None,
        initial={"occurred_at": timezone.localtime().replace(second=0, microsecond=0)},
        plans=_plan_choices(patient),
        goals=[(g.pk, g.text) for p in plans for g in p.goals.filter(active=True)],
        doses=[(d.pk, f"{timezone.localtime(d.started_at):%d %b %Y %H:%M}: {d.dose_mg} mg") for d in doses],
    )
    if request.method == "POST" and form.is_valid():
        try:
            session = services.record_therapy_session(by=request.user, patient=patient, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            note = " It falls outside the clinic's integration window." if session.outside_window else ""
            messages.success(
                request,
                f"{session.get_kind_display()} recorded ({session.get_attendance_display().lower()}).{note}",
            )
            return redirect("plans:therapy", patient.pk)
    context = {
        "patient": patient,
        "sessions": selectors.therapy_sessions_of(patient),
        "form": form if may_record else None,
        "window": services.integration_window(patient.clinic),
    }
    return render(request, "plans/therapy.html", context, status=400 if form.errors else 200)


# --- the patient's own plan -----------------------------------------------------------------------


@login_required
def my_plan(request: AuthedRequest) -> HttpResponse:
    """The patient's plan in plain words, on a phone: goals and progress, the medicines, therapy."""
    patient = own_patient_record(request.user)
    plan = selectors.current_plan(patient)
    measures = []
    for instrument_id, name in (
        ("craving-vas", "Your craving (0-100)"),
        ("phq-9", "Your mood score, PHQ-9 (0-27)"),
    ):
        progress = selectors.measure_progress(patient, instrument_id)
        if progress is not None:
            measures.append({"name": name, "first": progress[0], "latest": progress[1], "on": progress[2]})
    context = {
        "patient": patient,
        "plan": plan,
        "goals": selectors.goal_progress(plan) if plan else [],
        "therapies": plan.therapies.filter(active=True).select_related("therapist") if plan else [],
        "mat_orders": selectors.active_mat_orders(patient.pk),
        "measures": measures,
        "attended": selectors.therapy_sessions_of(patient)
        .filter(attendance="attended", entered_in_error=False)
        .count(),
    }
    return render(request, "plans/my_plan.html", context)
