"""Monitored dosing sessions: fields and constraints only; every write goes through services.py.

Nothing here is ever deleted. A wrong vital sign or side effect is marked entered-in-error with a
reason; a signed session is immutable and later notes are addenda. Ranges are enforced three times:
here (CheckConstraint), in forms.py (field bounds) and in tests.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from ketacare.dosing.labels import ROUTE_LABELS
from ketacare.patients.models import ClinicalEntry, error_needs_reason
from ketacare.rules import record_limits as limits


def _between(low: int, high: int) -> list[MinValueValidator | MaxValueValidator]:
    return [MinValueValidator(low), MaxValueValidator(high)]


class DosingSession(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        ENDED = "ended", "Ended"

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="dosing_sessions")
    route = models.CharField(max_length=20, choices=list(ROUTE_LABELS.items()))
    dose_mg = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(limits.SESSION_DOSE_MG_MAX)],
        help_text="Ketamine base, mg.",
    )
    duration_min = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    regimen = models.CharField(max_length=300, blank=True, help_text="The planned regimen, as ordered.")
    # The signed order the session was planned from (issue 10); empty only on sessions planned before
    # orders existed.
    order = models.ForeignKey(
        "plans.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="dosing_sessions"
    )
    chair = models.CharField(max_length=40, blank=True, help_text="Chair or room, for the day board.")
    drug = models.CharField(
        max_length=12, choices=[("ketamine", "Ketamine"), ("esketamine", "Esketamine")], default="ketamine"
    )
    # A relative gate passed on the prescriber's recorded override (gates.py).
    override_reason = models.CharField(max_length=500, blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    # The pre-dose checklist: each a recorded confirmation by the nurse who starts the session.
    consent_confirmed = models.BooleanField(default=False)
    fasting_confirmed = models.BooleanField(default=False)
    escort_confirmed = models.BooleanField(default=False)
    # The identifiers the nurse checked against the record before the dose (at least two: gates.py).
    identity_identifiers = models.JSONField(default=list, blank=True)
    # The prescriber on site during administration and monitoring (gates.prescriber_on_site_gate).
    prescriber_on_site = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    discharge_note = models.TextField(blank=True)
    # Discharge criteria, recorded by services.discharge_session (docs/dosing.md, "Discharge").
    mental_status_at_baseline = models.BooleanField(default=False)
    escort_present = models.BooleanField(default=False)
    no_driving_advice_given = models.BooleanField(default=False)
    next_day_checkin_at = models.DateTimeField(null=True, blank=True)
    ready_to_leave_at = models.DateTimeField(null=True, blank=True)
    # The prepared dose (services.prepare_dose): product, lot, volume, pump rate, second check.
    concentration_mg_per_ml = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    concentration_as = models.CharField(
        max_length=4, blank=True, choices=[("base", "ketamine base"), ("hcl", "ketamine hydrochloride")]
    )
    volume_ml = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    pump_rate_ml_h = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    lot_number = models.CharField(max_length=40, blank=True)
    lot_expiry = models.DateField(null=True, blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The esketamine REMS Patient Monitoring Form: when it was sent (due within 7 days).
    rems_submitted_at = models.DateTimeField(null=True, blank=True)
    # The form's concomitant-medication items (yes/no each), answered by the prescriber.
    rems_benzodiazepines = models.BooleanField(null=True, blank=True)
    rems_sedative_hypnotics = models.BooleanField(null=True, blank=True)
    rems_psychostimulants = models.BooleanField(null=True, blank=True)
    rems_maois = models.BooleanField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(dose_mg__gt=0, dose_mg__lte=limits.SESSION_DOSE_MG_MAX),
                name="session_dose_mg_in_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "in_progress", "ended"]), name="session_status_known"
            ),
            # Started only with the whole checklist confirmed, by someone, at a time.
            models.CheckConstraint(
                condition=Q(started_at__isnull=True)
                | Q(
                    consent_confirmed=True,
                    fasting_confirmed=True,
                    escort_confirmed=True,
                    started_by__isnull=False,
                ),
                name="session_started_after_checklist",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(started_at__isnull=False, ended_by__isnull=False),
                name="session_ended_after_start",
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True) | Q(ended_at__isnull=False, signed_by__isnull=False),
                name="session_signed_after_end",
            ),
            models.CheckConstraint(
                condition=Q(drug__in=["ketamine", "esketamine"]), name="session_drug_known"
            ),
            models.CheckConstraint(
                condition=Q(override_by__isnull=True, override_reason="")
                | (Q(override_by__isnull=False) & ~Q(override_reason="")),
                name="session_override_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["patient", "-created_at"], name="session_patient_created")]

    def __str__(self) -> str:
        return f"Session {self.pk}: {self.dose_mg} mg {self.route}"

    @property
    def signed(self) -> bool:
        return self.signed_at is not None


def _within(field: str, low: int, high: int, name: str, *, optional: bool = False) -> models.CheckConstraint:
    """The database's copy of an input limit: the value lies in [low, high] (or, if optional, is empty)."""
    condition = Q(**{f"{field}__gte": low, f"{field}__lte": high})
    if optional:
        condition = Q(**{f"{field}__isnull": True}) | condition
    return models.CheckConstraint(condition=condition, name=name)


