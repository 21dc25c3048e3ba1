"""Forms for outcomes pages. Bounds repeat the models' constraints with messages people follow."""

from __future__ import annotations

from typing import Any

from django import forms

from ketacare.analytics import tlfb
from ketacare.forms_util import DateInput, DateTimeInput
from ketacare.instruments.engine import is_asked
from ketacare.instruments.model import Instrument
from ketacare.outcomes.models import ClinicOutcomeSettings, LabResult, Substance
from ketacare.text_input import CLINIC_TEXT_MAX_LENGTH


class QuestionnaireForm(forms.Form):
    """One field per item, in the instrument's order; every field optional so a draft can be kept."""

    def __init__(self, *args: Any, instrument: Instrument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        for position, item in enumerate(instrument.items, start=1):
            label = f"{item.label}. {item.text}"
            help_text = ""
            if item.asked_if is not None:
                help_text = (
                    f"Only if you answered yes to question {instrument.items[item.asked_if.item - 1].label}."
                )
            name = f"item_{position}"
            if item.is_numeric:
                assert item.minimum is not None and item.maximum is not None
                anchors = (
                    f" ({item.minimum} = {item.anchors[0]}, {item.maximum} = {item.anchors[1]})"
                    if item.anchors
                    else ""
                )
                self.fields[name] = forms.IntegerField(
                    label=label,
                    required=False,
                    min_value=item.minimum,
                    max_value=item.maximum,
                    help_text=(help_text + anchors).strip(),
                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                )
            else:
                self.fields[name] = forms.TypedChoiceField(
                    label=label,
                    required=False,
                    coerce=int,
                    empty_value=None,
                    choices=[(i, option.label) for i, option in enumerate(item.options)],
                    widget=forms.RadioSelect,
                    help_text=help_text,
                )

    def answers(self) -> list[int | None]:
        """Answers in item order. Items the skip logic does not ask are dropped: without script the
        form shows every item, so a stray answer there means nothing."""
        raw = [self.cleaned_data.get(f"item_{p}") for p in range(1, len(self.instrument.items) + 1)]
        scores: list[int | None] = []
        answers: list[int | None] = []
        for item, answer in zip(self.instrument.items, raw, strict=True):
            if answer is not None and not is_asked(self.instrument, item, scores):
                answer = None
            answers.append(answer)
            if answer is None:
                scores.append(None)
            else:
                scores.append(answer if item.is_numeric else item.options[answer].score)
        return answers


USE_CHOICES = [("", "No, nothing today")] + [(value, label) for value, label in Substance.choices]


class DailyReportForm(forms.Form):
    craving_0_100 = forms.IntegerField(
        label="How strong is your craving right now? (0 = none, 100 = the strongest you can imagine)",
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"type": "range", "min": 0, "max": 100, "step": 1}),
        initial=0,
    )
    mood_0_10 = forms.IntegerField(
        label="How is your mood today? (0 = very low, 10 = very good)",
        min_value=0,
        max_value=10,
        widget=forms.NumberInput(attrs={"type": "range", "min": 0, "max": 10, "step": 1}),
        initial=5,
    )
    used_substance = forms.ChoiceField(
        label="Did you use alcohol or drugs today?", choices=USE_CHOICES, required=False
    )
    standard_drinks = forms.DecimalField(
        label="If alcohol: how many standard drinks?",
        required=False,
        min_value=0.5,
        max_value=tlfb.STANDARD_DRINKS_PER_DAY_MAX,
        max_digits=4,
        decimal_places=1,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("used_substance") == "alcohol" and not data.get("standard_drinks"):
            self.add_error("standard_drinks", "Say about how many standard drinks.")
        if data.get("used_substance") != "alcohol" and data.get("standard_drinks"):
            self.add_error("standard_drinks", "Drinks are counted for alcohol only.")
        return data


class UseDayForm(forms.Form):
    day = forms.DateField(widget=DateInput())
    substance = forms.ChoiceField(choices=Substance.choices)
    used = forms.BooleanField(required=False, label="Used that day")
    standard_drinks = forms.DecimalField(
        required=False,
        min_value=0.5,
        max_value=tlfb.STANDARD_DRINKS_PER_DAY_MAX,
        max_digits=4,
        decimal_places=1,
        help_text="Alcohol only.",
    )


class LabResultForm(forms.Form):
    kind = forms.ChoiceField(choices=LabResult.Kind.choices)
    substance = forms.ChoiceField(choices=Substance.choices)
    positive = forms.TypedChoiceField(
        choices=[("true", "Positive"), ("false", "Negative")],
        coerce=lambda v: v == "true",
        widget=forms.RadioSelect,
    )
    collected_at = forms.DateTimeField(widget=DateTimeInput())
    reading = forms.CharField(required=False, max_length=60, help_text="As reported, with its unit.")


class AssignForm(forms.Form):
    instrument = forms.ChoiceField()
    interval_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=365,
        label="Repeat every N days",
        help_text="Leave empty for once.",
    )
    starts_on = forms.DateField(required=False, widget=DateInput(), help_text="Today if empty.")

    def __init__(self, *args: Any, instruments: list[Instrument], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = [(i.id, f"{i.abbreviation}: {i.name}") for i in instruments]  # type: ignore[attr-defined]


class AcknowledgeForm(forms.Form):
    action_taken = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What was done",
        help_text="For example: called the patient, safety plan reviewed, appointment today.",
    )


class OutcomeSettingsForm(forms.Form):
    relapse_definition = forms.ChoiceField(choices=ClinicOutcomeSettings.RelapseDefinition.choices)
    regular_use_days = forms.IntegerField(
        required=False,
        min_value=2,
        max_value=90,
        label="Consecutive days of use that count as regular use",
        help_text="Needed only for the 'return to regular use' definition.",
    )
    crisis_information = forms.CharField(
        required=False,
        max_length=CLINIC_TEXT_MAX_LENGTH,
        label="Crisis numbers",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Always shown on the patient's crisis page (and at once when an answer raises a "
        "suicide-risk flag): your local crisis lines and how to reach the clinic out of hours. "
        "Suggestion: the national line where your clinic is, e.g. in the United States the 988 Suicide "
        "& Crisis Lifeline (call or text 988).",
    )


class PermissionForm(forms.Form):
    instrument = forms.ChoiceField()
    granted_by = forms.CharField(max_length=200, label="Permission given by")
    reference = forms.CharField(max_length=300, help_text="Where it is kept: letter, email, licence number.")

    def __init__(self, *args: Any, instruments: list[Instrument], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = [(i.id, f"{i.abbreviation}: {i.name}") for i in instruments]  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300, label="Why is it wrong?")


class WithdrawPermissionForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why is the permission withdrawn?",
        help_text="For example: the licence ended, the rights holder withdrew it, recorded by mistake.",
    )
