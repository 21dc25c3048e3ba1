"""The patient record: fields and constraints only; every write goes through services.py.

Nothing here is ever deleted. A wrong entry is marked entered-in-error with a reason, and every
clinical row keeps its version history (simple_history).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from simple_history.models import HistoricalRecords

from ketacare.patients.validators import (
    height_cm_validators,
    validate_date_of_birth,
    validate_not_in_future,
    validate_phone,
    weight_kg_validators,
)
from ketacare.rules import dsm5
from ketacare.rules.record_limits import HEIGHT_CM_MAX, HEIGHT_CM_MIN, WEIGHT_KG_MAX, WEIGHT_KG_MIN
from ketacare.text_input import ADDRESS_MAX_LENGTH


class Patient(models.Model):
    class SexAtBirth(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        INTERSEX = "intersex", "Intersex"
        UNKNOWN = "unknown", "Unknown or not recorded"

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="patients")
    medical_record_number = models.CharField(max_length=32)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(validators=[validate_date_of_birth])
    sex_at_birth = models.CharField(max_length=10, choices=SexAtBirth.choices)
    gender = models.CharField(max_length=60, blank=True, help_text="As the patient describes it.")
    phone = models.CharField(max_length=32, blank=True, validators=[validate_phone])
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True, max_length=ADDRESS_MAX_LENGTH)
    emergency_contact = models.CharField(max_length=200, blank=True)
    portal_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="patient_record",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "medical_record_number"],
                name="record_number_unique_in_clinic",
                violation_error_message="Another patient in this clinic already has this record number.",
            ),
            models.CheckConstraint(condition=~Q(medical_record_number=""), name="record_number_not_blank"),
            models.CheckConstraint(
                condition=Q(sex_at_birth__in=["female", "male", "intersex", "unknown"]),
                name="sex_at_birth_known",
            ),
            # The database holds the limit too: a 1 MB address was once stored.
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("address"), ADDRESS_MAX_LENGTH),
                name="address_not_too_long",
                violation_error_message=f"The address is too long: at most {ADDRESS_MAX_LENGTH} characters.",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "family_name"], name="patient_clinic_name")]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name} ({self.medical_record_number})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


def error_needs_reason(prefix: str) -> models.CheckConstraint:
    """The constraint every ClinicalEntry table carries: an entry withdrawn in error says why."""
    return models.CheckConstraint(
        condition=Q(entered_in_error=False) | ~Q(error_reason=""), name=f"{prefix}_error_has_reason"
    )


class ClinicalEntry(models.Model):
    """What every clinical row shares: who recorded it, when, and whether it was entered in error."""

    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_in_error = models.BooleanField(default=False)
    error_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        abstract = True


class BodyMeasurement(ClinicalEntry):
    """Weight (drives mg/kg dosing) and, when measured, height."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="measurements")
    measured_at = models.DateTimeField(validators=[validate_not_in_future])
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1, validators=weight_kg_validators)
    height_cm = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True, validators=height_cm_validators
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-measured_at", "-id"]
        get_latest_by = "measured_at"
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_kg__gte=WEIGHT_KG_MIN, weight_kg__lte=WEIGHT_KG_MAX),
                name="weight_kg_in_range",
            ),
            models.CheckConstraint(
                condition=Q(height_cm__isnull=True)
                | Q(height_cm__gte=HEIGHT_CM_MIN, height_cm__lte=HEIGHT_CM_MAX),
                name="height_cm_in_range",
            ),
            error_needs_reason("measurement"),
        ]

    def __str__(self) -> str:
        return f"{self.weight_kg} kg on {self.measured_at:%Y-%m-%d}"


class Allergy(ClinicalEntry):
    class Severity(models.TextChoices):
        MILD = "mild", "Mild"
        MODERATE = "moderate", "Moderate"
        SEVERE = "severe", "Severe (anaphylaxis)"
        UNKNOWN = "unknown", "Unknown"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="allergies")
    substance = models.CharField(max_length=120)
    reaction = models.CharField(max_length=200, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.UNKNOWN)
    history = HistoricalRecords()

    class Meta:
        ordering = ["substance"]
        constraints = [
            error_needs_reason("allergy"),
        ]

    def __str__(self) -> str:
        return f"Allergy to {self.substance}"


