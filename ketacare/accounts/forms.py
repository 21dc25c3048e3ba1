from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.validators import MaxValueValidator
from django.db.models import QuerySet

from ketacare.accounts.models import Clinic, Credential
from ketacare.accounts.roles import STAFF_ROLES, Role
from ketacare.text_input import PASSWORD_MAX_LENGTH

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


def password_field(label: str, help_text: str = "") -> forms.CharField:
    # "new-password" keeps the browser from filling in a saved password.
    return forms.CharField(
        label=label,
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=help_text,
    )


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
    password = password_field(
        "Initial password",
        "At least 10 characters, not a common one. They set up two-factor login when they first log in.",
    )
    password_again = password_field("Initial password again")

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


class NewApiTokenForm(forms.Form):
    """A token for oneself: a name, a lifetime within the policy, and the authenticator code again."""

    name = forms.CharField(
        max_length=100,
        label="Name",
        help_text="What the token is for, e.g. 'ward tablet' or 'lab import script'.",
    )
    days = forms.IntegerField(min_value=1, label="Lifetime in days")
    otp_token = forms.CharField(
        label="Current code from your authenticator app",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, max_days: int, needs_code: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        days = self.fields["days"]
        days.max_value = max_days  # type: ignore[attr-defined]
        days.initial = max_days
        days.help_text = f"At most {max_days} days (your installation's policy)."
        days.validators.append(MaxValueValidator(max_days))
        days.widget.attrs["max"] = max_days
        if not needs_code:
            del self.fields["otp_token"]


class PasswordResetIssueForm(forms.Form):
    """What an administrator decides when issuing a password-reset link."""

    revoke_tokens = forms.BooleanField(
        required=False,
        label="Also revoke their API tokens now",
        help_text="Choose this if the account may have been misused. Their tokens stay otherwise.",
    )
    send_email = forms.BooleanField(
        required=False,
        label="Also e-mail the link to the address on file",
        help_text="You are shown the link either way, to hand over in person.",
    )


class NewPasswordForm(forms.Form):
    password = password_field(
        "New password", "At least 10 characters, not a common one, not like your username."
    )
    password_again = password_field("New password again")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        again = data.pop("password_again", None)
        if data.get("password") and again is not None and data["password"] != again:
            self.add_error("password_again", "The two passwords differ. Type the same one twice.")
        return data
