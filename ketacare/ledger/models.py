"""The controlled-substance ledger: fields and constraints only; every write goes through services.py.

Nothing here is updated in place except the balance rows (a running total kept equal to the sum of
the entries, under a row lock) and the follow-up dates of a loss report. A wrong entry is reversed by
a new entry that points at it, with a reason (21 CFR 1304.21(a): a complete and accurate record of
each receipt and disposal).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

# Engineering input bounds (typing errors, not clinical numbers): one entry moves at most 100 g.
QUANTITY_MG_MAX = Decimal("100000")
STRENGTH_MG_PER_ML_MAX = Decimal("1000")
CONTAINER_ML_MAX = Decimal("1000")
TEXT_MAX = 500


class LedgerSettings(models.Model):
    """One clinic's ledger policy. Every field is clinic-set; none is a federal rule."""

    class CountFrequency(models.TextChoices):
        SHIFT = "shift", "Every shift"
        DAILY = "daily", "Daily"

    clinic = models.OneToOneField("accounts.Clinic", on_delete=models.PROTECT, related_name="ledger_settings")
    registration_number = models.CharField(
        max_length=20, blank=True, help_text="The clinic's DEA registration number."
    )
    count_frequency = models.CharField(
        max_length=8, choices=CountFrequency.choices, default=CountFrequency.DAILY, help_text="Clinic-set."
    )
    # Clinic policy, on by default: the verified federal text (§5) names no witness for waste.
    waste_requires_witness = models.BooleanField(
        default=True, help_text="Clinic policy (not a federal rule)."
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(count_frequency__in=["shift", "daily"]), name="ledger_count_frequency_known"
            )
        ]

    def __str__(self) -> str:
        return f"Ledger settings of {self.clinic}"


class StorageLocation(models.Model):
    class Kind(models.TextChoices):
        SAFE = "safe", "Safe"
        CART = "cart", "Cart"

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="storage_locations")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # 21 CFR 1304.21(b): separate records for each registered location. Blank: the clinic's number.
    registration_number = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["clinic_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="ledger_location_name_unique"),
            models.CheckConstraint(condition=Q(kind__in=["safe", "cart"]), name="ledger_location_kind_known"),
        ]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    class Basis(models.TextChoices):
        BASE = "base", "Ketamine base"
        SALT = "salt", "Salt (hydrochloride)"

    class Schedule(models.TextChoices):
        II = "II", "Schedule II"
        III = "III", "Schedule III"
        IV = "IV", "Schedule IV"
        V = "V", "Schedule V"

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="ledger_products")
    name = models.CharField(max_length=150)
    strength_mg_per_ml = models.DecimalField(
        max_digits=8,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(STRENGTH_MG_PER_ML_MAX)],
    )
    strength_basis = models.CharField(
        max_length=4,
        choices=Basis.choices,
        help_text="Whether the label states the strength as base or salt.",
    )
    container_ml = models.DecimalField(
        max_digits=8,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(CONTAINER_ML_MAX)],
    )
    schedule = models.CharField(max_length=3, choices=Schedule.choices, default=Schedule.III)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "name", "strength_mg_per_ml", "container_ml"], name="ledger_product_unique"
            ),
            models.CheckConstraint(
                condition=Q(strength_mg_per_ml__gt=0, strength_mg_per_ml__lte=STRENGTH_MG_PER_ML_MAX),
                name="ledger_product_strength_in_range",
            ),
            models.CheckConstraint(
                condition=Q(container_ml__gt=0, container_ml__lte=CONTAINER_ML_MAX),
                name="ledger_product_container_in_range",
            ),
            models.CheckConstraint(
                condition=Q(strength_basis__in=["base", "salt"]), name="ledger_basis_known"
            ),
            models.CheckConstraint(
                condition=Q(schedule__in=["II", "III", "IV", "V"]), name="ledger_schedule_known"
            ),
        ]

    def __str__(self) -> str:
        strength, container = self.strength_mg_per_ml.normalize(), self.container_ml.normalize()
        return f"{self.name} {strength:f} mg/mL ({self.strength_basis}), {container:f} mL"

    @property
    def container_mg(self) -> Decimal:
        return self.strength_mg_per_ml * self.container_ml


