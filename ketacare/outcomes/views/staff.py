"""Staff pages of outcomes: the worklist, a patient's outcomes, assigning, entering, alerts, the
clinic's settings and corrections. Thin: parse, fetch through selectors, call services, render."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from ketacare import instruments
from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.roles import Action
from ketacare.accounts.selectors import clinics_where
from ketacare.forms_util import add_service_errors, save_form
from ketacare.instruments.model import Administration, Instrument
from ketacare.outcomes import selectors, services, trend_charts
from ketacare.outcomes.forms import (
    AcknowledgeForm,
    AssignForm,
    LabResultForm,
    OutcomeSettingsForm,
    PermissionForm,
    QuestionnaireForm,
    ReasonForm,
    UseDayForm,
    WithdrawPermissionForm,
)
from ketacare.outcomes.glance import glance
from ketacare.outcomes.models import DailyReport, LabResult, SubstanceUseDay
from ketacare.outcomes.views._common import _instrument, _questionnaire_errors, _staff_only
from ketacare.patients.selectors import get_patient_for, may

WORKLIST_PAGE_SIZE = 50  # rows a page (a display choice)

# --- staff --------------------------------------------------------------------------------------


@login_required
def worklist(request: AuthedRequest) -> HttpResponse:
    _staff_only(request)
    rows = selectors.worklist(request.user, audit=True)
    may_settings = clinics_where(request.user, Action.MANAGE_OUTCOME_SETTINGS).exists()
    # Paged: only the page's patients are loaded (selectors.Worklist).
    page = Paginator(rows, WORKLIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "outcomes/worklist.html",
        {"rows": page.object_list, "page": page, "may_settings": may_settings},
    )


@login_required
def patient_outcomes(request: AuthedRequest, patient_id: int) -> HttpResponse:
    _staff_only(request)
    patient = get_patient_for(request.user, patient_id)
    offered = selectors.offered_instruments(patient.clinic)
    since = timezone.localdate() - dt.timedelta(days=90)
    window = trend_charts.window_from(request.GET.get("window"))
    context: dict[str, Any] = {
        "patient": patient,
        "alerts": selectors.recent_alerts(patient),
        "assignments": selectors.assignment_states(patient),
        "responses": selectors.recent_responses(patient),
        "charts": trend_charts.all_charts(patient, window),
        "window": window,
        "glance": glance(patient),
        "attention": selectors.attention(request.user, patient),
        "use": selectors.substance_use(patient, start=since),
        "daily_reports": selectors.daily_reports_of(patient, since=since),
        "may_withdraw_report": may(request.user, patient, services.entered_in_error_action(DailyReport)),
        "may_assign": may(request.user, patient, Action.ASSIGN_INSTRUMENT),
        "may_record": may(request.user, patient, Action.RECORD_RESPONSE),
        "may_rate": may(request.user, patient, Action.RATE_CLINICIAN_SCALE),
        "may_record_use": may(request.user, patient, Action.RECORD_SUBSTANCE_USE),
        "may_record_lab": may(request.user, patient, Action.RECORD_LAB_RESULT),
        "self_report": [i for i in offered if i.administration != Administration.CLINICIAN_RATED],
        "clinician_rated": [i for i in offered if i.administration == Administration.CLINICIAN_RATED],
    }
    return render(request, "outcomes/patient.html", context)


@login_required
def assign(request: AuthedRequest, patient_id: int) -> HttpResponse:
    _staff_only(request)
    patient = get_patient_for(request.user, patient_id, Action.ASSIGN_INSTRUMENT)
    offered = [
        i
        for i in selectors.offered_instruments(patient.clinic)
        if i.administration != Administration.CLINICIAN_RATED
    ]
    form = AssignForm(request.POST or None, instruments=offered)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.assign_instrument(
                by=request.user,
                patient=patient,
                instrument_id=data["instrument"],
                interval_days=data.get("interval_days"),
                starts_on=data.get("starts_on"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Assigned.")
            return redirect("outcomes:patient", patient_id=patient.pk)
    return render(
        request,
        "outcomes/form.html",
        {"form": form, "patient": patient, "title": f"Assign a questionnaire to {patient.full_name}"},
    )


@login_required
def staff_answer(request: AuthedRequest, patient_id: int, instrument_id: str) -> HttpResponse:
    _staff_only(request)
    instrument = _instrument(instrument_id)
    action = (
        Action.RATE_CLINICIAN_SCALE
        if instrument.administration == Administration.CLINICIAN_RATED
        else Action.RECORD_RESPONSE
    )
    patient = get_patient_for(request.user, patient_id, action)
    form = QuestionnaireForm(request.POST or None, instrument=instrument)
    if request.method == "POST" and form.is_valid():
        try:
            recorded = services.record_response(
                by=request.user,
                patient=patient,
                instrument_id=instrument.id,
                answers=form.answers(),
                draft="save_draft" in request.POST,
            )
        except ValidationError as exc:
            _questionnaire_errors(form, exc)
        else:
            response = recorded.response
            if recorded.alerts:
                messages.warning(request, f"Safety alert raised: {recorded.alerts[0].message}")
            summary = (
                f"total {response.score_total}"
                if response.score_total is not None
                else response.get_status_display()
            )
            band = f", {response.band_label}" if response.band_label else ""
            messages.success(request, f"{instrument.abbreviation} saved ({summary}{band}).")
            return redirect("outcomes:patient", patient_id=patient.pk)
    return render(
        request,
        "outcomes/answer.html",
        {"form": form, "instrument": instrument, "patient": patient, "portal": False},
    )


@login_required
def use_day_new(request: AuthedRequest, patient_id: int) -> HttpResponse:
    _staff_only(request)
    patient = get_patient_for(request.user, patient_id, Action.RECORD_SUBSTANCE_USE)
    form = UseDayForm(request.POST or None, initial={"day": timezone.localdate()})
    record = partial(services.record_substance_use, by=request.user, patient=patient)
    if save_form(request, form, record, success="Saved.")[0]:
        return redirect("outcomes:patient", patient_id=patient.pk)
    return render(
        request,
        "outcomes/form.html",
        {"form": form, "patient": patient, "title": f"Substance use of {patient.full_name} on one day"},
    )


@login_required
def lab_result_new(request: AuthedRequest, patient_id: int) -> HttpResponse:
    _staff_only(request)
    patient = get_patient_for(request.user, patient_id, Action.RECORD_LAB_RESULT)
    form = LabResultForm(request.POST or None)
    record = partial(services.record_lab_result, by=request.user, patient=patient)
    if save_form(request, form, record, success="Saved.")[0]:
        return redirect("outcomes:patient", patient_id=patient.pk)

    return render(
        request,
        "outcomes/form.html",
        {"form": form, "patient": patient, "title": f"Test result for {patient.full_name}"},
    )


@login_required
def alert_detail(request: AuthedRequest, alert_id: int) -> HttpResponse:
    _staff_only(request)
    alert = selectors.alert_for(request.user, alert_id)
    form = AcknowledgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.acknowledge_alert(
                by=request.user, alert=alert, action_taken=form.cleaned_data["action_taken"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Alert acknowledged.")
            return redirect("outcomes:worklist")
    # A patient's own request from the crisis page has no questionnaire behind it.
    instrument = instruments.get_instrument(alert.response.instrument_id) if alert.response else None
    items = (
        list(zip(instrument.items, alert.response.answers, strict=False))
        if instrument and alert.response
        else []
    )
    return render(
        request,
        "outcomes/alert.html",
        {
            "alert": alert,
            "form": form,
            "instrument": instrument,
            "items": [
                (item, item.options[a].label if a is not None and not item.is_numeric else a)
                for item, a in items
            ],
            "may_acknowledge": may(request.user, alert.patient, Action.ACKNOWLEDGE_ALERT),
        },
    )


@login_required
def clinic_settings(request: AuthedRequest) -> HttpResponse:
    """A clinic administrator's choices: relapse definition, crisis text, instrument permissions."""
    _staff_only(request)
    clinic = selectors.settings_clinic_for(request.user)
    if clinic is None:
        raise PermissionDenied("Only a clinic administrator changes these settings.")
    current = selectors.outcome_settings_of(clinic)
    initial = {
        "relapse_definition": current.relapse_definition if current else "any-use",
        "regular_use_days": current.regular_use_days if current else None,
        "crisis_information": current.crisis_information if current else "",
    }
    missing = [
        i
        for i in instruments.list_instruments()
        if i.licence.requires_permission and not selectors.instrument_available(clinic, i)
    ]
    posted = request.POST.get("form") if request.method == "POST" else None
    settings_form = OutcomeSettingsForm(request.POST if posted == "settings" else None, initial=initial)
    permission_form = PermissionForm(request.POST if posted == "permission" else None, instruments=missing)
    if posted == "settings" and settings_form.is_valid():
        try:
            services.update_outcome_settings(by=request.user, clinic=clinic, **settings_form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(settings_form, exc)
        else:
            messages.success(request, "Settings saved.")
            return redirect("outcomes:settings")
    if posted == "permission" and permission_form.is_valid():
        data = permission_form.cleaned_data
        try:
            services.record_instrument_permission(
                by=request.user,
                clinic=clinic,
                instrument_id=data["instrument"],
                granted_by=data["granted_by"],
                reference=data["reference"],
            )
        except ValidationError as exc:
            add_service_errors(permission_form, exc)
        else:
            messages.success(request, "Permission recorded: the instrument is now offered.")
            return redirect("outcomes:settings")
    context = {
        "clinic": clinic,
        "settings_form": settings_form,
        "permission_form": permission_form,
        "missing": missing,
        "permissions": selectors.permissions_of(clinic),
    }
    return render(request, "outcomes/settings.html", context)


@login_required
def withdraw_permission(request: AuthedRequest, permission_id: int) -> HttpResponse:
    """A clinic administrator withdraws an instrument permission, with the reason: the row stays and
    the instrument is no longer offered in that clinic."""
    _staff_only(request)
    permission = selectors.permission_for(request.user, permission_id)
    form = WithdrawPermissionForm(request.POST or None)
    withdraw = partial(services.withdraw_instrument_permission, by=request.user, permission=permission)
    success = f"Permission withdrawn: {permission.get_instrument_id_display()} is no longer offered."
    if save_form(request, form, withdraw, success=success)[0]:
        return redirect("outcomes:settings")
    return render(request, "outcomes/withdraw_permission.html", {"form": form, "permission": permission})


def _record_action(instrument: Instrument) -> Action:
    if instrument.administration == Administration.CLINICIAN_RATED:
        return Action.RATE_CLINICIAN_SCALE
    return Action.RECORD_RESPONSE


@login_required
def correct_response(request: AuthedRequest, patient_id: int, response_id: int) -> HttpResponse:
    """Correct a submitted questionnaire: the old one stays, marked entered-in-error with the reason."""
    _staff_only(request)
    patient = get_patient_for(request.user, patient_id, Action.RECORD_RESPONSE)
    response = selectors.response_of(patient, response_id)
    instrument = _instrument(response.instrument_id)
    if not may(request.user, patient, _record_action(instrument)):
        raise PermissionDenied(f"Your role may not enter {instrument.abbreviation}.")
    initial = {f"item_{n}": a for n, a in enumerate(response.answers, start=1)}
    form = QuestionnaireForm(request.POST or None, instrument=instrument, initial=initial)
    reason = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and reason.is_valid():
        try:
            services.correct_response(
                by=request.user,
                response=response,
                answers=form.answers(),
                reason=reason.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _questionnaire_errors(form, exc)
        else:
            messages.success(request, "Corrected. The earlier answers are kept, marked entered in error.")
            return redirect("outcomes:patient", patient_id=patient.pk)
    return render(
        request,
        "outcomes/correct.html",
        {
            "form": form,
            "reason_form": reason,
            "instrument": instrument,
            "patient": patient,
            "response": response,
        },
    )


ERROR_KINDS: dict[str, type[services.Entry]] = {
    "use-day": SubstanceUseDay,
    "test": LabResult,
    "daily-report": DailyReport,
}
ERROR_NOTES: dict[type[services.Entry], str] = {
    DailyReport: "The check-in stays on the record, struck through with your reason; its mood and "
    "craving rating leave the trends. Substance use reported at the same check-in is a separate "
    "entry: mark it in the substance use table if it is wrong too.",
}


@login_required
def entry_error(request: AuthedRequest, patient_id: int, kind: str, entry_id: int) -> HttpResponse:
    """Mark a reported day, a test result or a daily check-in entered-in-error: it stays, struck
    through, with why."""
    _staff_only(request)
    model = ERROR_KINDS.get(kind)
    if model is None:
        raise Http404("No such kind of entry.")
    patient = get_patient_for(request.user, patient_id, services.entered_in_error_action(model))
    entry = selectors.live_entry_of(patient, model, entry_id)
    if entry is None:
        raise Http404("No such entry.")
    form = ReasonForm(request.POST or None)
    withdraw = partial(services.mark_entry_entered_in_error, by=request.user, entry=entry)
    if save_form(request, form, withdraw, success="Marked as entered in error.")[0]:
        return redirect("outcomes:patient", patient_id=patient.pk)
    context = {
        "form": form,
        "patient": patient,
        "title": f"Mark as entered in error: {entry}",
        "note": ERROR_NOTES.get(model, ""),
    }
    return render(request, "outcomes/form.html", context)
