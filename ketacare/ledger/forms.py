"""The ledger's forms: what a nurse or administrator types, bounded before a service sees it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet

from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Role
from ketacare.dosing.models import DosingSession
from ketacare.forms_util import DateInput, DateTimeInput
from ketacare.ledger.models import (
    CONTAINER_ML_MAX,
    QUANTITY_MG_MAX,
    STRENGTH_MG_PER_ML_MAX,
    Count,
    LedgerSettings,
    Lot,
    Product,
    StorageLocation,
)

QUANTITY = {
    "min_value": Decimal("0.001"),
    "max_value": QUANTITY_MG_MAX,
    "max_digits": 12,
    "decimal_places": 3,
}


def _lots(clinic: Clinic) -> QuerySet[Lot]:
    return (
        Lot.objects.filter(product__clinic=clinic)
        .select_related("product")
        .order_by("expires_on", "lot_number")
    )


def witnesses_of(clinic: Clinic) -> QuerySet[User]:
    """Nurses and prescribers of the clinic (the service also checks their credentials on the day)."""
    roles = [str(Role.PRESCRIBER), str(Role.NURSE)]
    return (
        User.objects.filter(memberships__clinic=clinic, memberships__active=True, memberships__role__in=roles)
        .distinct()
        .order_by("display_name", "username")
    )


class LotChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.product} · lot {obj.lot_number} · expires {obj.expires_on:%Y-%m-%d}"


class SettingsForm(forms.ModelForm):
    class Meta:
        model = LedgerSettings
        fields = ["registration_number", "count_frequency", "waste_requires_witness"]
        labels = {
            "registration_number": "Clinic's DEA registration number",
            "count_frequency": "Scheduled count (clinic-set)",
            "waste_requires_witness": "Waste and destruction need a witness (clinic policy)",
        }


class LocationForm(forms.Form):
    name = forms.CharField(max_length=100, label="Location name")
    kind = forms.ChoiceField(choices=StorageLocation.Kind.choices, label="Kind of location")
    registration_number = forms.CharField(
        max_length=20,
        required=False,
        label="Registration number",
        help_text="Only if it differs from the clinic's.",
    )


class ProductForm(forms.Form):
    name = forms.CharField(max_length=150, label="Product name")
    strength_mg_per_ml = forms.DecimalField(
        min_value=Decimal("0.001"),
        max_value=STRENGTH_MG_PER_ML_MAX,
        max_digits=8,
        decimal_places=3,
        label="Strength (mg/mL)",
    )
    strength_basis = forms.ChoiceField(
        choices=Product.Basis.choices, label="The label states the strength as", initial="base"
    )
    container_ml = forms.DecimalField(
        min_value=Decimal("0.001"),
        max_value=CONTAINER_ML_MAX,
        max_digits=8,
        decimal_places=3,
        label="Container size (mL)",
    )
    schedule = forms.ChoiceField(choices=Product.Schedule.choices, initial="III", label="Schedule")


class LotForm(forms.Form):
    product = forms.ModelChoiceField(queryset=Product.objects.none(), label="Product of the lot")
    lot_number = forms.CharField(max_length=40, label="Lot number")
    expires_on = forms.DateField(widget=DateInput(), label="Expiry date")

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(clinic=clinic)  # type: ignore[attr-defined]


class ReceiveForm(forms.Form):
    lot = LotChoice(queryset=Lot.objects.none(), label="Lot")
    location = forms.ModelChoiceField(queryset=StorageLocation.objects.none(), label="Received into")
    containers = forms.IntegerField(
        min_value=1,
        max_value=10000,
        label="Number of containers (vials)",
        help_text="The quantity is containers × container size × strength.",
    )
    supplier_name = forms.CharField(max_length=200, label="Supplier")
    supplier_address = forms.CharField(max_length=300, required=False, label="Supplier's address")
    supplier_registration_number = forms.CharField(
        max_length=20, required=False, label="Supplier's DEA number"
    )
    invoice_number = forms.CharField(max_length=60, label="Invoice or packing-slip number")
    received_on = forms.DateField(widget=DateInput(), label="Date actually received")

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lot"].queryset = _lots(clinic)  # type: ignore[attr-defined]
        self.fields["location"].queryset = StorageLocation.objects.filter(clinic=clinic)  # type: ignore[attr-defined]


SESSION_KIND_CHOICES = [
    ("draw", "Draw for the session"),
    ("administration", "Administered"),
    ("waste", "Wasted (needs a witness)"),
    ("return", "Returned to stock"),
]


class SessionEntryForm(forms.Form):
    """Draw, administration, waste or return for one session. The witness of a waste types their
    own password here, on the same screen, at the moment they watch the waste."""

    kind = forms.ChoiceField(choices=SESSION_KIND_CHOICES, label="What happened")
    session = forms.ModelChoiceField(queryset=DosingSession.objects.none(), label="Dosing session")
    lot = LotChoice(queryset=Lot.objects.none(), label="Lot")
    quantity_mg = forms.DecimalField(**QUANTITY, label="Quantity (mg)")  # type: ignore[arg-type]
    location = forms.ModelChoiceField(
        queryset=StorageLocation.objects.none(),
        required=False,
        label="Location",
        help_text="Draw: where from (default: where the lot is). Otherwise: where it was drawn from.",
    )
    witness = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="Witness")
    witness_password = forms.CharField(
        required=False,
        max_length=128,
        label="Witness's password",
        widget=forms.PasswordInput(render_value=False),
        help_text="The witness types it themself.",
    )
    reason = forms.CharField(max_length=500, required=False, label="Note or reason")
    occurred_at = forms.DateTimeField(
        required=False, widget=DateTimeInput(), label="When", help_text="Leave empty for now."
    )

    def __init__(self, *args: Any, clinic: Clinic, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sessions = DosingSession.objects.filter(
            patient__clinic=clinic, signed_at__isnull=True
        ).select_related("patient")
        self.fields["session"].queryset = sessions  # type: ignore[attr-defined]
        self.fields["session"].label_from_instance = lambda s: (  # type: ignore[attr-defined]
            f"{s.patient.full_name} · {s.dose_mg} mg · {s.get_status_display()} · #{s.pk}"
        )
        self.fields["lot"].queryset = _lots(clinic)  # type: ignore[attr-defined]
        self.fields["location"].queryset = StorageLocation.objects.filter(clinic=clinic)  # type: ignore[attr-defined]
        self.fields["witness"].queryset = witnesses_of(clinic).exclude(pk=user.pk)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("witness") is not None and not data.get("witness_password"):
            self.add_error("witness_password", "The witness must type their password.")
        return data


class ReverseForm(forms.Form):
    reason = forms.CharField(max_length=500, label="Why this entry is wrong")


class StockEntryForm(forms.Form):
    """Destruction, loss or theft, recorded by a clinic administrator."""

    kind = forms.ChoiceField(
        choices=[("destruction", "Expiry or destruction"), ("loss", "Loss or theft")], label="What happened"
    )
    lot = LotChoice(queryset=Lot.objects.none(), label="Lot")
    location = forms.ModelChoiceField(queryset=StorageLocation.objects.none(), label="Location")
    quantity_mg = forms.DecimalField(**QUANTITY, label="Quantity (mg)")  # type: ignore[arg-type]
    loss_kind = forms.ChoiceField(
        choices=[("loss", "Loss"), ("theft", "Theft")], label="Loss or theft", required=False
    )
    witness = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="Witness")
    witness_password = forms.CharField(
        required=False,
        max_length=128,
        label="Witness's password",
        widget=forms.PasswordInput(render_value=False),
    )
    reason = forms.CharField(max_length=500, label="Reason")

    def __init__(self, *args: Any, clinic: Clinic, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lot"].queryset = _lots(clinic)  # type: ignore[attr-defined]
        self.fields["location"].queryset = StorageLocation.objects.filter(clinic=clinic)  # type: ignore[attr-defined]
        self.fields["witness"].queryset = witnesses_of(clinic).exclude(pk=user.pk)  # type: ignore[attr-defined]


class CountForm(forms.Form):
    """One field per lot the location holds (and any lot of the clinic found there)."""

    kind = forms.ChoiceField(choices=Count.Kind.choices, initial="scheduled", label="Kind of count")

    def __init__(self, *args: Any, lots: list[Lot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lots = lots
        for lot in lots:
            self.fields[f"lot_{lot.pk}"] = forms.DecimalField(
                min_value=Decimal("0"),
                max_value=QUANTITY_MG_MAX,
                max_digits=12,
                decimal_places=3,
                label=f"{lot.product.name}, lot {lot.lot_number}: counted (mg)",
                help_text=f"{lot.product.container_mg.normalize():f} mg per full container.",
            )

    def counted(self) -> dict[Lot, Decimal]:
        return {lot: self.cleaned_data[f"lot_{lot.pk}"] for lot in self.lots}


class ResolveForm(forms.Form):
    reason = forms.CharField(max_length=500, label="How the discrepancy was explained")
    adjust = forms.BooleanField(
        required=False, initial=True, label="Bring the ledger to the counted amount (adjustment entry)"
    )


class ReportForm(forms.Form):
    start = forms.DateField(widget=DateInput(), label="From")
    end = forms.DateField(widget=DateInput(), label="To (inclusive)")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "The end of the period is before its start.")
        return data


class TransferForm(forms.Form):
    lot = LotChoice(queryset=Lot.objects.none(), label="Lot")
    location = forms.ModelChoiceField(queryset=StorageLocation.objects.none(), label="From")
    to_location = forms.ModelChoiceField(queryset=StorageLocation.objects.none(), label="To")
    quantity_mg = forms.DecimalField(**QUANTITY, label="Quantity (mg)")  # type: ignore[arg-type]
    reason = forms.CharField(max_length=500, required=False, label="Note")

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lot"].queryset = _lots(clinic)  # type: ignore[attr-defined]
        places = StorageLocation.objects.filter(clinic=clinic)
        self.fields["location"].queryset = places  # type: ignore[attr-defined]
        self.fields["to_location"].queryset = places  # type: ignore[attr-defined]


class LossNoticeForm(forms.Form):
    notice_sent_at = forms.DateTimeField(required=False, widget=DateTimeInput(), label="Written notice sent")
    form_106_filed_at = forms.DateTimeField(required=False, widget=DateTimeInput(), label="Form 106 filed")
    form_106_reference = forms.CharField(max_length=60, required=False, label="Form 106 reference")
