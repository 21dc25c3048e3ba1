"""Forms of the calendar pages (the services check everything again)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from ketacare.accounts.models import User
from ketacare.forms_util import DateInput, DateTimeInput
from ketacare.plans.models import Appointment


class _ClinicianChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class BookForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of appointment", choices=Appointment.Kind.choices)
    clinician = _ClinicianChoice(label="Clinician", queryset=User.objects.none())
    starts_at = forms.DateTimeField(label="Starts", widget=DateTimeInput())
    ends_at = forms.DateTimeField(label="Ends", widget=DateTimeInput())
    location = forms.CharField(label="Room or chair", max_length=60, required=False)
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)
    confirm_reason = forms.CharField(
        label="Reason to book despite the conflicts",
        max_length=1000,
        required=False,
        help_text="Needed only when the booking has a conflict; it is kept with the appointment.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, clinicians: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = clinicians  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", "The appointment must end after it starts.")
        return data


class CourseForm(forms.Form):
    clinician = _ClinicianChoice(label="Clinician (nurse or prescriber)", queryset=User.objects.none())
    first_day = forms.DateField(label="First session", widget=DateInput())
    at = forms.TimeField(
        label="Time of day", initial=dt.time(9), widget=forms.TimeInput(attrs={"type": "time"})
    )
    length_min = forms.IntegerField(
        label="Length of each appointment (minutes)",
        min_value=15,
        max_value=720,
        help_text="Your clinic's slot: the infusion, the observation and discharge.",
    )
    location = forms.CharField(label="Room or chair", max_length=60, required=False)
    confirm_reason = forms.CharField(
        label="Reason to book despite the conflicts",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, clinicians: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = clinicians  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason for cancelling", max_length=300)
