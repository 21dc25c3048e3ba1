"""Screening results, overrides, clinic protocols, ketamine orders and the clinic's safety limits.

Fields and constraints only; every write goes through services.py. Nothing is deleted: a screening
is kept as it was run, an override is withdrawn (not removed), an order is discontinued.

Screening results live here rather than in `patients` because screening reads this app's clinic
limits and overrides, and orders point at the screening they were written under; `patients` stays
the plain record that screening reads.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from ketacare.dosing.labels import ROUTE_LABELS
from ketacare.rules import dose_checks
from ketacare.rules import eligibility as rules

SANITY_MG_PER_KG = dose_checks.SANITY_MAX_MG_PER_KG
SANITY_MG = dose_checks.SANITY_MAX_MG
GATE_HOURS_MAX = 24 * 30
# Instrument score ranges (CIWA-Ar 0-67, COWS 0-48: the instruments' own item sums, see
# ketacare/instruments/definitions).
CIWA_AR_MAX_SCORE = 67
COWS_MAX_SCORE = 48
# Routes the clinic's per-route dose limits are kept for.
LIMIT_ROUTES = {"iv-infusion": "iv", "iv-bolus": "iv", "im": "im", "intranasal": "intranasal"}


def _opt(field: str, low: object, high: object, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": low, f"{field}__lte": high}),
        name=name,
    )


def _between(low: object, high: object) -> list[MinValueValidator | MaxValueValidator]:
    return [MinValueValidator(low), MaxValueValidator(high)]  # type: ignore[arg-type]


class ClinicSafetySettings(models.Model):
    """One clinic's screening and dose-check limits. All clinic-set: KetaCare ships none of them, an
    empty field checks nothing (the alcohol gate's verified 24 h floor holds regardless)."""

    clinic = models.OneToOneField("accounts.Clinic", on_delete=models.PROTECT, related_name="safety_settings")
    predose_systolic_max_mmhg = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(80, 250)
    )
    predose_diastolic_max_mmhg = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(40, 150)
    )
    alcohol_gate_hours = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(rules.ALCOHOL_GATE_HOURS_MIN, GATE_HOURS_MAX)
    )
    opioids_gate_hours = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(1, GATE_HOURS_MAX)
    )
    cocaine_gate_hours = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(1, GATE_HOURS_MAX)
    )
    amphetamines_gate_hours = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(1, GATE_HOURS_MAX)
    )
    sedatives_gate_hours = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(1, GATE_HOURS_MAX)
    )
    ciwa_ar_max = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(0, CIWA_AR_MAX_SCORE)
    )
    cows_max = models.PositiveSmallIntegerField(null=True, blank=True, validators=_between(0, COWS_MAX_SCORE))
    max_mg_per_kg_iv = models.DecimalField(
        max_digits=5,
        decimal_places=3,
        null=True,
        blank=True,
        validators=_between(Decimal("0.01"), SANITY_MG_PER_KG),
    )
    max_mg_per_kg_im = models.DecimalField(
        max_digits=5,
        decimal_places=3,
        null=True,
        blank=True,
        validators=_between(Decimal("0.01"), SANITY_MG_PER_KG),
    )
    max_mg_per_kg_intranasal = models.DecimalField(
        max_digits=5,
        decimal_places=3,
        null=True,
        blank=True,
        validators=_between(Decimal("0.01"), SANITY_MG_PER_KG),
    )
    max_total_mg_iv = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True, validators=_between(Decimal("1"), SANITY_MG)
    )
    max_total_mg_im = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True, validators=_between(Decimal("1"), SANITY_MG)
    )
    max_total_mg_intranasal = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True, validators=_between(Decimal("1"), SANITY_MG)
    )
    dose_increase_factor_max = models.DecimalField(
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=_between(Decimal("1.0"), Decimal("10")),
    )
    weight_change_percent_max = models.DecimalField(
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=_between(Decimal("1"), Decimal("50")),
    )
    weight_max_age_days = models.PositiveSmallIntegerField(null=True, blank=True, validators=_between(1, 730))
    # Treatment plans (issue 12): MAT starts, integration visits and the maintenance rule. Clinic-set.
    bup_start_cows_min = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(0, COWS_MAX_SCORE)
    )
    naltrexone_opioid_free_days = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(1, 60)
    )
    integration_min_hours = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(0, 336)
    )
    integration_max_hours = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(1, 336)
    )
    booster_craving_threshold = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(0, 100)
    )
    booster_phq9_threshold = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(0, 27)
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            _opt("predose_systolic_max_mmhg", 80, 250, "safety_systolic_in_range"),
            _opt("predose_diastolic_max_mmhg", 40, 150, "safety_diastolic_in_range"),
            _opt(
                "alcohol_gate_hours",
                rules.ALCOHOL_GATE_HOURS_MIN,
                GATE_HOURS_MAX,
                "safety_alcohol_gate_floor",
            ),
            _opt("opioids_gate_hours", 1, GATE_HOURS_MAX, "safety_opioids_gate_in_range"),
            _opt("cocaine_gate_hours", 1, GATE_HOURS_MAX, "safety_cocaine_gate_in_range"),
            _opt("amphetamines_gate_hours", 1, GATE_HOURS_MAX, "safety_amphetamines_gate_in_range"),
            _opt("sedatives_gate_hours", 1, GATE_HOURS_MAX, "safety_sedatives_gate_in_range"),
            _opt("ciwa_ar_max", 0, CIWA_AR_MAX_SCORE, "safety_ciwa_in_range"),
            _opt("cows_max", 0, COWS_MAX_SCORE, "safety_cows_in_range"),
            _opt("max_mg_per_kg_iv", Decimal("0.01"), SANITY_MG_PER_KG, "safety_iv_mgkg_in_range"),
            _opt("max_mg_per_kg_im", Decimal("0.01"), SANITY_MG_PER_KG, "safety_im_mgkg_in_range"),
            _opt("max_mg_per_kg_intranasal", Decimal("0.01"), SANITY_MG_PER_KG, "safety_in_mgkg_in_range"),
            _opt("max_total_mg_iv", 1, SANITY_MG, "safety_iv_total_in_range"),
            _opt("max_total_mg_im", 1, SANITY_MG, "safety_im_total_in_range"),
            _opt("max_total_mg_intranasal", 1, SANITY_MG, "safety_in_total_in_range"),
            _opt("dose_increase_factor_max", 1, 10, "safety_factor_in_range"),
            _opt("weight_change_percent_max", 1, 50, "safety_weight_change_in_range"),
            _opt("weight_max_age_days", 1, 730, "safety_weight_age_in_range"),
            _opt("bup_start_cows_min", 0, COWS_MAX_SCORE, "safety_bup_cows_in_range"),
            _opt("naltrexone_opioid_free_days", 1, 60, "safety_naltrexone_days_in_range"),
            _opt("integration_min_hours", 0, 336, "safety_integration_min_in_range"),
            _opt("integration_max_hours", 1, 336, "safety_integration_max_in_range"),
            _opt("booster_craving_threshold", 0, 100, "safety_booster_craving_in_range"),
            _opt("booster_phq9_threshold", 0, 27, "safety_booster_phq9_in_range"),
        ]

    def __str__(self) -> str:
        return f"Safety settings of {self.clinic}"


