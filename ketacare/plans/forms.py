"""Forms for screening overrides, orders, clinic protocols and the clinic's safety limits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from ketacare.dosing.labels import ROUTE_LABELS
from ketacare.forms_util import DateInput, DateTimeInput
from ketacare.plans.models import (
    BoosterDecision,
    ClinicSafetySettings,
    MatOrder,
    TherapyModality,
    TherapySession,
    TreatmentPlan,
)
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
    "bup_start_cows_min": (
        "Lowest COWS for a buprenorphine start. COWS 8 is commonly cited – SECONDARY (TIP 63 and ASAM "
        "primary text NOT FOUND). Empty: every buprenorphine start is refused until you set it."
    ),
    "naltrexone_opioid_free_days": (
        "Opioid-free days before naltrexone. 7–10 days (up to 14 after methadone or buprenorphine) – "
        "SECONDARY. Empty: every naltrexone start is refused until you set it."
    ),
    "integration_min_hours": (
        "Earliest integration visit after a dose. 24 h is vendor practice – not verified."
    ),
    "integration_max_hours": (
        "Latest integration visit after a dose. 72 h is vendor practice – not verified."
    ),
    "booster_craving_threshold": "A plan's maintenance rule: craving (0-100) above this. No verified value.",
    "booster_phq9_threshold": "A plan's maintenance rule: PHQ-9 (0-27) above this. No verified value.",
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


# --- treatment plans, MAT and therapy (issue 12) --------------------------------------------------

# Self-report questionnaires a plan may schedule (through outcomes' assignments).
PLAN_MEASURES = ("phq-9", "craving-vas", "gad-7", "audit-c", "pacs", "bam", "readiness-ruler")
THERAPY_ROWS = 3
SUBSTANCE_CHOICES = [
    ("alcohol", "Alcohol"),
    ("opioids", "Opioids"),
    ("cocaine", "Cocaine"),
    ("amphetamines", "Amphetamine-type stimulants"),
    ("cannabis", "Cannabis"),
    ("sedatives", "Sedatives, hypnotics or anxiolytics"),
    ("tobacco", "Tobacco"),
    ("other", "Other"),
]


class PlanForm(forms.Form):
    """A plan's fields; therapies as up to three rows, the measurement schedule one field per measure."""

    title = forms.CharField(max_length=120, help_text="A short name, e.g. “Alcohol: ketamine with MBRP”.")
    substances = forms.MultipleChoiceField(
        choices=SUBSTANCE_CHOICES, widget=forms.CheckboxSelectMultiple, label="Substances the plan treats"
    )
    goals = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label="Goals, in the patient's own words",
        help_text="One goal a line.",
    )
    protocol = forms.ChoiceField(
        required=False, label="Ketamine protocol", help_text="The course follows it (see the library)."
    )
    order_id = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Ketamine order (signed or draft)"
    )
    induction_sessions = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=52,
        label="Induction sessions",
        help_text="Empty: the protocol's.",
    )
    induction_spacing_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=365,
        label="Days between induction sessions",
        help_text="Empty: the order's or the protocol's minimum.",
    )
    maintenance_instrument = forms.ChoiceField(
        required=False,
        choices=[("", "No maintenance rule"), ("craving-vas", "Craving (0-100)"), ("phq-9", "PHQ-9 (0-27)")],
        label="Maintenance: a booster when this measure…",
    )
    maintenance_weeks = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=12,
        label="…stays above the clinic's threshold for this many consecutive weeks",
        help_text="The threshold is clinic-set (safety settings). No verified number of weeks exists; "
        "two weeks is the programme's example.",
    )
    preparation_visits = forms.IntegerField(min_value=0, max_value=20, initial=1, label="Preparation visits")
    integration_after_each_dose = forms.BooleanField(
        required=False,
        label="An integration visit after each dose",
        help_text="Within the clinic's window (clinic-set; 24-72 h is vendor practice, not verified).",
    )
    reason = forms.CharField(
        max_length=1000,
        required=False,
        label="Why (kept with the change)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args: Any,
        protocols: list[tuple[str, str]],
        orders: list[tuple[int, str]],
        therapists: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["protocol"].choices = [("", "No ketamine course yet"), *protocols]  # type: ignore[attr-defined]
        self.fields["order_id"].choices = [("", "No order yet"), *orders]  # type: ignore[attr-defined]
        for measure in PLAN_MEASURES:
            self.fields[f"measure_{measure}"] = forms.IntegerField(
                required=False,
                min_value=1,
                max_value=365,
                label=f"{measure.upper()}: every how many days",
                help_text="Empty: not scheduled.",
            )
        modalities = [("", "None"), *((m.value, m.label) for m in TherapyModality)]
        for i in range(1, THERAPY_ROWS + 1):
            self.fields[f"therapy_{i}_modality"] = forms.ChoiceField(
                required=False, choices=modalities, label=f"Therapy {i}: modality"
            )
            self.fields[f"therapy_{i}_every_days"] = forms.IntegerField(
                required=False, min_value=1, max_value=90, label=f"Therapy {i}: every how many days"
            )
            self.fields[f"therapy_{i}_therapist"] = forms.TypedChoiceField(
                required=False,
                coerce=int,
                empty_value=None,
                choices=[("", "Not yet assigned"), *therapists],
                label=f"Therapy {i}: therapist",
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(1, THERAPY_ROWS + 1):
            if data.get(f"therapy_{i}_modality") and not data.get(f"therapy_{i}_every_days"):
                self.add_error(f"therapy_{i}_every_days", "Say every how many days this therapy meets.")
        return data

    def service_values(self) -> dict[str, Any]:
        """The cleaned data as the plan services take it."""
        from ketacare.plans.services import TherapyLine

        data = self.cleaned_data
        return {
            "title": data["title"],
            "substances": data["substances"],
            "goals": [line for line in data["goals"].splitlines() if line.strip()],
            "protocol": data.get("protocol") or "",
            "order_id": data.get("order_id"),
            "induction_sessions": data.get("induction_sessions"),
            "induction_spacing_days": data.get("induction_spacing_days"),
            "maintenance_instrument": data.get("maintenance_instrument") or "",
            "maintenance_weeks": data.get("maintenance_weeks"),
            "preparation_visits": data.get("preparation_visits") or 0,
            "integration_after_each_dose": bool(data.get("integration_after_each_dose")),
            "measurements": [
                {"instrument": m, "interval_days": data[f"measure_{m}"]}
                for m in PLAN_MEASURES
                if data.get(f"measure_{m}")
            ],
            "therapies": [
                TherapyLine(
                    data[f"therapy_{i}_modality"],
                    data[f"therapy_{i}_every_days"],
                    data[f"therapy_{i}_therapist"],
                )
                for i in range(1, THERAPY_ROWS + 1)
                if data.get(f"therapy_{i}_modality")
            ],
        }

    @staticmethod
    def initial_of(plan: Any) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "title": plan.title,
            "substances": plan.substances,
            "goals": "\n".join(g.text for g in plan.goals.filter(active=True)),
            "protocol": plan.protocol_id,
            "order_id": plan.order_id,
            "induction_sessions": plan.induction_sessions,
            "induction_spacing_days": plan.induction_spacing_days,
            "maintenance_instrument": plan.maintenance_instrument,
            "maintenance_weeks": plan.maintenance_weeks,
            "preparation_visits": plan.preparation_visits,
            "integration_after_each_dose": plan.integration_after_each_dose,
        }
        for row in plan.measurements:
            initial[f"measure_{row['instrument']}"] = row["interval_days"]
        for i, therapy in enumerate(plan.therapies.filter(active=True)[:THERAPY_ROWS], start=1):
            initial[f"therapy_{i}_modality"] = therapy.modality
            initial[f"therapy_{i}_every_days"] = therapy.every_days
            initial[f"therapy_{i}_therapist"] = therapy.therapist_id
        return initial


class PlanStatusForm(forms.Form):
    status = forms.ChoiceField(choices=TreatmentPlan.Status.choices, label="New status")
    reason = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 2}), label="Why")


