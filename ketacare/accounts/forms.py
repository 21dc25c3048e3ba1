from __future__ import annotations

from django import forms

from ketacare.accounts.models import Credential


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