class Medication(ClinicalEntry):
    """A current or past medication, classed by what matters when ketamine is given."""

    class DrugClass(models.TextChoices):
        BENZODIAZEPINE = "benzodiazepine", "Benzodiazepine or other sedative-hypnotic"
        OPIOID = "opioid", "Opioid (full agonist)"
        METHADONE = "methadone", "Methadone (MAT)"
        BUPRENORPHINE = "buprenorphine", "Buprenorphine (MAT)"
        NALTREXONE = "naltrexone", "Naltrexone (MAT)"
        STIMULANT = "stimulant", "Stimulant"
        MAOI = "maoi", "MAO inhibitor"
        ANTIHYPERTENSIVE = "antihypertensive", "Antihypertensive"
        MOOD_STABILISER = "mood_stabiliser", "Mood stabiliser"
        ANTIDEPRESSANT = "antidepressant", "Antidepressant"
        ANTIPSYCHOTIC = "antipsychotic", "Antipsychotic"
        OTHER = "other", "Other"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="medications")
    name = models.CharField(max_length=120)
    drug_class = models.CharField(max_length=20, choices=DrugClass.choices)
    dose_text = models.CharField(max_length=120, blank=True, help_text="As prescribed, e.g. 80 mg once daily")
    started_on = models.DateField(null=True, blank=True)
    stopped_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["stopped_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stopped_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(stopped_on__gte=models.F("started_on")),
                name="medication_stops_after_it_starts",
            ),
            error_needs_reason("medication"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.dose_text}".strip()


class HistoryFlag(ClinicalEntry):
    """A structured item of medical or psychiatric history that bears on ketamine treatment."""

    class Flag(models.TextChoices):
        HYPERTENSION = "hypertension", "Hypertension"
        CARDIOVASCULAR = "cardiovascular", "Cardiovascular disease"
        ANEURYSM_AVM = "aneurysm_avm", "Aneurysmal vascular disease or arteriovenous malformation"
        INTRACEREBRAL_HAEMORRHAGE = "intracerebral_haemorrhage", "Intracerebral haemorrhage"
        PSYCHOSIS = "psychosis", "Psychosis (current or past)"
        BIPOLAR = "bipolar", "Bipolar disorder"
        SEIZURES = "seizures", "Seizures"
        PREGNANCY = "pregnancy", "Pregnancy"
        BREASTFEEDING = "breastfeeding", "Breastfeeding"
        KETAMINE_PCP_MISUSE = "ketamine_pcp_misuse", "Ketamine or PCP misuse"
        RAISED_ICP_IOP = "raised_icp_iop", "Raised intracranial or intra-ocular pressure"
        HEPATIC_IMPAIRMENT = "hepatic_impairment", "Severe hepatic impairment"
        SLEEP_APNOEA = "sleep_apnoea", "Sleep apnoea"
        SUICIDE_ATTEMPT = "suicide_attempt", "Suicide attempt"
        KETAMINE_HYPERSENSITIVITY = "ketamine_hypersensitivity", "Hypersensitivity to ketamine or esketamine"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="history_flags")
    flag = models.CharField(max_length=40, choices=Flag.choices)
    note = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["flag"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "flag"], condition=Q(entered_in_error=False), name="one_active_flag_each"
            ),
            error_needs_reason("flag"),
        ]

    def __str__(self) -> str:
        return self.get_flag_display()


class SubstanceUseDisorder(ClinicalEntry):
    """A diagnosed substance use disorder; severity follows from the DSM-5 criteria met."""

    class Substance(models.TextChoices):
        ALCOHOL = "alcohol", "Alcohol"
        OPIOIDS = "opioids", "Opioids"
        COCAINE = "cocaine", "Cocaine"
        AMPHETAMINES = "amphetamines", "Amphetamine-type stimulants"
        CANNABIS = "cannabis", "Cannabis"
        SEDATIVES = "sedatives", "Sedatives, hypnotics or anxiolytics"
        TOBACCO = "tobacco", "Tobacco"
        OTHER = "other", "Other"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="substance_use_disorders")
    substance = models.CharField(max_length=20, choices=Substance.choices)
    criteria_met = models.PositiveSmallIntegerField(
        validators=[
            MinValueValidator(
                dsm5.SEVERITY_BANDS[0][0], message="At least 2 of the 11 DSM-5 criteria must be met."
            ),
            MaxValueValidator(dsm5.CRITERIA_COUNT, message="DSM-5 has 11 criteria; no more can be met."),
        ]
    )
    last_use_on = models.DateField(null=True, blank=True, validators=[validate_not_in_future])
    is_primary = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_primary", "substance"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    criteria_met__gte=dsm5.SEVERITY_BANDS[0][0], criteria_met__lte=dsm5.CRITERIA_COUNT
                ),
                name="dsm5_criteria_in_range",
            ),
            error_needs_reason("sud"),
        ]

    def __str__(self) -> str:
        return f"{self.get_substance_display()} use disorder ({self.criteria_met} criteria)"

    @property
    def severity(self) -> dsm5.Severity:
        return dsm5.severity(self.criteria_met)


class CareTeamMember(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="care_team")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_of")
    is_responsible = models.BooleanField(default=False, help_text="Receives this patient's safety alerts.")
    active = models.BooleanField(default=True)
    added_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "user"], name="care_team_member_once"),
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(is_responsible=True, active=True),
                name="one_responsible_clinician",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} (care team)"
