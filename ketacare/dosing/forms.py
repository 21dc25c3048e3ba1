"""The dose-planning form: what a prescriber or nurse writes, checked before the engine runs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from ketacare.pharmacology import MODELS, Dose
from ketacare.pharmacology.request import DoseRequest

ROUTE_LABELS = {
    "iv-infusion": "IV infusion",
    "iv-bolus": "IV bolus",
    "im": "Intramuscular (IM)",
    "intranasal": "Intranasal",
    "oral": "Oral",
    "sublingual": "Sublingual",
}
UNITS = (("mg/kg", "mg/kg"), ("mg", "mg"))
SALTS = (("base", "ketamine base"), ("hcl", "ketamine hydrochloride (1 mg = 0.867 mg base)"))


def _model_choices() -> list[tuple[str, str]]:
    return [("", "Default for the route and age")] + [
        (m.id, f"{m.id} ({m.analyte}; {', '.join(ROUTE_LABELS[r] for r in m.routes)})")
        for m in MODELS.values()
    ]


class DosePlanForm(forms.Form):
    route = forms.ChoiceField(choices=list(ROUTE_LABELS.items()), initial="iv-infusion")
    dose = forms.DecimalField(
        min_value=Decimal("0.001"),
        max_digits=8,
        decimal_places=3,
        help_text="The infusion part if there is a loading dose.",
    )
    unit = forms.ChoiceField(choices=UNITS, initial="mg/kg")
    salt = forms.ChoiceField(
        choices=SALTS,
        initial="base",
        label="Dose written as",
        help_text="Say whether the order is base or salt.",
    )
    duration_min = forms.DecimalField(
        required=False,
        min_value=Decimal("0.1"),
        max_value=Decimal("1440"),
        max_digits=6,
        decimal_places=1,
        label="Infusion duration (min)",
        help_text="IV infusion only.",
    )
    loading_dose = forms.DecimalField(
        required=False,
        min_value=Decimal("0.001"),
        max_digits=8,
        decimal_places=3,
        label="Loading dose (same unit)",
        help_text="IV infusion only, given before the infusion; e.g. 0.11 mg/kg over 2 min.",
    )
    loading_duration_min = forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("60"),
        max_digits=4,
        decimal_places=1,
        label="Loading dose over (min)",
        help_text="0 for a bolus.",
    )
    model = forms.ChoiceField(choices=_model_choices, required=False, label="Model")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        route = data.get("route")
        if route == "iv-infusion" and not data.get("duration_min"):
            self.add_error("duration_min", "An IV infusion needs its duration in minutes.")
        if data.get("loading_dose") is not None and route != "iv-infusion":
            self.add_error("loading_dose", "A loading dose is only given before an IV infusion.")
        return data

    def dose_request(self) -> DoseRequest:
        """The engine's request (call after is_valid())."""
        data = self.cleaned_data
        per_kg = data["unit"] == "mg/kg"
        loading = data.get("loading_dose")
        return DoseRequest(
            route=data["route"],
            dose=Dose(float(data["dose"]), per_kg, data["salt"]),
            duration_min=float(data.get("duration_min") or 0) if data["route"] == "iv-infusion" else 0.0,
            loading_dose=Dose(float(loading), per_kg, data["salt"]) if loading is not None else None,
            loading_duration_min=float(data.get("loading_duration_min") or 0),
            model_id=data.get("model") or None,
        )
