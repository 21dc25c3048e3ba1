from __future__ import annotations

from typing import Any

from django import forms

from ketacare.accounts.models import Clinic, User
from ketacare.forms_util import DateInput, DateTimeInput
from ketacare.patients.models import (
    Allergy,
    BodyMeasurement,
    HistoryFlag,
    Medication,
    Patient,
    SubstanceUseDisorder,
)
from ketacare.patients.services import DEMOGRAPHIC_FIELDS
from ketacare.patients.validators import height_cm_validators, weight_kg_validators


class DemographicsForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Patient
        fields = list(DEMOGRAPHIC_FIELDS)
        widgets = {
            "date_of_birth": DateInput(),
            "address": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"medical_record_number": "Medical record number (MRN)"}


class RegistrationForm(DemographicsForm):
    """A new patient: demographics, the clinic when the user works in several, and a first weight."""

    clinic = forms.ModelChoiceField(queryset=Clinic.objects.none(), empty_label=None)
    weight_kg = forms.DecimalField(
        label="Weight (kg)", max_digits=5, decimal_places=1, required=False, validators=weight_kg_validators
    )
    height_cm = forms.DecimalField(
        label="Height (cm)", max_digits=4, decimal_places=1, required=False, validators=height_cm_validators
    )

    def __init__(self, *args: object, clinics: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["clinic"].queryset = clinics  # type: ignore[attr-defined]
        if len(clinics) == 1:  # type: ignore[arg-type]
            self.fields["clinic"].widget = forms.HiddenInput()
            self.fields["clinic"].initial = clinics[0].pk  # type: ignore[index]
        self.order_fields(["clinic", *DEMOGRAPHIC_FIELDS, "weight_kg", "height_cm"])

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("height_cm") is not None and data.get("weight_kg") is None:
            self.add_error("weight_kg", "Enter the weight measured with this height.")
        return data


class MeasurementForm(forms.ModelForm):  # type: ignore[type-arg]
    confirmed = forms.BooleanField(
        required=False,
        label="Yes, this weight is right",
        help_text="Tick only when asked: the weight is far from the last one.",
    )

    class Meta:
        model = BodyMeasurement
        fields = ["weight_kg", "height_cm", "measured_at"]
        widgets = {"measured_at": DateTimeInput()}
        labels = {
            "weight_kg": "Weight (kg)",
            "height_cm": "Height (cm, optional)",
            "measured_at": "Measured at",
        }
        help_texts = {"measured_at": "Leave empty for now."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measured_at"].required = False


class AllergyForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Allergy
        fields = ["substance", "reaction", "severity"]


class MedicationForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Medication
        fields = ["name", "drug_class", "dose_text", "started_on", "stopped_on"]
        widgets = {"started_on": DateInput(), "stopped_on": DateInput()}
        labels = {"drug_class": "Class", "dose_text": "Dose"}


class HistoryFlagForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = HistoryFlag
        fields = ["flag", "note"]
        labels = {"flag": "History item"}


class SubstanceUseDisorderForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = SubstanceUseDisorder
        fields = ["substance", "criteria_met", "last_use_on", "is_primary"]
        widgets = {"last_use_on": DateInput()}
        labels = {
            "criteria_met": "DSM-5 criteria met (of 11)",
            "last_use_on": "Last use",
            "is_primary": "Primary disorder being treated",
        }


class EnteredInErrorForm(forms.Form):
    reason = forms.CharField(max_length=300, label="Why is this entry wrong?")


class CareTeamForm(forms.Form):
    member = forms.ModelChoiceField(queryset=User.objects.none(), label="Staff member")
    is_responsible = forms.BooleanField(
        required=False, label="Responsible clinician (receives this patient's safety alerts)"
    )

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = staff  # type: ignore[attr-defined]
