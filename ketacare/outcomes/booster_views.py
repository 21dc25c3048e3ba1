"""The booster-forecast page of a patient's outcomes (staff only): thin, the forecast is a selector."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render

from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.selectors import is_staff_member
from ketacare.analytics import forecast
from ketacare.outcomes.booster import FORECAST_INSTRUMENTS, booster_forecast, threshold_problem
from ketacare.patients.selectors import get_patient_for


class ForecastForm(forms.Form):
    instrument = forms.ChoiceField(
        choices=[("craving-vas", "Craving (0-100)"), ("phq-9", "PHQ-9 (0-27)")], initial="craving-vas"
    )
    threshold = forms.DecimalField(
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=1,
        label="Maintenance threshold",
        help_text="The level above which this patient's plan calls for a booster (your clinic's or the "
        "plan's value; KetaCare sets none).",
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        threshold, instrument = data.get("threshold"), data.get("instrument")
        problem = (
            threshold_problem(str(instrument), float(threshold))
            if instrument and threshold is not None
            else None
        )
        if problem:
            self.add_error("threshold", problem)
        return data


@login_required
def patient_forecast(request: AuthedRequest, patient_id: int) -> HttpResponse:
    if not is_staff_member(request.user):
        raise PermissionDenied("This page is for clinic staff.")
    patient = get_patient_for(request.user, patient_id)  # access decided and the read audited
    form = ForecastForm(request.GET or None)
    result = None
    if not request.GET:
        result = booster_forecast(patient, "craving-vas", None)
    elif form.is_valid():
        threshold = form.cleaned_data["threshold"]
        result = booster_forecast(
            patient, form.cleaned_data["instrument"], float(threshold) if threshold is not None else None
        )
    context = {
        "patient": patient,
        "form": form,
        "forecast": result,
        "instruments": FORECAST_INSTRUMENTS,
        "not_pharmacology": forecast.NOT_PHARMACOLOGY,
        "interval_percent": round(100 * forecast.INTERVAL),
    }
    return render(request, "outcomes/forecast.html", context)