class VitalSign(ClinicalEntry):
    """One timed set of vital signs, with the alerts it raised against the clinic's thresholds then."""

    session = models.ForeignKey(DosingSession, on_delete=models.PROTECT, related_name="vitals")
    measured_at = models.DateTimeField()
    systolic_mmhg = models.PositiveSmallIntegerField(
        validators=_between(limits.SYSTOLIC_MMHG_MIN, limits.SYSTOLIC_MMHG_MAX)
    )
    diastolic_mmhg = models.PositiveSmallIntegerField(
        validators=_between(limits.DIASTOLIC_MMHG_MIN, limits.DIASTOLIC_MMHG_MAX)
    )
    heart_rate_per_min = models.PositiveSmallIntegerField(
        validators=_between(limits.HEART_RATE_PER_MIN_MIN, limits.HEART_RATE_PER_MIN_MAX)
    )
    spo2_percent = models.PositiveSmallIntegerField(
        validators=_between(limits.SPO2_PERCENT_MIN, limits.SPO2_PERCENT_MAX)
    )
    respiratory_rate_per_min = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=_between(limits.RESPIRATORY_RATE_PER_MIN_MIN, limits.RESPIRATORY_RATE_PER_MIN_MAX),
    )
    alerts = models.JSONField(
        default=list, blank=True, help_text="Messages of the alerts this reading raised."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["measured_at", "id"]
        constraints = [
            _within(
                "systolic_mmhg", limits.SYSTOLIC_MMHG_MIN, limits.SYSTOLIC_MMHG_MAX, "vital_systolic_in_range"
            ),
            _within(
                "diastolic_mmhg",
                limits.DIASTOLIC_MMHG_MIN,
                limits.DIASTOLIC_MMHG_MAX,
                "vital_diastolic_in_range",
            ),
            models.CheckConstraint(
                condition=Q(systolic_mmhg__gt=F("diastolic_mmhg")), name="vital_systolic_above_diastolic"
            ),
            _within(
                "heart_rate_per_min",
                limits.HEART_RATE_PER_MIN_MIN,
                limits.HEART_RATE_PER_MIN_MAX,
                "vital_heart_rate_in_range",
            ),
            _within("spo2_percent", limits.SPO2_PERCENT_MIN, limits.SPO2_PERCENT_MAX, "vital_spo2_in_range"),
            _within(
                "respiratory_rate_per_min",
                limits.RESPIRATORY_RATE_PER_MIN_MIN,
                limits.RESPIRATORY_RATE_PER_MIN_MAX,
                "vital_respiratory_rate_in_range",
                optional=True,
            ),
            error_needs_reason("vital"),
        ]

    def __str__(self) -> str:
        return f"{self.systolic_mmhg}/{self.diastolic_mmhg} mmHg at {self.measured_at:%H:%M}"


SIDE_EFFECT_KINDS = [
    "nausea",
    "vomiting",
    "dizziness",
    "confusion",
    "raised_bp",
    "hallucinations",
    "agitation",
    "headache",
    "other",
]


class SideEffect(ClinicalEntry):
    class Kind(models.TextChoices):
        NAUSEA = "nausea", "Nausea"
        VOMITING = "vomiting", "Vomiting"
        DIZZINESS = "dizziness", "Dizziness"
        CONFUSION = "confusion", "Confusion"
        RAISED_BP = "raised_bp", "Raised blood pressure"
        HALLUCINATIONS = "hallucinations", "Hallucinations"
        AGITATION = "agitation", "Agitation"
        HEADACHE = "headache", "Headache"
        OTHER = "other", "Other"

    class Severity(models.TextChoices):
        MILD = "mild", "Mild"
        MODERATE = "moderate", "Moderate"
        SEVERE = "severe", "Severe"

    session = models.ForeignKey(DosingSession, on_delete=models.PROTECT, related_name="side_effects")
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    note = models.CharField(max_length=500, blank=True)
    intervention = models.CharField(
        max_length=200, blank=True, help_text="What was done, e.g. antiemetic, infusion paused."
    )
    outcome = models.CharField(
        max_length=10,
        blank=True,
        choices=[("resolved", "Resolved"), ("resolving", "Resolving"), ("ongoing", "Ongoing")],
    )
    serious = models.BooleanField(default=False, help_text="A serious adverse event, flagged for reporting.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SIDE_EFFECT_KINDS), name="side_effect_kind_known"),
            models.CheckConstraint(
                condition=Q(severity__in=["mild", "moderate", "severe"]), name="side_effect_severity_known"
            ),
            # "Other" says what it was.
            models.CheckConstraint(
                condition=~Q(kind="other") | ~Q(note=""), name="side_effect_other_has_note"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=["", "resolved", "resolving", "ongoing"]),
                name="side_effect_outcome_known",
            ),
            error_needs_reason("side_effect"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.severity})"


