"""Measurement-based care: fields and constraints only; every write goes through services.py.

Nothing is deleted. A wrong entry is marked entered-in-error with a reason; a corrected
questionnaire is a new response that names the one it replaces; drafts keep their versions.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from ketacare.analytics import tlfb
from ketacare.instruments import REGISTRY
from ketacare.patients.models import ClinicalEntry, SubstanceUseDisorder, error_needs_reason
from ketacare.patients.validators import validate_not_in_future

INSTRUMENT_CHOICES = [(instrument.id, instrument.abbreviation) for instrument in REGISTRY.values()]
Substance = SubstanceUseDisorder.Substance


def _total_in_instrument_range() -> Q:
    """A stored total lies within its own instrument's range (from the registry, so a new
    instrument or a changed range shows up as a migration)."""
    condition = Q(score_total__isnull=True)
    for instrument in REGISTRY.values():
        if instrument.total_range is not None:
            low, high = instrument.total_range
            condition |= Q(instrument_id=instrument.id, score_total__gte=low, score_total__lte=high)
    return condition


class ClinicOutcomeSettings(models.Model):
    """One clinic's choices for outcomes: how a relapse is defined and the crisis text patients see."""

    class RelapseDefinition(models.TextChoices):
        ANY_USE = tlfb.RelapseDefinition.ANY_USE.value, "Any use"
        FIRST_HEAVY_DAY = tlfb.RelapseDefinition.FIRST_HEAVY_DAY.value, "First heavy-drinking day"
        REGULAR_USE = tlfb.RelapseDefinition.REGULAR_USE.value, "Return to regular use (consecutive days)"

    clinic = models.OneToOneField(
        "accounts.Clinic", on_delete=models.PROTECT, related_name="outcome_settings"
    )
    relapse_definition = models.CharField(
        max_length=20, choices=RelapseDefinition.choices, default=RelapseDefinition.ANY_USE
    )
    regular_use_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(2), MaxValueValidator(90)],
        help_text="Consecutive days of use that count as a return to regular use (your clinic's choice).",
    )
    crisis_information = models.TextField(
        blank=True,
        help_text="Shown at once to a patient whose answers raise a suicide-risk flag: your local "
        "crisis lines and how to reach the clinic out of hours.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(relapse_definition="regular-use")
                | Q(regular_use_days__gte=2, regular_use_days__lte=90),
                name="regular_use_needs_days",
            ),
            models.CheckConstraint(
                condition=Q(regular_use_days__isnull=True)
                | Q(regular_use_days__gte=2, regular_use_days__lte=90),
                name="regular_use_days_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Outcome settings of {self.clinic}"


class InstrumentPermission(models.Model):
    """A clinic's record that the rights holder allowed it to use an instrument whose licence
    needs permission. Until one exists the instrument is not offered to that clinic.

    A permission that ends is withdrawn, not deleted: the row keeps who withdrew it, when and why,
    and the clinic may record a new permission later (one active permission per instrument)."""

    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.PROTECT, related_name="instrument_permissions"
    )
    instrument_id = models.CharField(max_length=40, choices=INSTRUMENT_CHOICES)
    granted_by = models.CharField(max_length=200, help_text="Who gave permission (rights holder).")
    reference = models.CharField(
        max_length=300, help_text="Where the permission is kept: letter, email, licence number."
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            # Withdrawn permissions stay as history; only an active one is unique.
            models.UniqueConstraint(
                fields=["clinic", "instrument_id"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_permission_per_instrument",
            ),
            models.CheckConstraint(
                condition=~Q(granted_by="") & ~Q(reference=""), name="permission_is_documented"
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True, withdrawal_reason="")
                | (Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False) & ~Q(withdrawal_reason="")),
                name="permission_withdrawal_is_complete",
            ),
        ]

    def __str__(self) -> str:
        withdrawn = f" (withdrawn {self.withdrawn_at:%Y-%m-%d})" if self.withdrawn_at else ""
        return f"Permission for {self.instrument_id} at {self.clinic}{withdrawn}"


class Assignment(models.Model):
    """A questionnaire assigned to a patient: once (no interval) or every `interval_days`."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="assignments")
    instrument_id = models.CharField(max_length=40, choices=INSTRUMENT_CHOICES)
    interval_days = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)
    assigned_at = models.DateTimeField(auto_now_add=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["instrument_id", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(interval_days__isnull=True) | Q(interval_days__gte=1, interval_days__lte=365),
                name="assignment_interval_in_range",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="assignment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(active=True, stopped_at__isnull=True) | Q(active=False, stopped_at__isnull=False),
                name="assignment_stop_is_recorded",
            ),
        ]

    def __str__(self) -> str:
        every = f"every {self.interval_days} days" if self.interval_days else "once"
        return f"{self.instrument_id} {every} from {self.starts_on}"


class QuestionnaireResponse(ClinicalEntry):
    """Item answers (0-based option positions, or values for numeric items) and, once final, the
    score the instruments package computed. A draft is never scored."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft (not scored)"
        FINAL = "final", "Final"

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="responses")
    instrument_id = models.CharField(max_length=40, choices=INSTRUMENT_CHOICES)
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.PROTECT, related_name="responses"
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    answers = models.JSONField()
    answered_at = models.DateTimeField(validators=[validate_not_in_future])
    score_total = models.SmallIntegerField(null=True, blank=True)
    band_label = models.CharField(max_length=80, blank=True)
    # The whole ScoreResult.to_dict(): subscales, flags, item scores, thresholds in force.
    result = models.JSONField(default=dict, blank=True)
    flag_codes = models.JSONField(default=list, blank=True)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-answered_at", "-id"]
        indexes = [models.Index(fields=["patient", "instrument_id", "-answered_at"], name="response_trend")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["draft", "final"]), name="response_status_known"),
            models.CheckConstraint(
                condition=~Q(status="draft") | Q(score_total__isnull=True, band_label="", result={}),
                name="draft_is_never_scored",
            ),
            models.CheckConstraint(
                condition=_total_in_instrument_range(), name="score_total_in_instrument_range"
            ),
            error_needs_reason("response"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.status} {self.answered_at:%Y-%m-%d}"


