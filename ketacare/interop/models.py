"""42 CFR Part 2: consents, disclosures (the accounting is read from them), the clinic's privacy
settings, and FHIR Bulk Data export jobs.

Fields and constraints only; the workflow lives in ketacare/interop/privacy.py (services and
selectors) and ketacare/interop/bulk.py.  What is verified about Part 2, and what the clinic must
paste from the regulation itself, is in ketacare/interop/part2.py.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from ketacare.interop.validators import validate_plain_text

# Scanned consents are kept outside the static and media roots and served only through an
# access-checked, audited view (ketacare/interop/views_privacy.py).
PRIVATE_FILES = FileSystemStorage(location=settings.DATA_DIR / "private", base_url=None)


def private_files() -> FileSystemStorage:
    """The storage, named by a callable so that migrations do not record this machine's data path."""
    return PRIVATE_FILES


class ClinicPrivacySettings(models.Model):
    """Texts the clinic pastes from the regulation itself (clinic-set), and its exception policy."""

    clinic = models.OneToOneField(
        "accounts.Clinic", on_delete=models.PROTECT, related_name="privacy_settings"
    )
    disclosure_notice = models.TextField(
        max_length=4000,
        blank=True,
        validators=[validate_plain_text],
        help_text="Clinic-set: paste the full notice of 42 CFR §2.32 (2024 text) from the regulation. "
        "Every disclosure carries it; disclosures are refused until it is set.",
    )
    hipaa_redisclosure_statement = models.TextField(
        max_length=2000,
        blank=True,
        validators=[validate_plain_text],
        help_text="Clinic-set: paste the statement of 42 CFR §2.31(a)(4)(iii) that a consent to a HIPAA "
        "covered entity or business associate must carry.",
    )
    allow_medical_emergency = models.BooleanField(
        default=False,
        help_text="Clinic policy: staff may disclose without consent in a medical emergency, recorded "
        "as such with the reason.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Privacy settings of {self.clinic}"


class Purpose(models.TextChoices):
    TPO = "tpo", "Treatment, payment and health care operations"
    TREATMENT = "treatment", "Treatment"
    PAYMENT = "payment", "Payment"
    OPERATIONS = "operations", "Health care operations"
    OTHER = "other", "Another purpose (described)"


class Part2Consent(models.Model):
    """One written consent of 42 CFR §2.31, on paper (scanned) or signed on the portal."""

    class RecipientKind(models.TextChoices):
        NAMED = "named", "Named person or organisation"
        CLASS = "class", "Class of recipients"

    class SignedVia(models.TextChoices):
        PAPER = "paper", "On paper (scanned)"
        PORTAL = "portal", "On the patient portal"

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="part2_consents")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="part2_consents")
    patient_name = models.CharField(max_length=210, validators=[validate_plain_text])
    disclosing_party = models.CharField(
        max_length=300, validators=[validate_plain_text], help_text="Who may use or disclose the records."
    )
    information_description = models.TextField(
        max_length=2000,
        validators=[validate_plain_text],
        help_text="A specific, meaningful description of the information to be used or disclosed.",
    )
    recipient_kind = models.CharField(max_length=10, choices=RecipientKind.choices)
    recipient = models.CharField(
        max_length=300, validators=[validate_plain_text], help_text="The recipient's name, or the class."
    )
    recipient_is_covered_entity = models.BooleanField(
        default=False, help_text="The recipient is a HIPAA covered entity or business associate."
    )
    hipaa_statement = models.TextField(max_length=2000, blank=True, validators=[validate_plain_text])
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    purpose_description = models.CharField(max_length=300, blank=True, validators=[validate_plain_text])
    revocation_statement = models.CharField(max_length=300, validators=[validate_plain_text])
    expires_on = models.DateField(null=True, blank=True)
    expiry_event = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_plain_text],
        help_text='An event or condition instead of a date ("end of treatment", or "none" for TPO).',
    )
    signed_via = models.CharField(max_length=10, choices=SignedVia.choices)
    signature = models.CharField(max_length=210, blank=True, validators=[validate_plain_text])
    signed_on = models.DateField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    scan = models.FileField(storage=private_files, upload_to="consents/", blank=True, max_length=200)
    scan_content_type = models.CharField(max_length=40, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_note = models.CharField(max_length=300, blank=True, validators=[validate_plain_text])
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=False) | ~Q(expiry_event=""), name="consent_has_expiry"
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True) | (~Q(signature="") & Q(signed_on__isnull=False)),
                name="signed_consent_has_signature_and_date",
            ),
            models.CheckConstraint(
                condition=Q(recipient_is_covered_entity=False) | ~Q(hipaa_statement=""),
                name="covered_entity_consent_has_hipaa_statement",
            ),
            models.CheckConstraint(
                condition=~Q(purpose="other") | ~Q(purpose_description=""), name="other_purpose_described"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revocation_note=""),
                name="revocation_is_in_writing",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent {self.pk} to {self.recipient} ({self.get_purpose_display()})"


class Disclosure(models.Model):
    """One disclosure of identifiable records to someone outside the programme."""

    class Basis(models.TextChoices):
        CONSENT = "consent", "Written consent"
        MEDICAL_EMERGENCY = "medical_emergency", "Medical emergency (clinic policy)"

    class Channel(models.TextChoices):
        FHIR_READ = "fhir_read", "FHIR read"
        FHIR_EVERYTHING = "fhir_everything", "FHIR record export ($everything)"
        PDF = "pdf", "Printed or PDF record"
        BULK_EXPORT = "bulk_export", "FHIR Bulk Data export file"

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="disclosures")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="disclosures")
    consent = models.ForeignKey(
        Part2Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="disclosures"
    )
    basis = models.CharField(max_length=20, choices=Basis.choices)
    emergency_reason = models.CharField(max_length=300, blank=True, validators=[validate_plain_text])
    recipient = models.CharField(max_length=300, validators=[validate_plain_text])
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    # Written by KetaCare, not typed: every resource type of an export must fit, never cut short.
    information = models.TextField(max_length=2000, help_text="What was disclosed (resource types, format).")
    notice = models.TextField(max_length=4000)
    disclosed_at = models.DateTimeField()
    disclosed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-disclosed_at", "-id"]
        indexes = [models.Index(fields=["patient", "disclosed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(basis="consent") & Q(consent__isnull=False))
                | (Q(basis="medical_emergency") & ~Q(emergency_reason="")),
                name="disclosure_has_a_basis",
            ),
            models.CheckConstraint(condition=~Q(notice=""), name="disclosure_carries_notice"),
        ]

    def __str__(self) -> str:
        return f"Disclosure {self.pk} to {self.recipient}"


class BulkExport(models.Model):
    """A FHIR Bulk Data `$export` request, run by the database task worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        COMPLETE = "complete", "Complete"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    group_clinic = models.ForeignKey(
        "accounts.Clinic", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    clinic_ids = models.JSONField(default=list)
    deidentified = models.BooleanField(default=False)
    recipient = models.CharField(max_length=300, blank=True, validators=[validate_plain_text])
    purpose = models.CharField(max_length=12, choices=Purpose.choices, blank=True)
    request_url = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.CharField(max_length=100, blank=True)
    output = models.JSONField(default=list)
    error = models.CharField(max_length=300, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(deidentified=True) | (~Q(recipient="") & ~Q(purpose="")),
                name="identified_export_names_recipient",
            )
        ]

    def __str__(self) -> str:
        return f"Bulk export {self.pk} ({self.status})"