class Screening(models.Model):
    """One run of the eligibility rules: who, when, the inputs read, the result and every reason."""

    class Result(models.TextChoices):
        ELIGIBLE = rules.ELIGIBLE, "Eligible"
        NEEDS_REVIEW = rules.NEEDS_REVIEW, "Needs review"
        NOT_ELIGIBLE = rules.NOT_ELIGIBLE, "Not eligible"

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="screenings")
    run_at = models.DateTimeField()
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    trigger = models.CharField(max_length=20, default="manual")
    result = models.CharField(max_length=16, choices=Result.choices)
    reasons = models.JSONField(default=list, blank=True)
    inputs = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-run_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(result__in=[rules.ELIGIBLE, rules.NEEDS_REVIEW, rules.NOT_ELIGIBLE]),
                name="screening_result_known",
            ),
        ]
        indexes = [models.Index(fields=["patient", "-run_at"], name="screening_patient_run")]

    def __str__(self) -> str:
        return f"Screening {self.pk}: {self.result}"


class ScreeningOverride(models.Model):
    """A prescriber's override of one relative reason (by its code and the record row it came from),
    with the written justification. Holds for later screenings until withdrawn."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="screening_overrides"
    )
    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="overrides")
    code = models.CharField(max_length=60)
    input_ref = models.CharField(max_length=60, blank=True)
    justification = models.TextField(max_length=2000)
    overridden_at = models.DateTimeField(auto_now_add=True)
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-overridden_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(justification=""), name="override_has_justification"),
            models.UniqueConstraint(
                fields=["patient", "code", "input_ref"],
                condition=Q(active=True),
                name="one_active_override_each",
            ),
        ]

    def __str__(self) -> str:
        return f"Override of {self.code}"


class ClinicProtocol(models.Model):
    """A regimen a clinic adds to the library, within the bounds the rules check."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="protocols")
    name = models.CharField(max_length=120)
    route = models.CharField(max_length=20, choices=list(ROUTE_LABELS.items()))
    mg_per_kg_min = models.DecimalField(
        max_digits=5, decimal_places=3, validators=_between(Decimal("0.001"), SANITY_MG_PER_KG)
    )
    mg_per_kg_max = models.DecimalField(
        max_digits=5, decimal_places=3, validators=_between(Decimal("0.001"), SANITY_MG_PER_KG)
    )
    duration_min = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True, validators=_between(0, 1440)
    )
    sessions = models.PositiveSmallIntegerField(validators=_between(1, 52))
    min_spacing_days = models.PositiveSmallIntegerField(validators=_between(1, 365))
    rationale = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="clinic_protocol_name_unique"),
            models.CheckConstraint(
                condition=Q(mg_per_kg_max__gte=models.F("mg_per_kg_min")), name="protocol_range_ordered"
            ),
            models.CheckConstraint(
                condition=Q(mg_per_kg_min__gt=0, mg_per_kg_max__lte=SANITY_MG_PER_KG),
                name="protocol_range_plausible",
            ),
            models.CheckConstraint(condition=Q(min_spacing_days__gte=1), name="protocol_spacing_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def library_id(self) -> str:
        return f"clinic-{self.pk}"


class Order(models.Model):
    """A prescriber's ketamine order: the regimen, the dose as written and in mg of base for the weight
    it was computed from, the checks it raised and the reason they were confirmed."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft (not signed)"
        SIGNED = "signed", "Signed"
        DISCONTINUED = "discontinued", "Discontinued"

    class Salt(models.TextChoices):
        BASE = "base", "Ketamine base"
        HCL = "hcl", "Ketamine hydrochloride"

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="ketamine_orders")
    protocol_id = models.CharField(
        max_length=40, help_text="A library id, or clinic-<id> for a clinic protocol."
    )
    protocol_title = models.CharField(max_length=200)
    route = models.CharField(max_length=20, choices=list(ROUTE_LABELS.items()))
    dose_amount = models.DecimalField(
        max_digits=8, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )
    dose_per_kg = models.BooleanField()
    salt = models.CharField(max_length=4, choices=Salt.choices)
    dose_mg = models.DecimalField(max_digits=7, decimal_places=2, help_text="Per session, ketamine base, mg.")
    mg_per_kg = models.DecimalField(max_digits=6, decimal_places=3, help_text="Per session, ketamine base.")
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1)
    weight_measured_at = models.DateTimeField()
    weight_stale = models.BooleanField(
        default=False, help_text="The weight was older than the clinic allows."
    )
    duration_min = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True, validators=_between(0, 1440)
    )
    loading_amount = models.DecimalField(
        max_digits=8, decimal_places=3, null=True, blank=True, help_text="Part of the dose, same unit."
    )
    loading_duration_min = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True, validators=_between(0, 60)
    )
    sessions = models.PositiveSmallIntegerField(validators=_between(1, 52))
    interval_days = models.PositiveSmallIntegerField(null=True, blank=True, validators=_between(1, 365))
    start_on = models.DateField()
    findings = models.JSONField(default=list, blank=True, help_text="Checks confirmed: code and message.")
    confirm_reason = models.CharField(max_length=1000, blank=True)
    screening = models.ForeignKey(
        Screening, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    discontinued_at = models.DateTimeField(null=True, blank=True)
    discontinued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    discontinue_reason = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(dose_mg__gt=0, dose_mg__lte=SANITY_MG), name="order_dose_mg_plausible"
            ),
            models.CheckConstraint(
                condition=Q(mg_per_kg__gt=0, mg_per_kg__lte=SANITY_MG_PER_KG),
                name="order_mg_per_kg_plausible",
            ),
            models.CheckConstraint(
                condition=Q(sessions__gte=1, sessions__lte=52), name="order_sessions_in_range"
            ),
            models.CheckConstraint(condition=Q(salt__in=["base", "hcl"]), name="order_salt_explicit"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "signed", "discontinued"]), name="order_status_known"
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True) | Q(signed_by__isnull=False),
                name="order_signed_by_someone",
            ),
            models.CheckConstraint(
                condition=~Q(status="signed") | Q(signed_at__isnull=False), name="order_signed_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status="discontinued")
                | (Q(discontinued_by__isnull=False) & ~Q(discontinue_reason="")),
                name="order_discontinued_with_reason",
            ),
            models.CheckConstraint(
                condition=Q(findings=[]) | ~Q(confirm_reason=""), name="order_findings_confirmed_with_reason"
            ),
        ]
        indexes = [models.Index(fields=["patient", "-created_at"], name="order_patient_created")]

    def __str__(self) -> str:
        return f"Order {self.pk}: {self.protocol_title}, {self.dose_mg} mg {self.route}"

    @property
    def dose_text(self) -> str:
        unit = "mg/kg" if self.dose_per_kg else "mg"
        return f"{self.dose_amount.normalize():f} {unit} {self.salt}"


# --- treatment plans, MAT and therapy (issue 12) --------------------------------------------------
#
# A plan combines the ketamine course (from a protocol or an order of this app), MAT and therapy
# under goals in the patient's words. Every change of a plan is a PlanChange row (who, when, why),
# appended and never overwritten; the rows' own history keeps the values as they were.

MAINTENANCE_INSTRUMENTS = (("craving-vas", "Craving (0-100)"), ("phq-9", "PHQ-9 (0-27)"))
MAINTENANCE_SCALE_MAX = {"craving-vas": 100, "phq-9": 27}


class TherapyModality(models.TextChoices):
    CBT = "cbt", "Cognitive-behavioural therapy (CBT)"
    MI = "mi", "Motivational interviewing"
    MET = "met", "Motivational enhancement therapy"
    MBRP = "mbrp", "Mindfulness-based relapse prevention"
    KAP_PREPARATION = "kap-preparation", "Ketamine-assisted psychotherapy: preparation"
    KAP_INTEGRATION = "kap-integration", "Ketamine-assisted psychotherapy: integration"


class TreatmentPlan(models.Model):
    """A patient's plan: what it treats, their goals, the ketamine course, MAT, therapy, visits and
    the measurement schedule."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        ON_HOLD = "on_hold", "On hold"
        COMPLETED = "completed", "Completed"
        DISCONTINUED = "discontinued", "Discontinued"

    class Agreement(models.TextChoices):
        IN_PERSON = "in_person", "Agreed in person"
        WRITTEN = "written", "Signed on paper"
        REMOTE = "remote", "Agreed by phone or video"

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="treatment_plans")
    title = models.CharField(max_length=120)
    substances = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.DRAFT)
    protocol_id = models.CharField(max_length=40, blank=True)
    protocol_title = models.CharField(max_length=200, blank=True)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT, related_name="plans")
    induction_sessions = models.PositiveSmallIntegerField(null=True, blank=True, validators=_between(1, 52))
    induction_spacing_days = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_between(1, 365)
    )
    maintenance_instrument = models.CharField(max_length=20, blank=True, choices=MAINTENANCE_INSTRUMENTS)
    maintenance_weeks = models.PositiveSmallIntegerField(null=True, blank=True, validators=_between(1, 12))
    preparation_visits = models.PositiveSmallIntegerField(default=0, validators=_between(0, 20))
    integration_after_each_dose = models.BooleanField(default=False)
    measurements = models.JSONField(default=list, blank=True)
    agreed_at = models.DateTimeField(null=True, blank=True)
    agreed_how = models.CharField(max_length=10, blank=True, choices=Agreement.choices)
    agreement_note = models.CharField(max_length=500, blank=True)
    agreement_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "active", "on_hold", "completed", "discontinued"]),
                name="plan_status_known",
            ),
            models.CheckConstraint(
                condition=Q(agreed_at__isnull=True) | Q(agreement_recorded_by__isnull=False),
                name="plan_agreement_recorded_by_someone",
            ),
            models.CheckConstraint(
                condition=Q(maintenance_instrument="") | Q(maintenance_weeks__isnull=False),
                name="plan_maintenance_rule_complete",
            ),
        ]
        indexes = [models.Index(fields=["patient", "-created_at"], name="plan_patient_created")]

    def __str__(self) -> str:
        return f"Plan {self.pk}: {self.title}"


