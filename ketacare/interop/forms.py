"""Forms of the privacy pages (42 CFR Part 2 consents, revocation, the clinic's texts, PDF disclosure)."""

from __future__ import annotations

from django import forms

from ketacare.forms_util import DateInput
from ketacare.interop import part2
from ketacare.interop.models import Part2Consent, Purpose
from ketacare.interop.validators import validate_plain_text

PLAIN = [validate_plain_text]


class ConsentForm(forms.Form):
    disclosing_party = forms.CharField(
        label="Who may use or disclose the records", max_length=300, validators=PLAIN
    )
    information_description = forms.CharField(
        label="Specific description of the information",
        max_length=2000,
        validators=PLAIN,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    recipient_kind = forms.ChoiceField(label="Recipients are", choices=Part2Consent.RecipientKind.choices)
    recipient = forms.CharField(
        label="Recipient's name, or the class",
        max_length=300,
        required=False,
        validators=PLAIN,
        help_text=(
            f'For a single TPO consent, leave empty to use: "{part2.TPO_RECIPIENT_WORDING}" (§2.31(a)(4)(i)).'
        ),
    )
    recipient_is_covered_entity = forms.BooleanField(
        label="The recipient is a HIPAA covered entity or business associate", required=False
    )
    purpose = forms.ChoiceField(label="Purpose", choices=Purpose.choices)
    purpose_description = forms.CharField(
        label="Purpose, in words (required for another purpose)",
        max_length=300,
        required=False,
        validators=PLAIN,
    )
    expires_on = forms.DateField(label="Expires on", required=False, widget=DateInput())
    expiry_event = forms.CharField(
        label="Or expires at (an event)",
        max_length=200,
        required=False,
        validators=PLAIN,
        help_text='"end of treatment", or "none" for a TPO consent.',
    )
    signed_via = forms.ChoiceField(label="Signed", choices=Part2Consent.SignedVia.choices)
    signature = forms.CharField(
        label="Name as signed on paper", max_length=210, required=False, validators=PLAIN
    )
    signed_on = forms.DateField(label="Date signed on paper", required=False, widget=DateInput())
    scan = forms.FileField(
        label="Scan of the signed paper consent (PDF, PNG or JPEG, at most 10 MB)", required=False
    )


class RevokeForm(forms.Form):
    note = forms.CharField(
        label="Revocation in writing (the patient's words, or how the written revocation was received)",
        max_length=300,
        validators=PLAIN,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SignForm(forms.Form):
    signature = forms.CharField(label="Type your full name to sign", max_length=210, validators=PLAIN)


class PrivacySettingsForm(forms.Form):
    disclosure_notice = forms.CharField(
        label="Notice to accompany each disclosure (clinic-set: paste 42 CFR §2.32, 2024 text)",
        max_length=4000,
        required=False,
        validators=PLAIN,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    hipaa_redisclosure_statement = forms.CharField(
        label="HIPAA redisclosure statement (clinic-set: paste §2.31(a)(4)(iii))",
        max_length=2000,
        required=False,
        validators=PLAIN,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    allow_medical_emergency = forms.BooleanField(
        label="Clinic policy: allow disclosure without consent in a medical emergency (recorded as such)",
        required=False,
    )


class PdfDisclosureForm(forms.Form):
    recipient = forms.CharField(label="Recipient", max_length=300, validators=PLAIN)
    purpose = forms.ChoiceField(label="Purpose", choices=Purpose.choices)
    consent_id = forms.IntegerField(
        label="Consent number (for a consent to a class of recipients)", required=False, min_value=1
    )
    emergency_reason = forms.CharField(
        label="Medical emergency, if no consent (where clinic policy allows)",
        max_length=300,
        required=False,
        validators=PLAIN,
    )
