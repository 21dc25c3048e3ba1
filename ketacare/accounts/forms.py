from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db.models import QuerySet

from ketacare.accounts.models import Clinic, Credential
from ketacare.accounts.roles import STAFF_ROLES, Role

# In the order Role declares them; patients never get a staff role.
STAFF_ROLE_CHOICES = [(role.value, role.label) for role in Role if role in STAFF_ROLES]


class TokenForm(forms.Form):
    token = forms.CharField(
        label="6-digit code from your authenticator app",
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError("The code is digits only.")
        return token


class CredentialForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Credential
        fields = ["kind", "licence_type", "number", "jurisdiction", "expires_on"]
        widgets = {"expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        labels = {"number": "Number", "expires_on": "Expires on"}
        help_texts = {"licence_type": "For a professional licence only."}


class StaffMemberForm(forms.Form):
    """A new staff login and its role in one of the administrator's clinics."""

    clinic = forms.ModelChoiceField(queryset=Clinic.objects.none(), empty_label=None)
    username = forms.CharField(
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="What they log in with: letters, digits and @ . + - _ only.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    display_name = forms.CharField(max_length=150, label="Name as shown to colleagues")
    email = forms.EmailField(help_text="Safety alerts for their patients are sent here.")
    role = forms.ChoiceField(choices=STAFF_ROLE_CHOICES)
    # "new-password" keeps the browser from filling in the administrator's own password.
    password = forms.CharField(
        label="Initial password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters, not a common one. "
        "They set up two-factor login when they first log in.",
    )
    password_again = forms.CharField(
        label="Initial password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, clinics: QuerySet[Clinic], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = clinics  # type: ignore[attr-defined]
        if len(clinics) == 1:  # the only choice need not be asked
            self.fields["clinic"].widget = forms.HiddenInput()
            self.fields["clinic"].initial = clinics[0].pk

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        again = data.pop("password_again", None)
        if data.get("password") and again is not None and data["password"] != again:
            self.add_error("password_again", "The two passwords differ. Type the same one twice.")
        return data


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=STAFF_ROLE_CHOICES, label="New role")


class EndMembershipForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        label="Why does this membership end?",
        help_text="For example: left the clinic, long leave, moved to another site.",
    )