class AgreementForm(forms.Form):
    how = forms.ChoiceField(
        choices=TreatmentPlan.Agreement.choices, widget=forms.RadioSelect, label="How the patient agreed"
    )
    note = forms.CharField(max_length=500, required=False, label="Note (optional)")


class BoosterDecisionForm(forms.Form):
    instrument_id = forms.CharField(widget=forms.HiddenInput, max_length=20)
    decision = forms.ChoiceField(
        choices=BoosterDecision.Decision.choices, widget=forms.RadioSelect, label="Your decision"
    )
    reason = forms.CharField(max_length=500, label="Why", widget=forms.Textarea(attrs={"rows": 2}))


class MatOrderForm(forms.Form):
    drug = forms.ChoiceField(choices=MatOrder.Drug.choices)
    form = forms.ChoiceField(choices=MatOrder.Form.choices, label="Formulation")
    dose_mg = forms.DecimalField(min_value=Decimal("0.01"), max_digits=7, decimal_places=2, label="Dose (mg)")
    schedule = forms.CharField(max_length=120, help_text="In words: once daily, every 4 weeks.")
    start_on = forms.DateField(required=False, widget=DateInput(), help_text="Empty: today.")
    is_start = forms.BooleanField(
        required=False,
        initial=True,
        label="A new start",
        help_text="Untick for a dose the patient already takes (a transfer): no start checks then.",
    )
    plan_id = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Plan")
    last_opioid_use_on = forms.DateField(
        required=False,
        widget=DateInput(),
        label="Last opioid use (naltrexone)",
        help_text="Checked against your clinic's opioid-free interval with the use on record.",
    )
    no_opioid_use = forms.BooleanField(
        required=False,
        label="The patient has used no opioids (naltrexone)",
        help_text="When none is on record.",
    )
    note = forms.CharField(max_length=500, required=False)

    def __init__(self, *args: Any, plans: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan_id"].choices = [("", "Not part of a plan"), *plans]  # type: ignore[attr-defined]


class MatDoseForm(forms.Form):
    dose_mg = forms.DecimalField(
        min_value=Decimal("0.01"), max_digits=7, decimal_places=2, label="New dose (mg)"
    )
    effective_on = forms.DateField(required=False, widget=DateInput(), help_text="Empty: today.")
    reason = forms.CharField(max_length=300, label="Why")


class MatStopForm(forms.Form):
    reason = forms.CharField(max_length=300, label="Why stop")


class TherapySessionForm(forms.Form):
    kind = forms.ChoiceField(choices=TherapySession.Kind.choices, label="Kind of session")
    modality = forms.ChoiceField(choices=TherapyModality.choices)
    occurred_at = forms.DateTimeField(widget=DateTimeInput(), label="When it took place (or was due)")
    attendance = forms.ChoiceField(
        choices=TherapySession.Attendance.choices, widget=forms.RadioSelect, label="Attendance"
    )
    duration_min = forms.IntegerField(
        required=False, min_value=1, max_value=480, label="Duration (min)", help_text="Empty if missed."
    )
    plan_id = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Plan")
    goal_ids = forms.TypedMultipleChoiceField(
        required=False, coerce=int, widget=forms.CheckboxSelectMultiple, label="Goals worked on"
    )
    dosing_session_id = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label="The ketamine session it integrates",
        help_text="Integration only. Empty: the latest before it.",
    )
    note = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    homework = forms.CharField(max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(
        self,
        *args: Any,
        plans: list[tuple[int, str]],
        goals: list[tuple[int, str]],
        doses: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan_id"].choices = [("", "Not part of a plan"), *plans]  # type: ignore[attr-defined]
        self.fields["goal_ids"].choices = goals  # type: ignore[attr-defined]
        self.fields["dosing_session_id"].choices = [("", "The latest before it"), *doses]  # type: ignore[attr-defined]