class PlanGoal(models.Model):
    """One goal, in the patient's own words."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="goals")
    text = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0)
    achieved_on = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True, help_text="Off once the plan no longer holds this goal.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="plan_goal_has_text")]

    def __str__(self) -> str:
        return self.text


class PlanTherapy(models.Model):
    """A therapy the plan includes: modality, how often, by whom."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="therapies")
    modality = models.CharField(max_length=20, choices=TherapyModality.choices)
    every_days = models.PositiveSmallIntegerField(validators=_between(1, 90))
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(default=True, help_text="Off once the plan no longer includes it.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_modality_display()} every {self.every_days} days"


class PlanChange(models.Model):
    """One change of a plan, who made it and why: appended, never overwritten."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        EDITED = "edited", "Edited"
        STATUS = "status", "Status changed"
        AGREEMENT = "agreement", "Patient's agreement recorded"
        BOOSTER = "booster", "Booster suggestion decided"

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    from_status = models.CharField(max_length=14, blank=True)
    to_status = models.CharField(max_length=14, blank=True)
    fields = models.JSONField(default=list, blank=True)
    reason = models.CharField(max_length=1000)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="plan_change_has_reason")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.at:%Y-%m-%d})"


class BoosterDecision(models.Model):
    """A clinician's answer to the booster forecast shown on a plan: accepted or declined, with why.
    The forecast is statistical (outcomes.booster); the decision is the clinician's."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", "Accepted: plan a booster"
        DECLINED = "declined", "Declined"

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="booster_decisions")
    instrument_id = models.CharField(max_length=20, choices=MAINTENANCE_INSTRUMENTS)
    threshold = models.DecimalField(max_digits=5, decimal_places=1)
    forecast_on = models.DateField(null=True, blank=True)
    forecast_low = models.DateField(null=True, blank=True)
    forecast_high = models.DateField(null=True, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.CharField(max_length=500)
    decided_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="booster_decision_has_reason"),
            models.CheckConstraint(
                condition=Q(decision__in=["accepted", "declined"]), name="booster_decision_known"
            ),
        ]

    def __str__(self) -> str:
        return f"Booster {self.decision}"


