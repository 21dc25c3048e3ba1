"""The dose-planning form: what a prescriber or nurse writes, checked before the engine runs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from ketacare import instruments
from ketacare.accounts.models import User
from ketacare.dosing.gates import IDENTIFIERS
from ketacare.dosing.labels import ROUTE_LABELS
from ketacare.dosing.models import PREGNANCY_TEST_FOR, PregnancyTest, SideEffect
from ketacare.forms_util import DateInput, DateTimeInput
from ketacare.pharmacology import MODELS, Dose
from ketacare.pharmacology.request import DoseRequest
from ketacare.plans.models import Order
from ketacare.rules import record_limits as limits
from ketacare.text_input import NOTE_MAX_LENGTH

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


# --- Monitored sessions -----------------------------------------------------------------------


def _bounded(
    label: str, low: int, high: int, unit: str, *, required: bool = True, help_text: str = "", what: str = ""
) -> forms.IntegerField:
    """An integer field bounded by the record limits, refusing with words a nurse reads at a glance."""
    # Django fills in the validator's parameters with %-formatting, so a literal % is doubled.
    message = f"{what or label} must be between {low} and {high} {unit}. Check the value.".replace("%", "%%")
    return forms.IntegerField(
        label=f"{label} ({unit})",
        min_value=low,
        max_value=high,
        required=required,
        help_text=help_text,
        error_messages={"min_value": message, "max_value": message},
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class SessionPlanForm(forms.Form):
    # A session is planned only from a signed order (issue 10); the view limits the choice to the
    # patient's signed orders.
    order = forms.ModelChoiceField(
        queryset=Order.objects.none(),
        label="From the signed order",
        empty_label="Choose the order…",
        error_messages={"required": "Choose the signed order this session gives."},
    )
    route = forms.ChoiceField(choices=list(ROUTE_LABELS.items()), initial="iv-infusion")
    dose_mg = forms.DecimalField(
        label="Dose (mg ketamine base)",
        min_value=Decimal("0.01"),
        max_value=limits.SESSION_DOSE_MG_MAX,
        max_digits=7,
        decimal_places=2,
        error_messages={
            "max_value": f"A dose above {limits.SESSION_DOSE_MG_MAX} mg is a typing error: check the order."
        },
    )
    duration_min = forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("1440"),
        max_digits=6,
        decimal_places=1,
        label="Over (min)",
        help_text="Infusion duration; leave empty for a bolus, IM or intranasal dose.",
    )
    regimen = forms.CharField(
        required=False, max_length=300, label="Regimen as ordered", help_text="e.g. 0.5 mg/kg over 40 min"
    )
    drug = forms.ChoiceField(
        choices=[("ketamine", "Ketamine"), ("esketamine", "Esketamine (Spravato)")],
        initial="ketamine",
        required=False,
    )
    chair = forms.CharField(required=False, max_length=40, label="Chair or room")

    def clean_drug(self) -> str:
        return self.cleaned_data.get("drug") or "ketamine"


class ChecklistForm(forms.Form):
    identity_identifiers = forms.MultipleChoiceField(
        required=False,
        choices=list(IDENTIFIERS.items()),
        widget=forms.CheckboxSelectMultiple,
        label="Identity checked against the record (tick at least two)",
        help_text="Ask the patient; compare with the record shown above.",
    )
    prescriber_on_site = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        label="Prescriber on site during the dose and the monitoring",
        empty_label="Choose…",
        help_text="Needed for esketamine (REMS) and where the clinic asks for it; a prescriber who starts "
        "the session is on site.",
    )
    consent_confirmed = forms.BooleanField(required=False, label="Consent for this treatment is on file")
    fasting_confirmed = forms.BooleanField(required=False, label="The patient fasted as instructed")
    escort_confirmed = forms.BooleanField(
        required=False, label="An escort or transport home is arranged (no driving)"
    )
    override_reason = forms.CharField(
        required=False,
        max_length=500,
        label="Prescriber's override (only for a relative gate)",
        help_text="Why the session may start despite a relative refusal. Prescribers only.",
    )


class AlertAcknowledgeForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("", "Choose…"),
            ("recheck", "Rechecked"),
            ("pause", "Paused the infusion"),
            ("stop", "Stopped the infusion"),
            ("escalate", "Escalated to the prescriber"),
        ],
        label="What was done",
    )
    note = forms.CharField(max_length=500, label="Note", help_text="What you saw and did.")


class VitalSignForm(forms.Form):
    systolic_mmhg = _bounded("Systolic", limits.SYSTOLIC_MMHG_MIN, limits.SYSTOLIC_MMHG_MAX, "mmHg")
    systolic_mmhg.widget.attrs["autofocus"] = True
    diastolic_mmhg = _bounded("Diastolic", limits.DIASTOLIC_MMHG_MIN, limits.DIASTOLIC_MMHG_MAX, "mmHg")
    heart_rate_per_min = _bounded(
        "Heart rate", limits.HEART_RATE_PER_MIN_MIN, limits.HEART_RATE_PER_MIN_MAX, "/min"
    )
    spo2_percent = _bounded("SpO2", limits.SPO2_PERCENT_MIN, limits.SPO2_PERCENT_MAX, "%")
    respiratory_rate_per_min = _bounded(
        "Respiratory rate",
        limits.RESPIRATORY_RATE_PER_MIN_MIN,
        limits.RESPIRATORY_RATE_PER_MIN_MAX,
        "/min",
        required=False,
    )
    measured_at = forms.DateTimeField(
        required=False, label="Measured at", help_text="Leave empty for now.", widget=DateTimeInput()
    )


class SideEffectForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "Choose…"), *SideEffect.Kind.choices], label="Side effect")
    severity = forms.ChoiceField(choices=SideEffect.Severity.choices)
    note = forms.CharField(required=False, max_length=500, help_text="Needed for Other.")
    occurred_at = forms.DateTimeField(
        required=False, label="Began at", help_text="Leave empty for now.", widget=DateTimeInput()
    )


class EndSessionForm(forms.Form):
    discharge_note = forms.CharField(
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Discharge note",
        help_text="The patient's state on leaving and who took them home.",
    )


class AddendumForm(forms.Form):
    text = forms.CharField(
        max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2}), label="Addendum"
    )


class EnteredInErrorForm(forms.Form):
    error_reason = forms.CharField(max_length=300, label="Why is this entry wrong?")


class SessionSettingsForm(forms.Form):
    systolic_above_mmhg = _bounded(
        "Alert when systolic is above",
        limits.SYSTOLIC_MMHG_MIN,
        limits.SYSTOLIC_MMHG_MAX,
        "mmHg",
        required=False,
        what="The systolic threshold",
    )
    diastolic_above_mmhg = _bounded(
        "Alert when diastolic is above",
        limits.DIASTOLIC_MMHG_MIN,
        limits.DIASTOLIC_MMHG_MAX,
        "mmHg",
        required=False,
        what="The diastolic threshold",
    )
    heart_rate_above_per_min = _bounded(
        "Alert when heart rate is above",
        limits.HEART_RATE_PER_MIN_MIN,
        limits.HEART_RATE_PER_MIN_MAX,
        "/min",
        required=False,
        what="The heart-rate threshold",
    )
    heart_rate_below_per_min = _bounded(
        "Alert when heart rate is below",
        limits.HEART_RATE_PER_MIN_MIN,
        limits.HEART_RATE_PER_MIN_MAX,
        "/min",
        required=False,
        what="The heart-rate threshold",
    )
    spo2_below_percent = _bounded(
        "Alert when SpO2 is below",
        limits.SPO2_PERCENT_MIN,
        limits.SPO2_PERCENT_MAX,
        "%",
        required=False,
        what="The SpO2 threshold",
    )
    minimum_observation_min = _bounded(
        "Minimum observation before a session ends",
        1,
        limits.OBSERVATION_MIN_MAX,
        "min",
        required=False,
        what="The minimum observation time",
        help_text="Clinic-set. Counted from the start of the session. Empty: no minimum (for esketamine "
        "the label's 2 hours apply, VERIFIED).",
    )
    aldrete_discharge_minimum = _bounded(
        "Discharge on a Modified Aldrete of at least",
        0,
        10,
        "points",
        required=False,
        what="The Aldrete pass mark",
        help_text="Clinic-set, optional: PADSS of at least 9 (Chung 1995, verified) always allows discharge. "
        "The Aldrete pass mark varies between versions (9, or 8 with 2 in respiration and SpO2; SECONDARY).",
    )
    vitals_interval_min = _bounded(
        "A reading is due every",
        1,
        limits.OBSERVATION_MIN_MAX,
        "min",
        required=False,
        what="The reading interval",
        help_text="Clinic-set. Suggestion: every 10 min during an IV infusion, every 15 min after "
        "(Emory 2018, observational practice, not a guideline).",
    )
    predose_systolic_max_mmhg = _bounded(
        "Pre-dose limit: systolic at most",
        limits.SYSTOLIC_MMHG_MIN,
        limits.SYSTOLIC_MMHG_MAX,
        "mmHg",
        required=False,
        what="The pre-dose systolic limit",
        help_text="Clinic-set. The esketamine label's 140/90 is SECONDARY (not verified): a suggestion only.",
    )
    predose_diastolic_max_mmhg = _bounded(
        "Pre-dose limit: diastolic at most",
        limits.DIASTOLIC_MMHG_MIN,
        limits.DIASTOLIC_MMHG_MAX,
        "mmHg",
        required=False,
        what="The pre-dose diastolic limit",
    )
    scales_interval_min = _bounded(
        "Sedation (MOAA/S) and dissociation (CADSS-6) due every",
        1,
        limits.OBSERVATION_MIN_MAX,
        "min",
        required=False,
        what="The scales interval",
        help_text="Clinic-set. No verified schedule was found (the esketamine trials measured both, "
        "at times the sources read do not give): set your protocol's.",
    )
    prescriber_on_site_required = forms.BooleanField(
        required=False,
        label="Ketamine sessions name a prescriber on site at the start",
        help_text="Clinic-set for ketamine. Esketamine always does (the REMS requires a prescriber on site, "
        "verified).",
    )
    pregnancy_test_for = forms.ChoiceField(
        required=False,
        choices=[("", "Nobody (no pregnancy-test gate)"), *PREGNANCY_TEST_FOR.items()],
        label="A pregnancy test on the day is asked of",
        help_text="Clinic-set. No verified rule was found: a missing or positive test is a relative gate "
        "(the prescriber may override, with the reason recorded).",
    )


class DoseForm(forms.Form):
    concentration_mg_per_ml = forms.DecimalField(
        label="Vial concentration (mg/mL)",
        min_value=Decimal("0.01"),
        max_value=1000,
        max_digits=7,
        decimal_places=2,
    )
    concentration_as = forms.ChoiceField(
        choices=[("base", "ketamine base"), ("hcl", "ketamine hydrochloride")],
        label="The vial states",
        help_text="As printed on the vial; hydrochloride is converted (1 mg = 0.867 mg base).",
    )
    lot_number = forms.CharField(max_length=40, label="Lot number")
    lot_expiry = forms.DateField(label="Lot expiry", widget=DateInput())


class InfusionEventForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[
            ("start", "Start"),
            ("pause", "Pause"),
            ("rate_change", "Rate change"),
            ("resume", "Resume"),
            ("stop", "Stop"),
        ],
        label="Pump event",
    )
    rate_ml_h = forms.DecimalField(
        required=False,
        min_value=Decimal("0.1"),
        max_value=2000,
        max_digits=7,
        decimal_places=1,
        label="Rate (mL/h)",
        help_text="For start, resume and rate change.",
    )
    at = forms.DateTimeField(
        required=False, label="At", help_text="Leave empty for now.", widget=DateTimeInput()
    )


class DischargeForm(forms.Form):
    mental_status_at_baseline = forms.BooleanField(required=False, label="Mental status is back to baseline")
    escort_present = forms.BooleanField(
        required=False, label="A responsible adult is here to take the patient home"
    )
    no_driving_advice_given = forms.BooleanField(
        required=False, label="No-driving advice given (not until the next day after a restful sleep)"
    )
    next_day_checkin_at = forms.DateTimeField(
        required=False, label="Next-day check-in", widget=DateTimeInput()
    )
    ready_to_leave_at = forms.DateTimeField(
        required=False,
        label="Ready to leave at",
        help_text="When the patient was ready to leave.",
        widget=DateTimeInput(),
    )
    leaving_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label="State on leaving",
        help_text="The patient's state on leaving and who took them home.",
    )


class PregnancyTestForm(forms.Form):
    result = forms.ChoiceField(
        choices=PregnancyTest.Result.choices, widget=forms.RadioSelect, label="Pregnancy test result"
    )
    tested_at = forms.DateTimeField(
        required=False, label="Tested at", help_text="Leave empty for now.", widget=DateTimeInput()
    )


def _options(instrument_id: str, item: int = 0) -> list[tuple[str, str]]:
    """An item's options from the instrument's own definition (ketacare/instruments): the answer is the
    option's position; the label shows its score and words."""
    options = instruments.get_instrument(instrument_id).items[item].options
    return [("", "Choose…")] + [(str(k), f"{o.score}: {o.label}") for k, o in enumerate(options)]


