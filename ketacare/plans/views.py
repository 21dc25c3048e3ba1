"""Pages: a patient's screening (with the override form), the protocol library, orders, settings.

Thin: check access (get_patient_for / get_order_for), call a service, render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.roles import Action, role_may
from ketacare.accounts.selectors import clinics_where, role_in
from ketacare.audit.actions import AuditAction
from ketacare.audit.models import AuditEvent
from ketacare.audit.services import record_event
from ketacare.forms_util import add_service_errors
from ketacare.patients.models import Patient
from ketacare.patients.selectors import get_patient_for
from ketacare.plans import selectors, services
from ketacare.plans.forms import (
    SUGGESTIONS,
    ClinicProtocolForm,
    DiscontinueForm,
    OrderForm,
    OverrideForm,
    SafetySettingsForm,
)
from ketacare.plans.models import Screening
from ketacare.rules import protocols


def _may(request: AuthedRequest, patient: Patient, action: Action) -> bool:
    role = role_in(request.user, patient.clinic)
    return role is not None and role_may(role, action)


def screening_context(patient: Patient, screening: Screening | None) -> dict[str, Any]:
    """The latest stored screening with overrides applied, and what the record says now."""
    overrides = services.active_overrides(patient)
    _, now = services.evaluate(patient)
    effective = services.effective_result(screening) if screening else None
    reasons = []
    for r in screening.reasons if screening else []:
        reasons.append({**r, "override": overrides.get((r["code"], r.get("input", "")))})
    current = [{"code": r.code, "class": r.klass, "input": r.input} for r in now.reasons]
    stored = (
        [{"code": r["code"], "class": r["class"], "input": r.get("input", "")} for r in screening.reasons]
        if screening
        else None
    )
    return {
        "screening": screening,
        "effective": effective,
        "reasons": reasons,
        "current_result": now.result,
        "changed": screening is not None and current != stored,
        "overrides": list(overrides.values()),
    }


@login_required
def screening_page(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = get_patient_for(request.user, patient_id, Action.SCREEN_ELIGIBILITY)
    record_event(
        actor=request.user,
        action=AuditAction.READ,
        entity=patient,
        clinic=patient.clinic,
        patient_id=patient.pk,
    )
    return _screening(request, patient)


def _screening(
    request: AuthedRequest, patient: Patient, *, form: OverrideForm | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "patient": patient,
        **screening_context(patient, selectors.latest_screening(patient)),
        "may_override": _may(request, patient, Action.OVERRIDE_SCREENING),
        "override_form": form,
    }
    return render(request, "plans/screening.html", context, status=status)


@login_required
@require_POST
def screening_run(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = get_patient_for(request.user, patient_id, Action.SCREEN_ELIGIBILITY)
    services.run_screening(by=request.user, patient=patient)
    messages.success(request, "Screening run on the record as it is now.")
    return redirect("plans:screening", patient.pk)


@login_required
@require_POST
def screening_override(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = get_patient_for(request.user, patient_id, Action.OVERRIDE_SCREENING)
    screening = selectors.latest_screening(patient)
    form = OverrideForm(request.POST)
    if screening is None:
        form.add_error(None, "Run the screening first.")
    elif form.is_valid():
        try:
            services.override_reason(by=request.user, screening=screening, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Override recorded with its justification.")
            return redirect("plans:screening", patient.pk)
    return _screening(request, patient, form=form, status=400)


@login_required
def protocol_library(request: AuthedRequest) -> HttpResponse:
    if not clinics_where(request.user, Action.VIEW_PATIENT).exists():
        record_event(
            actor=request.user,
            action=AuditAction.READ,
            entity_type="plans.protocol",
            outcome=AuditEvent.Outcome.DENIED,
        )
        raise PermissionDenied("The protocol library is for clinic staff.")
    own_clinic = clinics_where(request.user, Action.ORDER_KETAMINE).order_by("name").first()
    form = ClinicProtocolForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if own_clinic is None:
            raise PermissionDenied("Only a prescriber adds a clinic protocol.")
        if form.is_valid():
            try:
                services.add_clinic_protocol(by=request.user, clinic=own_clinic, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Clinic protocol added.")
                return redirect("plans:protocols")
    context = {
        "library": list(protocols.LIBRARY.values()),
        "clinic_protocols": selectors.clinic_protocols_for(request.user),
        "form": form if own_clinic else None,
    }
    return render(request, "plans/protocols.html", context, status=400 if form.errors else 200)


def _clinic_protocol_choices(patient: Patient) -> list[tuple[str, str]]:
    return [
        (p.library_id, f"{p.name} (clinic; {p.mg_per_kg_min}–{p.mg_per_kg_max} mg/kg {p.route})")
        for p in patient.clinic.protocols.filter(active=True)
    ]


@login_required
def order_list(request: AuthedRequest, patient_id: int) -> HttpResponse:
    """A patient's orders; a prescriber writes a new one here."""
    patient = get_patient_for(request.user, patient_id, Action.ADMINISTER_KETAMINE)
    record_event(
        actor=request.user,
        action=AuditAction.READ,
        entity=patient,
        clinic=patient.clinic,
        patient_id=patient.pk,
    )
    may_order = _may(request, patient, Action.ORDER_KETAMINE)
    form = OrderForm(
        request.POST if request.method == "POST" else None, clinic_protocols=_clinic_protocol_choices(patient)
    )
    if request.method == "POST":
        if not may_order:
            record_event(
                actor=request.user,
                action=Action.ORDER_KETAMINE,
                entity=patient,
                clinic=patient.clinic,
                patient_id=patient.pk,
                outcome=AuditEvent.Outcome.DENIED,
            )
            raise PermissionDenied("Only a prescriber orders ketamine.")
        if form.is_valid():
            data = {
                k: v
                for k, v in form.cleaned_data.items()
                if v not in (None, "") or k in ("dose", "protocol", "route")
            }
            try:
                order = services.create_order(by=request.user, patient=patient, **data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Order written. Sign it to make it valid.")
                return redirect("plans:order", order.pk)
    context = {
        "patient": patient,
        "orders": selectors.orders_of(patient),
        "form": form if may_order else None,
        "screening": selectors.latest_screening(patient),
    }
    return render(request, "plans/orders.html", context, status=400 if form.errors else 200)


@login_required
def order_detail(request: AuthedRequest, order_id: int) -> HttpResponse:
    order = selectors.get_order_for(request.user, order_id, Action.ADMINISTER_KETAMINE)
    return _order(request, order)


def _order(
    request: AuthedRequest, order: Any, *, form: DiscontinueForm | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "order": order,
        "patient": order.patient,
        "may_order": _may(request, order.patient, Action.ORDER_KETAMINE),
        "discontinue_form": form or DiscontinueForm(),
        "overrides": list(services.active_overrides(order.patient).values()),
    }
    return render(request, "plans/order.html", context, status=status)


@login_required
@require_POST
def order_sign(request: AuthedRequest, order_id: int) -> HttpResponse:
    order = selectors.get_order_for(request.user, order_id, Action.ORDER_KETAMINE)
    try:
        services.sign_order(by=request.user, order=order)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "Order signed: a session can now be planned from it.")
    return redirect("plans:order", order.pk)