class Lot(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    lot_number = models.CharField(max_length=40)
    expires_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["expires_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "lot_number"], name="ledger_lot_number_unique"),
            models.CheckConstraint(condition=~Q(lot_number=""), name="ledger_lot_number_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} lot {self.lot_number} (exp. {self.expires_on:%Y-%m-%d})"


class Balance(models.Model):
    """The running amount of one lot at one location: always the sum of its entries' stock effect
    (services keep it so under a row lock; a test checks the equality), never below zero."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="balances")
    location = models.ForeignKey(StorageLocation, on_delete=models.PROTECT, related_name="balances")
    balance_mg = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal("0"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["lot_id", "location_id"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "location"], name="ledger_balance_one_per_lot_location"),
            models.CheckConstraint(condition=Q(balance_mg__gte=0), name="ledger_balance_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.lot} at {self.location}: {self.balance_mg} mg"

    @property
    def balance_ml(self) -> Decimal:
        return self.balance_mg / self.lot.product.strength_mg_per_ml


ENTRY_KINDS = [
    "receipt",
    "transfer",
    "draw",
    "administration",
    "return",
    "waste",
    "destruction",
    "loss",
    "adjustment",
    "reversal",
]


class Entry(models.Model):
    """One movement of stock, or one accounting of a drawn amount. Never changed, never deleted.

    `stock_delta_mg` is what it does to the balance of (lot, location): a receipt adds, a draw takes
    out of the safe or cart, a return puts back. `session_delta_mg` is what it does to the amount
    drawn for a session and not yet accounted for: a draw adds, administration, waste and return
    take away. A reversal carries the opposite of both deltas of the entry it reverses.
    """

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Receipt"
        TRANSFER = "transfer", "Transfer"
        DRAW = "draw", "Draw for a session"
        ADMINISTRATION = "administration", "Administration"
        RETURN = "return", "Return to stock"
        WASTE = "waste", "Waste"
        DESTRUCTION = "destruction", "Expiry or destruction"
        LOSS = "loss", "Loss or theft"
        ADJUSTMENT = "adjustment", "Count adjustment"
        REVERSAL = "reversal", "Reversal of a wrong entry"

    class WitnessMethod(models.TextChoices):
        NONE = "", "No witness"
        PASSWORD = "password", "Witness re-entered their password"
        NAMED = "named", "Witness named by the recorder (API)"

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="ledger_entries")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="entries")
    location = models.ForeignKey(StorageLocation, on_delete=models.PROTECT, related_name="entries")
    quantity_mg = models.DecimalField(
        max_digits=12,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(QUANTITY_MG_MAX)],
        help_text="Always positive: how much moved or was accounted for.",
    )
    quantity_ml = models.DecimalField(max_digits=12, decimal_places=4)
    stock_delta_mg = models.DecimalField(max_digits=12, decimal_places=3)
    session_delta_mg = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal("0"))
    session = models.ForeignKey(
        "dosing.DosingSession", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    # Administration: the session's delivered dose (mg of base, from its infusion events or, without
    # any, its recorded dose) when the entry was written; the administered total must equal it.
    delivered_mg = models.DecimalField(
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        help_text="Administration only: the session's delivered dose, mg base, when recorded.",
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    witness_method = models.CharField(max_length=10, choices=WitnessMethod.choices, blank=True)
    reason = models.CharField(max_length=TEXT_MAX, blank=True)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    # The other half of a transfer (out of one location, into another).
    counterpart = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Receipt (21 CFR 1304.21(d): the actual date of receipt, e.g. from the invoice or packing slip).
    supplier_name = models.CharField(max_length=200, blank=True)
    supplier_address = models.CharField(max_length=300, blank=True)
    supplier_registration_number = models.CharField(max_length=20, blank=True)
    invoice_number = models.CharField(max_length=60, blank=True)
    received_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "entries"
        indexes = [
            models.Index(fields=["lot", "location"], name="ledger_entry_lot_location"),
            models.Index(fields=["clinic", "-occurred_at"], name="ledger_entry_clinic_time"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ENTRY_KINDS), name="ledger_entry_kind_known"),
            models.CheckConstraint(
                condition=Q(quantity_mg__gt=0, quantity_mg__lte=QUANTITY_MG_MAX),
                name="ledger_entry_quantity_in_range",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["draw", "administration", "return", "waste"])
                | Q(session__isnull=False),
                name="ledger_session_entries_have_a_session",
            ),
            models.CheckConstraint(
                condition=~Q(kind="receipt")
                | (Q(received_on__isnull=False) & ~Q(supplier_name="") & ~Q(invoice_number="")),
                name="ledger_receipt_has_supplier_invoice_date",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["reversal", "adjustment", "loss", "destruction"]) | ~Q(reason=""),
                name="ledger_entry_reason_required",
            ),
            models.CheckConstraint(
                condition=~Q(kind="reversal") | Q(reverses__isnull=False), name="ledger_reversal_names_entry"
            ),
            models.CheckConstraint(
                condition=Q(witness__isnull=True) | ~Q(witness=models.F("recorded_by")),
                name="ledger_witness_is_another_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity_mg} mg of {self.lot}"


class LossReport(models.Model):
    """The follow-up of a loss or theft (21 CFR 1301.76(b), VERIFIED): written notice to the DEA
    Field Division within one business day of discovery; DEA Form 106 filed electronically."""

    class Kind(models.TextChoices):
        THEFT = "theft", "Theft"
        LOSS = "loss", "Loss"

    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="loss_report")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    discovered_at = models.DateTimeField()
    notice_due_on = models.DateField()
    notice_sent_at = models.DateTimeField(null=True, blank=True)
    form_106_filed_at = models.DateTimeField(null=True, blank=True)
    form_106_reference = models.CharField(max_length=60, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["theft", "loss"]), name="ledger_loss_kind_known")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} report for entry {self.entry_id}"


class Count(models.Model):
    """A physical count of one location: scheduled (the clinic's shift or daily count), the initial
    inventory or the biennial inventory (21 CFR 1304.11(b), (c))."""

    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled count"
        INITIAL = "initial", "Initial inventory"
        BIENNIAL = "biennial", "Biennial inventory"

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="ledger_counts")
    location = models.ForeignKey(StorageLocation, on_delete=models.PROTECT, related_name="counts")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    counted_at = models.DateTimeField()
    counted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-counted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["scheduled", "initial", "biennial"]), name="ledger_count_kind_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.location} at {self.counted_at:%Y-%m-%d %H:%M}"


class CountLine(models.Model):
    count = models.ForeignKey(Count, on_delete=models.PROTECT, related_name="lines")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    counted_mg = models.DecimalField(
        max_digits=12, decimal_places=3, validators=[MinValueValidator(0), MaxValueValidator(QUANTITY_MG_MAX)]
    )
    ledger_mg = models.DecimalField(max_digits=12, decimal_places=3)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["count", "lot"], name="ledger_count_line_one_per_lot"),
            models.CheckConstraint(condition=Q(counted_mg__gte=0), name="ledger_counted_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Count {self.count_id}, lot {self.lot_id}"

    @property
    def difference_mg(self) -> Decimal:
        return self.counted_mg - self.ledger_mg


class Discrepancy(models.Model):
    """A count that disagreed with the ledger: flagged until a clinic administrator resolves it."""

    line = models.OneToOneField(CountLine, on_delete=models.PROTECT, related_name="discrepancy")
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.CharField(max_length=TEXT_MAX, blank=True)
    adjustment = models.OneToOneField(
        Entry, null=True, blank=True, on_delete=models.PROTECT, related_name="resolves"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name_plural = "discrepancies"
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | (Q(resolved_by__isnull=False) & ~Q(resolution="")),
                name="ledger_discrepancy_resolved_with_reason",
            )
        ]

    def __str__(self) -> str:
        return f"Discrepancy {self.pk} ({'open' if self.resolved_at is None else 'resolved'})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
