"""42 CFR Part 2 in KetaCare: consents (record, sign, revoke), the consent check before every
disclosure, the Disclosure log, and the accounting of disclosures.  Services write (keyword-only,
atomic, audited); selectors read (scoped to the user, audited).  docs/privacy.md explains the design.

In-clinic use by the programme's own staff (a clinician reading the chart or exporting it without
naming a recipient) is use within the programme and is not logged as a disclosure; whenever an
API caller or a page names an outside recipient, the record leaves the programme: that is a
disclosure and goes through `disclose`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Action, Role, role_may
from ketacare.accounts.selectors import role_in
from ketacare.audit.actions import AuditAction
from ketacare.audit.models import AuditEvent
from ketacare.audit.services import record_event
from ketacare.interop import part2
from ketacare.interop.models import ClinicPrivacySettings, Disclosure, Part2Consent, Purpose
from ketacare.patients.models import Patient
from ketacare.patients.selectors import get_patient_for
from ketacare.records import save_audited

# An engineering limit, not a clinical one: a scanned consent of a few pages.
SCAN_MAX_BYTES = 10 * 1024 * 1024
# Accepted scans, recognised by their first bytes, not by the name or the browser's claim.
SCAN_SIGNATURES = {
    b"%PDF-": ("application/pdf", ".pdf"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
}
TPO_PURPOSES = frozenset({Purpose.TPO, Purpose.TREATMENT, Purpose.PAYMENT, Purpose.OPERATIONS})


class DisclosureRefused(ValidationError):
    """No consent covers this recipient and purpose (and no exception of the clinic's applies)."""


# ---------------------------------------------------------------- settings


def privacy_settings(clinic: Clinic) -> ClinicPrivacySettings | None:
    return ClinicPrivacySettings.objects.filter(clinic=clinic).first()


def _require_role(user: User, clinic: Clinic, action: Action) -> Role:
    role = role_in(user, clinic)
    if role is None or role == Role.PATIENT:
        raise Http404("No such clinic among yours.")
    if not role_may(role, action):
        record_event(
            actor=user,
            action=action,
            clinic=clinic,
            entity_type="accounts.clinic",
            entity_id=str(clinic.pk),
            outcome=AuditEvent.Outcome.DENIED,
        )
        raise PermissionDenied(f"Your role ({role.label}) may not do this.")
    return role


def save_privacy_settings(
    *,
    by: User,
    clinic: Clinic,
    disclosure_notice: str,
    hipaa_redisclosure_statement: str,
    allow_medical_emergency: bool,
) -> ClinicPrivacySettings:
    _require_role(by, clinic, Action.MANAGE_PRIVACY_SETTINGS)
    with transaction.atomic():
        chosen = privacy_settings(clinic) or ClinicPrivacySettings(clinic=clinic)
        chosen.disclosure_notice = disclosure_notice.strip()
        chosen.hipaa_redisclosure_statement = hipaa_redisclosure_statement.strip()
        chosen.allow_medical_emergency = allow_medical_emergency
        chosen.updated_by = by
        save_audited(chosen, by=by, action=AuditAction.UPDATE, clinic=clinic)
    return chosen


# ---------------------------------------------------------------- consents


def _check_scan(scan: UploadedFile) -> str:
    if scan.size is None or scan.size > SCAN_MAX_BYTES:
        raise ValidationError({"scan": "The scan is larger than 10 MB; scan at a lower resolution."})
    if scan.size == 0:
        raise ValidationError({"scan": "The scan is empty."})
    head = scan.read(16)
    scan.seek(0)
    for magic, (content_type, extension) in SCAN_SIGNATURES.items():
        if head.startswith(magic):
            scan.name = f"consent{extension}"  # never the uploaded name
            return content_type
    raise ValidationError({"scan": "The scan must be a PDF, PNG or JPEG file."})


@transaction.atomic
def record_consent(
    *,
    by: User,
    patient: Patient,
    disclosing_party: str,
    information_description: str,
    recipient_kind: str,
    recipient: str,
    recipient_is_covered_entity: bool,
    purpose: str,
    purpose_description: str = "",
    expires_on: dt.date | None = None,
    expiry_event: str = "",
    signed_via: str,
    signature: str = "",
    signed_on: dt.date | None = None,
    scan: UploadedFile | None = None,
) -> Part2Consent:
    """A consent with every element of §2.31. On paper it arrives signed, with its scan; on the portal
    it waits for the patient's signature."""
    patient = get_patient_for(by, patient.pk, Action.MANAGE_CONSENTS)
    recipient = recipient.strip()
    if purpose == Purpose.TPO and recipient_kind == Part2Consent.RecipientKind.CLASS and not recipient:
        recipient = part2.TPO_RECIPIENT_WORDING
    consent = Part2Consent(
        clinic=patient.clinic,
        patient=patient,
        patient_name=f"{patient.given_name} {patient.family_name}",
        disclosing_party=disclosing_party.strip(),
        information_description=information_description.strip(),
        recipient_kind=recipient_kind,
        recipient=recipient,
        recipient_is_covered_entity=recipient_is_covered_entity,
        purpose=purpose,
        purpose_description=purpose_description.strip(),
        revocation_statement=part2.REVOCATION_STATEMENT,
        expires_on=expires_on,
        expiry_event=expiry_event.strip(),
        signed_via=signed_via,
        recorded_by=by,
    )
    errors: dict[str, str] = {}
    if expires_on is None and not consent.expiry_event:
        errors["expiry_event"] = 'Give an expiry date or an event ("end of treatment"; "none" for TPO).'
    if expires_on is not None and expires_on < timezone.localdate():
        errors["expires_on"] = "The expiry date is in the past."
    if purpose == Purpose.OTHER and not consent.purpose_description:
        errors["purpose_description"] = "Describe the purpose."
    if recipient_is_covered_entity:
        chosen = privacy_settings(patient.clinic)
        if chosen is None or not chosen.hipaa_redisclosure_statement:
            errors["recipient_is_covered_entity"] = (
                "Your clinic administrator must first paste the HIPAA redisclosure statement of "
                "§2.31(a)(4)(iii) in the privacy settings."
            )
        else:
            consent.hipaa_statement = chosen.hipaa_redisclosure_statement
    if signed_via == Part2Consent.SignedVia.PAPER:
        if scan is None:
            errors["scan"] = "Attach the scan of the signed paper consent."
        if not signature.strip():
            errors["signature"] = "Type the name as signed on the paper consent."
        if signed_on is None:
            errors["signed_on"] = "Give the date the patient signed."
        elif signed_on > timezone.localdate():
            errors["signed_on"] = "The signature date cannot be in the future."
        if scan is not None and "scan" not in errors:
            try:
                consent.scan_content_type = _check_scan(scan)
            except ValidationError as exc:
                errors.update({k: v[0] for k, v in exc.message_dict.items()})
    elif scan is not None or signature or signed_on:
        errors["signed_via"] = "A portal consent is signed by the patient on the portal, not here."
    if errors:
        raise ValidationError(errors)
    if signed_via == Part2Consent.SignedVia.PAPER:
        consent.signature = signature.strip()
        consent.signed_on = signed_on
        consent.signed_at = timezone.now()
        consent.scan = scan  # type: ignore[assignment]
    save_audited(
        consent,
        by=by,
        action=AuditAction.CREATE,
        patient=patient,
        detail={"purpose": purpose, "signed_via": signed_via},
    )
    return consent


def consent_for(user: User, consent_id: int, action: Action = Action.VIEW_PATIENT) -> Part2Consent:
    """The consent, if this user may see it (staff of its clinic, or the patient it belongs to)."""
    consent = Part2Consent.objects.select_related("patient", "clinic").filter(pk=consent_id).first()
    if consent is None:
        record_event(
            actor=user,
            action=AuditAction.READ,
            entity_type="interop.part2consent",
            entity_id=str(consent_id),
            outcome=AuditEvent.Outcome.NOT_FOUND,
        )
        raise Http404("No such consent.")
    get_patient_for(user, consent.patient_id, action)  # 404 / 403, audited
    return consent


def consents_of(user: User, patient_id: int) -> QuerySet[Part2Consent]:
    patient = get_patient_for(user, patient_id)
    return Part2Consent.objects.filter(patient=patient).select_related("recorded_by", "revoked_by")


def consent_state(consent: Part2Consent, at: dt.datetime | None = None) -> str:
    at = at or timezone.now()
    if consent.revoked_at is not None and consent.revoked_at <= at:
        return "revoked"
    if consent.signed_at is None:
        return "awaiting signature"
    if consent.expires_on is not None and consent.expires_on < timezone.localdate(at):
        return "expired"
    return "in force"


@transaction.atomic
def sign_on_portal(*, by: User, consent: Part2Consent, signature: str) -> Part2Consent:
    """The patient signs a consent prepared for them, on the portal, typing their full name."""
    consent = Part2Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.patient.portal_user_id != by.pk:
        raise Http404("No such consent.")
    if consent.signed_at is not None or consent.revoked_at is not None:
        raise ValidationError("This consent is already signed or revoked.")
    typed = " ".join(signature.split())
    if typed.casefold() != " ".join(consent.patient_name.split()).casefold():
        raise ValidationError({"signature": f"Type your full name exactly: {consent.patient_name}."})
    consent.signature = typed
    consent.signed_on = timezone.localdate()
    consent.signed_at = timezone.now()
    save_audited(consent, by=by, action=AuditAction.SIGN, patient=consent.patient, clinic=consent.clinic)
    return consent


@transaction.atomic
def revoke_consent(*, by: User, consent: Part2Consent, note: str) -> Part2Consent:
    """Revocation in writing (the note is the writing, or describes the letter received). It takes
    effect at once: the next disclosure request no longer finds this consent."""
    own = consent.patient.portal_user_id == by.pk
    if not own:
        consent = consent_for(by, consent.pk, Action.MANAGE_CONSENTS)
    consent = Part2Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.revoked_at is not None:
        raise ValidationError("This consent is already revoked.")
    note = note.strip()
    if not note:
        raise ValidationError({"note": "A revocation is in writing: write it, or say how it was received."})
    consent.revoked_at = timezone.now()
    consent.revoked_by = by
    consent.revocation_note = note
    save_audited(consent, by=by, action=AuditAction.REVOKE, patient=consent.patient, clinic=consent.clinic)
    return consent


# ---------------------------------------------------------------- disclosures


@dataclass(frozen=True)
class DisclosureRequest:
    recipient: str
    purpose: str
    consent_id: int | None = None
    emergency_reason: str = ""


def _normal(name: str) -> str:
    return " ".join(name.split()).casefold()


def _covers(consent: Part2Consent, request: DisclosureRequest, at: dt.datetime) -> bool:
    if consent_state(consent, at) != "in force":
        return False
    if consent.purpose != request.purpose and not (
        consent.purpose == Purpose.TPO and request.purpose in TPO_PURPOSES
    ):
        return False
    if consent.recipient_kind == Part2Consent.RecipientKind.NAMED:
        return _normal(consent.recipient) == _normal(request.recipient)
    # A class of recipients cannot be matched by name: the discloser cites the consent, attesting
    # that this recipient belongs to the class (recorded in the Disclosure row).
    return request.consent_id == consent.pk


def covering_consent(patient: Patient, request: DisclosureRequest) -> Part2Consent | None:
    at = timezone.now()
    candidates = Part2Consent.objects.filter(
        patient=patient, signed_at__isnull=False, revoked_at__isnull=True
    )
    if request.consent_id is not None:
        candidates = candidates.filter(pk=request.consent_id)
    return next((c for c in candidates.order_by("-signed_at", "-id") if _covers(c, request, at)), None)


def _refuse(by: User, patient: Patient, request: DisclosureRequest, message: str) -> None:
    record_event(
        actor=by,
        action=AuditAction.DISCLOSE,
        entity=patient,
        clinic=patient.clinic,
        patient_id=patient.pk,
        detail={"purpose": request.purpose, "refused": "no consent"},
        outcome=AuditEvent.Outcome.DENIED,
    )
    raise DisclosureRefused(message)


def disclose(
    *,
    by: User,
    patient: Patient,
    request: DisclosureRequest,
    channel: str,
    information: str,
) -> Disclosure:
    """Check that a consent in force covers this recipient and purpose (or that the clinic's
    emergency policy applies), then log the disclosure with the notice it carries. Refused with a
    clear message otherwise, and the refusal audited; nothing leaves."""
    patient = get_patient_for(by, patient.pk, Action.DISCLOSE)
    recipient = request.recipient.strip()
    if not recipient:
        raise ValidationError({"recipient": "Name the recipient of the disclosure."})
    if request.purpose not in Purpose.values:
        raise ValidationError({"purpose": f"The purpose must be one of {', '.join(Purpose.values)}."})
    chosen = privacy_settings(patient.clinic)
    if chosen is None or not chosen.disclosure_notice:
        raise DisclosureRefused(
            "Your clinic has not yet pasted the 42 CFR §2.32 notice that must accompany every "
            "disclosure (privacy settings); nothing can be disclosed until it does."
        )
    consent = covering_consent(patient, request)
    basis = Disclosure.Basis.CONSENT
    reason = request.emergency_reason.strip()
    if consent is None:
        if not reason:
            _refuse(
                by,
                patient,
                request,
                f"No consent in force covers disclosure to {recipient} for "
                f"{Purpose(request.purpose).label.lower()}. Record the patient's written consent first"
                + (
                    ", or cite a class consent by its number."
                    if request.consent_id is None
                    else " (the cited consent is revoked, expired, unsigned or for another purpose)."
                ),
            )
        if not chosen.allow_medical_emergency:
            _refuse(by, patient, request, "Your clinic's policy allows no disclosure without consent.")
        basis = Disclosure.Basis.MEDICAL_EMERGENCY
    with transaction.atomic():
        disclosure = Disclosure(
            clinic=patient.clinic,
            patient=patient,
            consent=consent,
            basis=basis,
            emergency_reason=reason if consent is None else "",
            recipient=recipient,
            purpose=request.purpose,
            channel=channel,
            information=information,
            notice=chosen.disclosure_notice,
            disclosed_at=timezone.now(),
            disclosed_by=by,
        )
        save_audited(
            disclosure,
            by=by,
            action=AuditAction.DISCLOSE,
            patient=patient,
            detail={"channel": channel, "basis": basis, "consent_id": consent.pk if consent else None},
        )
    return disclosure


def accounting(user: User, patient_id: int, *, as_of: dt.datetime | None = None) -> QuerySet[Disclosure]:
    """§2.25: the disclosures of the 3 years before the request, newest first (audited as a read).
    Disclosures in a medical emergency are listed too, marked as such."""
    patient = get_patient_for(user, patient_id)
    as_of = as_of or timezone.now()
    since = accounting_start(as_of)
    record_event(
        actor=user,
        action=AuditAction.READ,
        entity_type="interop.accounting",
        entity_id=str(patient.pk),
        clinic=patient.clinic,
        patient_id=patient.pk,
    )
    return (
        Disclosure.objects.filter(patient=patient, disclosed_at__gte=since, disclosed_at__lte=as_of)
        .select_related("disclosed_by", "consent")
        .order_by("-disclosed_at", "-id")
    )


def accounting_start(as_of: dt.datetime) -> dt.datetime:
    try:
        return as_of.replace(year=as_of.year - part2.ACCOUNTING_YEARS)
    except ValueError:  # 29 February
        return as_of.replace(year=as_of.year - part2.ACCOUNTING_YEARS, day=28)