class SessionAddendum(models.Model):
    """A note added to a session after it was signed (or at any time): the session itself is unchanged."""

    session = models.ForeignKey(DosingSession, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="addendum_not_blank")]

    def __str__(self) -> str:
        return f"Addendum to session {self.session_id}"


# Whom a clinic's pregnancy-test gate applies to, by sex at birth on the record (clinic-set).
PREGNANCY_TEST_FOR = {
    "female": "Patients recorded female at birth",
    "not_male": "Patients not recorded male at birth (female, intersex or unknown)",
}


class ClinicSessionSettings(models.Model):
    """One clinic's alert thresholds and minimum observation time. KetaCare ships none: every field
    is optional with no default (shared/references/clinical.md §2.2: literature values UNCONFIRMED)."""

    clinic = models.OneToOneField(
        "accounts.Clinic", on_delete=models.PROTECT, related_name="session_settings"
    )
    systolic_above_mmhg = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(limits.SYSTOLIC_MMHG_MIN, limits.SYSTOLIC_MMHG_MAX)
    )
    diastolic_above_mmhg = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(limits.DIASTOLIC_MMHG_MIN, limits.DIASTOLIC_MMHG_MAX)
    )
    heart_rate_above_per_min = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=_between(limits.HEART_RATE_PER_MIN_MIN, limits.HEART_RATE_PER_MIN_MAX),
    )
    heart_rate_below_per_min = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=_between(limits.HEART_RATE_PER_MIN_MIN, limits.HEART_RATE_PER_MIN_MAX),
    )
    spo2_below_percent = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(limits.SPO2_PERCENT_MIN, limits.SPO2_PERCENT_MAX)
    )
    minimum_observation_min = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(1, limits.OBSERVATION_MIN_MAX)
    )
    # Clinic-set: the Modified Aldrete score that allows discharge instead of PADSS (the pass mark
    # conflicts between versions, SECONDARY in clinical-verified.md §4: no default).
    aldrete_discharge_minimum = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(0, 10)
    )
    # Clinic-set: how often a reading is due while a session is monitored. No default (the Emory 2018
    # practice of every 10 min during an infusion is observational, shown only as a suggestion).
    vitals_interval_min = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(1, limits.OBSERVATION_MIN_MAX)
    )
    # Clinic-set pre-dose blood-pressure limit (the label's 140/90 is SECONDARY: a suggestion only).
    predose_systolic_max_mmhg = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(limits.SYSTOLIC_MMHG_MIN, limits.SYSTOLIC_MMHG_MAX)
    )
    predose_diastolic_max_mmhg = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(limits.DIASTOLIC_MMHG_MIN, limits.DIASTOLIC_MMHG_MAX)
    )
    # Clinic-set: how often sedation (MOAA/S) and dissociation (CADSS-6) are due while a session is
    # monitored. No default: no verified schedule was found (clinical-verified.md §7).
    scales_interval_min = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(1, limits.OBSERVATION_MIN_MAX)
    )
    # Clinic-set: whom the pregnancy-test gate applies to ("" = nobody; no verified rule, gates.py).
    # Clinic-set for ketamine: a prescriber on site is named at every start (esketamine always: REMS).
    prescriber_on_site_required = models.BooleanField(default=False)
    pregnancy_test_for = models.CharField(
        max_length=10, blank=True, choices=[("", "Nobody"), *PREGNANCY_TEST_FOR.items()]
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(pregnancy_test_for__in=["", *PREGNANCY_TEST_FOR]),
                name="settings_pregnancy_for_known",
            ),
            _within(
                "scales_interval_min",
                1,
                limits.OBSERVATION_MIN_MAX,
                "settings_scales_interval_in_range",
                optional=True,
            ),
            _within(
                "systolic_above_mmhg",
                limits.SYSTOLIC_MMHG_MIN,
                limits.SYSTOLIC_MMHG_MAX,
                "settings_systolic_in_range",
                optional=True,
            ),
            _within(
                "diastolic_above_mmhg",
                limits.DIASTOLIC_MMHG_MIN,
                limits.DIASTOLIC_MMHG_MAX,
                "settings_diastolic_in_range",
                optional=True,
            ),
            _within(
                "heart_rate_above_per_min",
                limits.HEART_RATE_PER_MIN_MIN,
                limits.HEART_RATE_PER_MIN_MAX,
                "settings_heart_rate_above_in_range",
                optional=True,
            ),
            _within(
                "heart_rate_below_per_min",
                limits.HEART_RATE_PER_MIN_MIN,
                limits.HEART_RATE_PER_MIN_MAX,
                "settings_heart_rate_below_in_range",
                optional=True,
            ),
            _within(
                "spo2_below_percent",
                limits.SPO2_PERCENT_MIN,
                limits.SPO2_PERCENT_MAX,
                "settings_spo2_in_range",
                optional=True,
            ),
            _within(
                "minimum_observation_min",
                1,
                limits.OBSERVATION_MIN_MAX,
                "settings_observation_in_range",
                optional=True,
            ),
            _within(
                "vitals_interval_min",
                1,
                limits.OBSERVATION_MIN_MAX,
                "settings_vitals_interval_in_range",
                optional=True,
            ),
        ]

    def __str__(self) -> str:
        return f"Session settings of {self.clinic}"