class SafetyAlert(models.Model):
    """An alarming answer (PHQ-9 item 9, any C-SSRS yes), or a patient's own request for contact from
    the crisis page (no response then), routed to the responsible clinician."""

    PATIENT_REQUEST = "patient-request"

    class Severity(models.TextChoices):
        URGENT = "urgent", "Urgent"
        WARNING = "warning", "Warning"
        INFO = "info", "Information"

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="safety_alerts")
    response = models.ForeignKey(
        QuestionnaireResponse, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    flag_code = models.CharField(max_length=40)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    message = models.CharField(max_length=500)
    # None: the patient has no responsible clinician; the alert then goes to the clinic's prescribers.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="safety_alerts",
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    emailed_to = models.JSONField(default=list, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action_taken = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["acknowledged_at", "-raised_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True, action_taken="")
                | (Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False) & ~Q(action_taken="")),
                name="acknowledgement_is_complete",
            ),
            models.CheckConstraint(
                condition=Q(severity__in=["urgent", "warning", "info"]), name="alert_severity_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} {self.flag_code} ({self.raised_at:%Y-%m-%d %H:%M})"


class DailyReport(ClinicalEntry):
    """The patient's short daily report: mood (0-10) beside the craving rating and any use."""

    # The instrument the check-in's craving rating is recorded with (always offered in the portal).
    CRAVING_INSTRUMENT = "craving-vas"

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="daily_reports")
    day = models.DateField(validators=[validate_not_in_future])
    mood_0_10 = models.PositiveSmallIntegerField(validators=[MinValueValidator(0), MaxValueValidator(10)])
    craving = models.OneToOneField(
        QuestionnaireResponse, null=True, blank=True, on_delete=models.PROTECT, related_name="daily_report"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(mood_0_10__gte=0, mood_0_10__lte=10), name="mood_0_10_in_range"
            ),
            models.UniqueConstraint(
                fields=["patient", "day"], condition=Q(entered_in_error=False), name="one_daily_report_a_day"
            ),
            error_needs_reason("daily_report"),
        ]

    def __str__(self) -> str:
        return f"Daily check-in of {self.day:%Y-%m-%d} (mood {self.mood_0_10}/10)"


class SubstanceUseDay(ClinicalEntry):
    """One day of the timeline follow-back calendar for one substance."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="substance_use_days"
    )
    day = models.DateField(validators=[validate_not_in_future])
    substance = models.CharField(max_length=20, choices=Substance.choices)
    used = models.BooleanField()
    standard_drinks = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(tlfb.STANDARD_DRINKS_PER_DAY_MAX)],
        help_text="Alcohol only: standard drinks that day.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-day", "substance"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "day", "substance"],
                condition=Q(entered_in_error=False),
                name="one_use_report_per_day_and_substance",
            ),
            models.CheckConstraint(
                condition=Q(standard_drinks__isnull=True)
                | Q(
                    substance="alcohol",
                    used=True,
                    standard_drinks__gt=0,
                    standard_drinks__lte=tlfb.STANDARD_DRINKS_PER_DAY_MAX,
                ),
                name="drinks_only_for_alcohol_use_in_range",
            ),
            models.CheckConstraint(
                condition=~Q(substance="alcohol", used=True) | Q(standard_drinks__isnull=False),
                name="alcohol_use_counts_drinks",
            ),
            error_needs_reason("use_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.substance}: {'used' if self.used else 'none'}"


class LabResult(ClinicalEntry):
    """A urine toxicology, urine ethyl glucuronide (EtG) or breath alcohol result."""

    class Kind(models.TextChoices):
        URINE_TOX = tlfb.TestKind.URINE_TOX.value, "Urine toxicology"
        URINE_ETG = tlfb.TestKind.URINE_ETG.value, "Urine ethyl glucuronide (EtG)"
        BREATH_ALCOHOL = tlfb.TestKind.BREATH_ALCOHOL.value, "Breath alcohol"

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="lab_results")
    collected_at = models.DateTimeField(validators=[validate_not_in_future])
    kind = models.CharField(max_length=20, choices=Kind.choices)
    substance = models.CharField(max_length=20, choices=Substance.choices)
    positive = models.BooleanField()
    reading = models.CharField(
        max_length=60, blank=True, help_text="As reported, with its unit, e.g. 750 ng/mL."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-collected_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="urine-tox") | Q(substance="alcohol"), name="alcohol_tests_test_alcohol"
            ),
            error_needs_reason("lab_result"),
        ]


class Reminder(models.Model):
    """A reminder sent for one occurrence of an assignment: sent once, never twice."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="reminders")
    due_on = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    sent_to = models.CharField(max_length=254)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "due_on"], name="one_reminder_per_occurrence"),
        ]

    def __str__(self) -> str:
        return f"Reminder for {self.assignment} due {self.due_on}"