class MoaasForm(forms.Form):
    level = forms.TypedChoiceField(
        choices=_options("moaas"), coerce=int, label="Sedation (MOAA/S)", help_text="The response level now."
    )

    def answers(self) -> list[int]:
        return [self.cleaned_data["level"]]


class Cadss6Form(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n, item in enumerate(instruments.get_instrument("cadss-6").items):
            self.fields[f"item_{n + 1}"] = forms.TypedChoiceField(
                choices=_options("cadss-6", n), coerce=int, label=f"{n + 1}. {item.text}"
            )

    def answers(self) -> list[int]:
        return [self.cleaned_data[f"item_{n + 1}"] for n in range(6)]


class CravingForm(forms.Form):
    craving = _bounded("Craving now", 0, 100, "0-100", what="Craving")

    def answers(self) -> list[int]:
        return [self.cleaned_data["craving"]]


SCALE_FORMS: dict[str, type[MoaasForm] | type[Cadss6Form] | type[CravingForm]] = {
    "moaas": MoaasForm,
    "cadss-6": Cadss6Form,
    "craving-vas": CravingForm,
}

YES_NO = [("yes", "Yes"), ("no", "No")]


class RemsAnswersForm(forms.Form):
    """The form's four concomitant-medication items (clinical-verified.md §1c)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from ketacare.dosing.services import REMS_MEDICATION_FIELDS

        super().__init__(*args, **kwargs)
        for name, label in REMS_MEDICATION_FIELDS.items():
            self.fields[name] = forms.ChoiceField(
                choices=YES_NO,
                widget=forms.RadioSelect,
                label=f"Concomitant: {label}",
                error_messages={"required": f"Answer yes or no: {label}."},
            )

    def answers(self) -> dict[str, bool]:
        return {name: value == "yes" for name, value in self.cleaned_data.items()}