ALERT_ACTIONS = ["recheck", "pause", "stop", "escalate"]


class SessionAlert(models.Model):
    """One alert a reading raised against the clinic's thresholds. It stays open (shown to everyone
    viewing the session, on the day board and the worklist; ending and signing refused) until a
    clinician acknowledges it with what was done and a note. One row per reading and code, so
    re-evaluating readings when thresholds change never duplicates an alert."""

    class Action(models.TextChoices):
        RECHECK = "recheck", "Rechecked"
        PAUSE = "pause", "Paused the infusion"
        STOP = "stop", "Stopped the infusion"
        ESCALATE = "escalate", "Escalated to the prescriber"

    session = models.ForeignKey(DosingSession, on_delete=models.PROTECT, related_name="alerts")
    vital = models.ForeignKey(VitalSign, on_delete=models.PROTECT, related_name="raised_alerts")
    code = models.CharField(max_length=40)
    message = models.CharField(max_length=300)
    raised_at = models.DateTimeField(auto_now_add=True)
    # True when raised by re-evaluating a reading taken before the threshold was set.
    late = models.BooleanField(default=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices, blank=True)
    note = models.CharField(max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["raised_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["vital", "code"], name="session_alert_once_per_reading"),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True, action="", note="")
                | (
                    Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False, action__in=ALERT_ACTIONS)
                    & ~Q(note="")
                ),
                name="session_alert_acknowledgement_complete",
            ),
        ]
        indexes = [models.Index(fields=["session", "acknowledged_at"], name="session_alert_open")]

    def __str__(self) -> str:
        return f"Alert {self.code} in session {self.session_id}"

    @property
    def open(self) -> bool:
        return self.acknowledged_at is None


INFUSION_EVENT_KINDS = ["start", "pause", "rate_change", "resume", "stop"]


class InfusionEvent(models.Model):
    """One timed pump event; the delivered dose is computed from them (services.delivered_dose_mg)."""

    class Kind(models.TextChoices):
        START = "start", "Started"
        PAUSE = "pause", "Paused"
        RATE_CHANGE = "rate_change", "Rate changed"
        RESUME = "resume", "Resumed"
        STOP = "stop", "Stopped"

    session = models.ForeignKey(DosingSession, on_delete=models.PROTECT, related_name="infusion_events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField()
    rate_ml_h = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=INFUSION_EVENT_KINDS), name="infusion_event_kind_known"
            ),
            # A start, a resume and a rate change carry a positive rate; a pause and a stop none.
            models.CheckConstraint(
                condition=(Q(kind__in=["start", "resume", "rate_change"]) & Q(rate_ml_h__gt=0))
                | (Q(kind__in=["pause", "stop"]) & Q(rate_ml_h__isnull=True)),
                name="infusion_event_rate_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%H:%M}"


class PregnancyTest(ClinicalEntry):
    """A pregnancy test taken on the day of a session (the clinic-set gate, gates.pregnancy_test_gate)."""

    class Result(models.TextChoices):
        NEGATIVE = "negative", "Negative"
        POSITIVE = "positive", "Positive"

    session = models.ForeignKey(DosingSession, on_delete=models.PROTECT, related_name="pregnancy_tests")
    tested_at = models.DateTimeField()
    result = models.CharField(max_length=10, choices=Result.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["tested_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(result__in=["negative", "positive"]), name="pregnancy_test_result_known"
            ),
            error_needs_reason("pregnancy_test"),
        ]

    def __str__(self) -> str:
        return f"Pregnancy test at {self.tested_at:%H:%M}"