class MatOrder(models.Model):
    """A prescriber's order for methadone, buprenorphine or naltrexone. The current dose is here; every
    dose, the first included, is a MatDoseChange row."""

    class Drug(models.TextChoices):
        METHADONE = "methadone", "Methadone"
        BUPRENORPHINE = "buprenorphine", "Buprenorphine"
        NALTREXONE = "naltrexone", "Naltrexone"

    class Form(models.TextChoices):
        ORAL = "oral", "Oral"
        SUBLINGUAL = "sublingual", "Sublingual"
        INJECTION_XR = "injection-xr", "Extended-release injection"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        STOPPED = "stopped", "Stopped"

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="mat_orders")
    plan = models.ForeignKey(
        TreatmentPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="mat_orders"
    )
    drug = models.CharField(max_length=14, choices=Drug.choices)
    form = models.CharField(max_length=14, choices=Form.choices)
    dose_mg = models.DecimalField(
        max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    schedule = models.CharField(max_length=120, help_text="How often, in words: once daily, every 4 weeks.")
    start_on = models.DateField()
    is_start = models.BooleanField(
        default=True, help_text="A new start (not a dose the patient already takes elsewhere)."
    )
    cows_response = models.ForeignKey(
        "outcomes.QuestionnaireResponse", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cows_threshold = models.PositiveSmallIntegerField(null=True, blank=True)
    last_opioid_use_on = models.DateField(null=True, blank=True)
    opioid_free_days_required = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stop_reason = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(dose_mg__gt=0), name="mat_dose_positive"),
            models.CheckConstraint(
                condition=Q(drug__in=["methadone", "buprenorphine", "naltrexone"]), name="mat_drug_known"
            ),
            models.CheckConstraint(
                condition=~Q(status="stopped") | (Q(stopped_by__isnull=False) & ~Q(stop_reason="")),
                name="mat_stopped_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_drug_display()} {self.dose_mg} mg {self.get_form_display().lower()}"


class MatDoseChange(models.Model):
    """One dose of a MAT order's history (the first is the start): appended, never overwritten."""

    order = models.ForeignKey(MatOrder, on_delete=models.PROTECT, related_name="dose_changes")
    dose_mg = models.DecimalField(
        max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    effective_on = models.DateField()
    reason = models.CharField(max_length=300)
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["effective_on", "changed_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(dose_mg__gt=0), name="mat_dose_change_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="mat_dose_change_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.dose_mg} mg from {self.effective_on}"


class TherapySession(models.Model):
    """A therapist's record of one therapy, preparation or integration session, attended or missed."""

    class Kind(models.TextChoices):
        THERAPY = "therapy", "Therapy session"
        PREPARATION = "preparation", "Preparation visit"
        INTEGRATION = "integration", "Integration visit"

    class Attendance(models.TextChoices):
        ATTENDED = "attended", "Attended"
        MISSED = "missed", "Missed"

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="therapy_sessions")
    plan = models.ForeignKey(
        TreatmentPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="therapy_sessions"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    modality = models.CharField(max_length=20, choices=TherapyModality.choices)
    occurred_at = models.DateTimeField()
    duration_min = models.PositiveSmallIntegerField(null=True, blank=True, validators=_between(1, 480))
    attendance = models.CharField(max_length=8, choices=Attendance.choices)
    goals = models.ManyToManyField(PlanGoal, blank=True, related_name="therapy_sessions")
    note = models.CharField(max_length=2000, blank=True)
    homework = models.CharField(max_length=1000, blank=True)
    dosing_session = models.ForeignKey(
        "dosing.DosingSession", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hours_after_dose = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    outside_window = models.BooleanField(default=False)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_in_error = models.BooleanField(default=False)
    error_reason = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(attendance="missed") | Q(duration_min__isnull=False),
                name="therapy_attended_has_duration",
            ),
            models.CheckConstraint(
                condition=Q(kind="integration") | Q(dosing_session__isnull=True),
                name="therapy_dose_only_for_integration",
            ),
        ]
        indexes = [models.Index(fields=["patient", "-occurred_at"], name="therapy_patient_occurred")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}: {self.get_attendance_display()}"


# --- appointments (calendar) below ---


# --- The calendar (issue 12): appointments ---------------------------------------------------------


class Appointment(models.Model):
    """One booking of a patient with a clinician, in a room or chair. Never deleted: cancelled (with
    the reason) or recorded as a no-show. Conflicts are computed when read (plans.calendar_selectors);
    the ones the booker saw and confirmed are kept with the reason they gave."""

    class Kind(models.TextChoices):
        KETAMINE_SESSION = "ketamine-session", "Ketamine session"
        PREPARATION = "preparation", "Preparation visit"
        INTEGRATION = "integration", "Integration visit"
        THERAPY = "therapy", "Therapy"
        MAT_VISIT = "mat-visit", "MAT visit"
        REVIEW = "review", "Review"

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        ATTENDED = "attended", "Attended"
        NO_SHOW = "no-show", "Did not attend"
        CANCELLED = "cancelled", "Cancelled"

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="appointments")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    location = models.CharField(max_length=60, blank=True, help_text="The room or chair.")
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    status_reason = models.CharField(max_length=300, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_conflicts = models.JSONField(default=list, blank=True)
    confirm_reason = models.CharField(max_length=1000, blank=True)
    # The dosing session opened from this appointment on its day (dosing sits above plans: an id, not
    # a foreign key, so that this app's tables do not depend on dosing's).
    dosing_session_id = models.PositiveIntegerField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="appointment_ends_after"
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "ketamine-session",
                        "preparation",
                        "integration",
                        "therapy",
                        "mat-visit",
                        "review",
                    ]
                ),
                name="appointment_kind_known",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["booked", "attended", "no-show", "cancelled"]),
                name="appointment_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(status_reason=""), name="appointment_cancel_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(confirmed_conflicts=[]) | ~Q(confirm_reason=""),
                name="appointment_conflicts_confirmed_with_reason",
            ),
            models.CheckConstraint(
                condition=~Q(kind="ketamine-session") | Q(order__isnull=False),
                name="appointment_ketamine_has_order",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "starts_at"], name="appointment_patient_start"),
            models.Index(fields=["clinician", "starts_at"], name="appointment_clinician_start"),
            models.Index(fields=["starts_at"], name="appointment_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def active(self) -> bool:
        return self.status in (self.Status.BOOKED, self.Status.ATTENDED)
