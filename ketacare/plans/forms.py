"""Forms for screening overrides, orders, clinic protocols and the clinic's safety limits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from ketacare.dosing.labels import ROUTE_LABELS
from ketacare.forms_util import DateInput
from ketacare.plans.models import ClinicSafetySettings
from ketacare.rules import protocols

SALTS = (("base", "Ketamine base"), ("hcl", "Ketamine hydrochloride (converted to base)"))

# The literature value shown beside each clinic-set limit, with its status (clinical-verified.md).
SUGGESTIONS = {
    "predose_systolic_max_mmhg": (
        "Literature: 140 mmHg (Spravato label summary) – SECONDARY; 150/100 appears nowhere."
    ),
    "predose_diastolic_max_mmhg": "Literature: 90 mmHg (Spravato label summary) – SECONDARY.",
    "alcohol_gate_hours": (
        "At least 24 h (Dakwar 2020) – VERIFIED; KetaCare never gates less. Set more if you wish."
    ),
    "opioids_gate_hours": "No verified value.",
    "cocaine_gate_hours": "No verified value.",
    "amphetamines_gate_hours": "No verified value.",
    "sedatives_gate_hours": "No verified value.",
    "ciwa_ar_max": "No verified value for ketamine.",
    "cows_max": "COWS ≥8 is a buprenorphine-induction figure – SECONDARY, and not about ketamine.",
    "max_mg_per_kg_iv": "Trials: 0.5–0.8 mg/kg IV (Dakwar, Grabski) – VERIFIED doses, not a maximum.",
    "max_mg_per_kg_im": "Trials: 2.0 mg/kg IM (Krupitsky 2002) – VERIFIED dose, not a maximum.",
    "max_mg_per_kg_intranasal": "No verified value.",
    "max_total_mg_iv": "No verified value.",
    "max_total_mg_im": "No verified value.",
    "max_total_mg_intranasal": "Esketamine 84 mg per session – SECONDARY.",
    "dose_increase_factor_max": "No verified value.",
    "weight_change_percent_max": "No verified value.",
    "weight_max_age_days": "No verified value.",
}


class SafetySettingsForm(forms.ModelForm):
    class Meta:
        model = ClinicSafetySettings
        fields = [f for f in SUGGESTIONS]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.required = False
            field.help_text = f"Clinic-set. {SUGGESTIONS.get(name, '')}"


class OverrideForm(forms.Form):
    code = forms.CharField(widget=forms.HiddenInput, max_length=60)
    justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label="Justification",
        help_text="Why ketamine is still right for this patient despite this reason (shown later).",
    )


def _protocol_choices() -> list[tuple[str, str]]:
    return [
        (p.id, f"{p.id}: {p.title} ({p.dose.value or ''} {p.dose.unit})") for p in protocols.LIBRARY.values()
    ]


class OrderForm(forms.Form):
    protocol = forms.ChoiceField(choices=_protocol_choices, label="Protocol or clinic regimen")
    route = forms.ChoiceField(choices=list(ROUTE_LABELS.items()), initial="iv-infusion")
    dose = forms.CharField(
        max_length=20,
        label="Dose per session",
        help_text="e.g. 0.71mg/kg or 50mg (the whole dose, loading part included).",
    )
    salt = forms.ChoiceField(choices=SALTS, initial="base", label="Dose written as")
    duration_min = forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("1440"),
        decimal_places=1,
        label="Infusion duration (min)",
    )
    loading_amount = forms.DecimalField(
        required=False,
        min_value=Decimal("0.001"),
        max_digits=8,
        decimal_places=3,
        label="Loading part (same unit)",
        help_text="Part of the dose, given first; e.g. 0.11 (mg/kg).",
    )
    loading_duration_min = forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("60"),
        decimal_places=1,
        label="Loading over (min)",
    )
    sessions = forms.IntegerField(min_value=1, max_value=52, initial=1, label="Number of sessions")
    interval_days = forms.IntegerField(
        required=False, min_value=1, max_value=365, label="Days between sessions"
    )
    start_on = forms.DateField(
        required=False, widget=DateInput(), label="Start on", help_text="Empty: today."
    )
    confirm_reason = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Confirm a dose outside the checks, with the reason",
        help_text="Needed only when a dose check asks for it.",
    )

    def __init__(
        self, *args: Any, clinic_protocols: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["protocol"].choices = _protocol_choices() + (clinic_protocols or [])  # type: ignore[attr-defined]


class DiscontinueForm(forms.Form):
    reason = forms.CharField(max_length=300, label="Why is the order discontinued?")


class ClinicProtocolForm(forms.Form):
    name = forms.CharField(max_length=120)
    route = forms.ChoiceField(choices=list(ROUTE_LABELS.items()))
    mg_per_kg_min = forms.DecimalField(
        min_value=Decimal("0.001"), max_digits=5, decimal_places=3, label="Lowest dose (mg/kg)"
    )
    mg_per_kg_max = forms.DecimalField(
        min_value=Decimal("0.001"), max_digits=5, decimal_places=3, label="Highest dose (mg/kg)"
    )
    duration_min = forms.DecimalField(
        required=False, min_value=Decimal("0"), max_value=Decimal("1440"), decimal_places=1
    )
    sessions = forms.IntegerField(min_value=1, max_value=52)
    min_spacing_days = forms.IntegerField(min_value=1, max_value=365, label="Minimum days between sessions")
    rationale = forms.CharField(required=False, max_length=500)
