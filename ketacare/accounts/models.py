"""Users, clinics, memberships (a user's role in a clinic), clinician credentials and API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from ketacare.accounts.roles import Role


class User(AbstractUser):
    """Anyone who logs in: staff of one or more clinics, or a patient using the portal."""

    display_name = models.CharField(max_length=150, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class Clinic(models.Model):
    """A site of the programme (FHIR Organization). Patients and staff belong to clinics."""

    class LifeSupport(models.TextChoices):
        ACLS = "acls", "ACLS"
        BLS = "bls", "BLS"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    # Clinic policy, not a guideline number: which life-support certificate a clinician who
    # administers ketamine must hold. See docs/security.md.
    administering_requires = models.CharField(
        max_length=8, choices=LifeSupport.choices, default=LifeSupport.ACLS
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """One user's role in one clinic; a user may belong to several clinics."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When and why an administrator ended it; cleared on reactivation (the history keeps them).
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic"], name="one_membership_per_user_and_clinic"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_is_known"),
            models.CheckConstraint(
                condition=Q(active=False) | Q(ended_at__isnull=True, end_reason=""),
                name="active_membership_has_no_end",
                violation_error_message="An active membership cannot have an end date or reason.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} at {self.clinic}"


class Credential(models.Model):
    """A clinician's professional licence or life-support certificate, with its expiry."""

    class Kind(models.TextChoices):
        LICENCE = "licence", "Professional licence"
        ACLS = "acls", "ACLS certificate"
        BLS = "bls", "BLS certificate"

    class LicenceType(models.TextChoices):
        PHYSICIAN = "physician", "Physician (MD/DO)"
        NURSE_PRACTITIONER = "nurse_practitioner", "Nurse practitioner"
        REGISTERED_NURSE = "registered_nurse", "Registered nurse"
        PSYCHOLOGIST = "psychologist", "Psychologist"
        COUNSELLOR = "counsellor", "Licensed counsellor or social worker"
        NOT_APPLICABLE = "", "Not applicable"

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="credentials")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    licence_type = models.CharField(max_length=30, choices=LicenceType.choices, blank=True)
    number = models.CharField(max_length=64, blank=True)
    jurisdiction = models.CharField(max_length=100, blank=True)
    expires_on = models.DateField()
    revoked = models.BooleanField(default=False)
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="licence") | (~Q(licence_type="") & ~Q(number="") & ~Q(jurisdiction="")),
                name="licence_has_type_number_and_jurisdiction",
                violation_error_message="A professional licence needs its type, number and jurisdiction.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number} (expires {self.expires_on})"


class ApiToken(models.Model):
    """A bearer token for API clients. Only a SHA-256 hash is kept; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise a token.")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Tokens expire (ketacare/accounts/tokens.py); tokens made before expiry existed have none and
    # count from their creation.
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class PasswordResetLink(models.Model):
    """A one-time link a clinic administrator issues so a staff member can set a new password
    (ketacare/accounts/password_reset.py). Only a SHA-256 hash of the link's secret is kept; the
    link is shown once. It works once, until it expires, and a newer link for the same user cancels it."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="password_reset_links")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    issued_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(cancelled_at__isnull=True),
                name="reset_link_used_or_cancelled_not_both",
            ),
        ]

    def __str__(self) -> str:
        return f"Password reset link for {self.user} (expires {self.expires_at:%Y-%m-%d %H:%M})"