@login_required
@require_POST
def order_discontinue(request: AuthedRequest, order_id: int) -> HttpResponse:
    order = selectors.get_order_for(request.user, order_id, Action.ORDER_KETAMINE)
    form = DiscontinueForm(request.POST)
    if form.is_valid():
        try:
            services.discontinue_order(by=request.user, order=order, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Order discontinued.")
            return redirect("plans:order", order.pk)
    return _order(request, order, form=form, status=400)


@login_required
def safety_settings(request: AuthedRequest) -> HttpResponse:
    """The clinic administrator's screening and dose-check limits (all clinic-set, none by default)."""
    clinic = clinics_where(request.user, Action.MANAGE_SAFETY_SETTINGS).order_by("name").first()
    if clinic is None:
        record_event(
            actor=request.user, action=Action.MANAGE_SAFETY_SETTINGS, outcome=AuditEvent.Outcome.DENIED
        )
        raise PermissionDenied("Only a clinic administrator sets the safety limits.")
    current = services.settings_of(clinic)
    form = SafetySettingsForm(
        request.POST if request.method == "POST" else None,
        instance=None,
        initial={name: getattr(current, name) for name in SUGGESTIONS},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_safety_settings(by=request.user, clinic=clinic, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Safety limits saved.")
            return redirect("plans:settings")
    return render(
        request, "plans/settings.html", {"clinic": clinic, "form": form}, status=400 if form.errors else 200
    )
