"""The patient's portal: a phone-sized check-in, questionnaires due, support and trends.
Thin: parse, fetch through selectors (own record only), call services, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from ketacare.accounts.http import AuthedRequest
from ketacare.forms_util import add_service_errors
from ketacare.instruments.model import Administration
from ketacare.outcomes import selectors, services, trend_charts
from ketacare.outcomes.forms import (
    DailyReportForm,
    QuestionnaireForm,
)
from ketacare.outcomes.models import DailyReport
from ketacare.outcomes.views._common import _instrument, _questionnaire_errors
from ketacare.patients.selectors import own_patient_record

# --- the patient's portal -----------------------------------------------------------------------


@login_required
def portal(request: AuthedRequest) -> HttpResponse:
    """Today's check-in and the questionnaires due, on a phone-sized page."""
    patient = own_patient_record(request.user)
    today = timezone.localdate()
    checked_in = selectors.checked_in_on(patient, today)
    form = DailyReportForm(request.POST or None)
    if request.method == "POST" and not checked_in and form.is_valid():
        data = form.cleaned_data
        try:
            _, craving = services.record_daily_report(
                by=request.user,
                patient=patient,
                mood_0_10=data["mood_0_10"],
                craving_0_100=data["craving_0_100"],
                used_substance=data.get("used_substance") or "",
                standard_drinks=data.get("standard_drinks"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Thank you, today's check-in is saved.")
            return redirect("outcomes:portal")
    context = {
        "patient": patient,
        "form": form,
        "checked_in": checked_in,
        "due": selectors.due_now(patient, today),
        "drafts": [
            d
            for d in selectors.drafts_of(patient)
            if selectors.instrument_available(patient.clinic_id, _instrument(d.instrument_id))
        ],
    }
    return render(request, "outcomes/portal.html", context)


@login_required
def portal_answer(request: AuthedRequest, instrument_id: str) -> HttpResponse:
    patient = own_patient_record(request.user)
    instrument = _instrument(instrument_id)
    if instrument.administration == Administration.CLINICIAN_RATED:
        raise Http404("Your care team fills in this one with you.")
    if not selectors.instrument_available(patient.clinic_id, instrument):
        raise Http404("Your clinic does not offer this questionnaire now.")
    draft = selectors.drafts_of(patient, instrument_id=instrument.id).first()
    # The portal offers what the care team assigned (and drafts of it), not the whole registry.
    assigned = any(s.instrument.id == instrument.id for s in selectors.assignment_states(patient))
    if draft is None and not assigned and instrument.id != DailyReport.CRAVING_INSTRUMENT:
        raise Http404("This questionnaire is not assigned to you.")
    initial = {f"item_{i}": a for i, a in enumerate(draft.answers, start=1)} if draft else None
    form = QuestionnaireForm(request.POST or None, instrument=instrument, initial=initial)
    if request.method == "POST" and form.is_valid():
        keep_draft = "save_draft" in request.POST
        try:
            if draft is not None:
                recorded = services.update_draft(
                    by=request.user, response=draft, answers=form.answers(), draft=keep_draft
                )
            else:
                assignment = next(
                    (s.assignment for s in selectors.due_now(patient) if s.instrument.id == instrument.id),
                    None,
                )
                recorded = services.record_response(
                    by=request.user,
                    patient=patient,
                    instrument_id=instrument.id,
                    answers=form.answers(),
                    draft=keep_draft,
                    assignment=assignment,
                )
        except ValidationError as exc:
            _questionnaire_errors(form, exc)
        else:
            if recorded.crisis_information:
                # The patient sees the crisis information before anything else.
                request.session["crisis_response_id"] = recorded.response.pk
                return redirect("outcomes:portal_support")
            messages.success(
                request,
                "Saved as a draft. Come back to finish it."
                if keep_draft
                else "Thank you, your answers are saved.",
            )
            return redirect("outcomes:portal")
    return render(
        request,
        "outcomes/answer.html",
        {"form": form, "instrument": instrument, "patient": patient, "portal": True},
    )


@login_required
def portal_support(request: AuthedRequest) -> HttpResponse:
    """Help in a crisis: the clinic's crisis numbers, always; a button that really alerts the care
    team; and "your team was alerted" only when an alert was recorded (never assumed)."""
    patient = own_patient_record(request.user)
    if request.method == "POST":
        alert = services.request_contact(by=request.user, patient=patient)
        messages.success(
            request, f"Your care team was alerted at {timezone.localtime(alert.raised_at):%H:%M}."
        )
        return redirect("outcomes:portal_support")
    alerts = list(selectors.recent_alerts_of(patient))
    response_id = request.session.get("crisis_response_id")
    from_answers = bool(response_id) and any(a.response_id == response_id for a in alerts)
    return render(
        request,
        "outcomes/support.html",
        {
            "patient": patient,
            "crisis_information": selectors.crisis_information(patient.clinic),
            "alert": alerts[0] if alerts else None,
            "from_answers": from_answers,
        },
    )


@login_required
def portal_trends(request: AuthedRequest) -> HttpResponse:
    patient = own_patient_record(request.user)
    window = trend_charts.window_from(request.GET.get("window"))
    charts_ = trend_charts.all_charts(patient, window)
    moods = selectors.recent_daily_reports(patient, days=14)
    return render(
        request,
        "outcomes/trends.html",
        {"patient": patient, "charts": charts_, "moods": moods, "window": window},
    )
