"""Dose checks for a ketamine order: the same code for the order form, the API and the CLI.

Pure Python, no Django. Two kinds of finding:
- a hard stop: the pharmacology engine's input sanity limits (ketacare.pharmacology.request:
  20 mg/kg, 2000 mg in total). They catch typos; nothing overrides them.
- a check that needs an explicit confirmation with a written reason: above the protocol's dose,
  above the clinic's maximum mg/kg for the route, more than the clinic's factor above this
  patient's previous dose, above the clinic's maximum total mg for the route. The limits are
  clinic-set (no verified literature value exists); an unset limit checks nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ketacare.pharmacology.request import MAX_TOTAL_MG, MAX_TOTAL_MG_PER_KG
from ketacare.pharmacology.units import DoseError, parse_dose, salt_to_base

SANITY_MAX_MG_PER_KG = Decimal(str(MAX_TOTAL_MG_PER_KG))
SANITY_MAX_MG = Decimal(str(MAX_TOTAL_MG))
ENGINE_SOURCE = "KetaCare engine input sanity limit (ketacare/pharmacology/request.py): a typing error"
CLINIC_SET = "Clinic-set limit"


@dataclass(frozen=True)
class OrderedDose:
    """A dose as written: an amount per kg or in mg, base or hydrochloride, and what it is per session."""

    amount: Decimal
    per_kg: bool
    salt: str

    def base_mg(self, weight_kg: Decimal) -> Decimal:
        mg = self.amount * weight_kg if self.per_kg else self.amount
        converted = Decimal(str(salt_to_base(float(mg), self.salt))) if self.salt != "base" else mg
        return converted.quantize(Decimal("0.01"), ROUND_HALF_UP)

    def base_mg_per_kg(self, weight_kg: Decimal) -> Decimal:
        return (self.base_mg(weight_kg) / weight_kg).quantize(Decimal("0.001"), ROUND_HALF_UP)

    def text(self) -> str:
        return f"{self.amount.normalize():f} {'mg/kg' if self.per_kg else 'mg'} {self.salt}"


def parse(text: str, salt: str = "base") -> OrderedDose:
    """ "0.71mg/kg" or "50 mg" (the salt said separately). Raises DoseError with a readable message."""
    dose = parse_dose(text, salt)
    if not dose.value > 0:
        raise DoseError("the dose must be more than 0")
    amount = Decimal(text.strip().lower().replace("mg/kg", "").replace("mg", "").strip())
    return OrderedDose(amount, dose.per_kg, dose.salt)


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    source: str
    hard: bool = False


@dataclass(frozen=True)
class Limits:
    """What the order is checked against; None leaves that check out."""

    protocol_max_mg_per_kg: Decimal | None = None
    protocol_max_mg: Decimal | None = None
    protocol_name: str = ""
    clinic_max_mg_per_kg: Decimal | None = None
    clinic_max_total_mg: Decimal | None = None
    previous_mg_per_kg: Decimal | None = None
    increase_factor_max: Decimal | None = None


@dataclass
class Checked:
    base_mg: Decimal
    mg_per_kg: Decimal
    findings: list[Finding] = field(default_factory=list)

    @property
    def hard_stops(self) -> list[Finding]:
        return [f for f in self.findings if f.hard]

    @property
    def to_confirm(self) -> list[Finding]:
        return [f for f in self.findings if not f.hard]


def check_dose(dose: OrderedDose, weight_kg: Decimal, route: str, limits: Limits) -> Checked:
    """Every finding about this dose per session for this weight on this route."""
    base = dose.base_mg(weight_kg)
    per_kg = dose.base_mg_per_kg(weight_kg)
    checked = Checked(base, per_kg)
    add = checked.findings.append
    if per_kg > SANITY_MAX_MG_PER_KG or base > SANITY_MAX_MG:
        add(
            Finding(
                "implausible-dose",
                f"{base} mg ({per_kg} mg/kg) is not a plausible dose (limit {SANITY_MAX_MG_PER_KG} mg/kg "
                f"and {SANITY_MAX_MG} mg): check for a typing error.",
                ENGINE_SOURCE,
                hard=True,
            )
        )
    if limits.protocol_max_mg_per_kg is not None and per_kg > limits.protocol_max_mg_per_kg:
        add(
            Finding(
                "above-protocol",
                f"{per_kg} mg/kg is above the {limits.protocol_name} dose of "
                f"{limits.protocol_max_mg_per_kg} mg/kg.",
                f"Protocol {limits.protocol_name}",
            )
        )
    if limits.protocol_max_mg is not None and base > limits.protocol_max_mg:
        add(
            Finding(
                "above-protocol",
                f"{base} mg is above the {limits.protocol_name} dose of {limits.protocol_max_mg} mg.",
                f"Protocol {limits.protocol_name}",
            )
        )
    if limits.clinic_max_mg_per_kg is not None and per_kg > limits.clinic_max_mg_per_kg:
        add(
            Finding(
                "above-clinic-max",
                f"{per_kg} mg/kg is above the clinic's maximum of {limits.clinic_max_mg_per_kg} mg/kg "
                f"for {route}.",
                CLINIC_SET,
            )
        )
    factor = limits.increase_factor_max
    previous = limits.previous_mg_per_kg
    if factor is not None and previous is not None and previous > 0 and per_kg > previous * factor:
        add(
            Finding(
                "above-previous-dose",
                f"{per_kg} mg/kg is more than {factor} times this patient's previous dose of "
                f"{previous} mg/kg.",
                CLINIC_SET,
            )
        )
    if limits.clinic_max_total_mg is not None and base > limits.clinic_max_total_mg:
        add(
            Finding(
                "above-route-total",
                f"{base} mg is above the clinic's maximum of {limits.clinic_max_total_mg} mg for {route}.",
                CLINIC_SET,
            )
        )
    return checked


def weight_change_percent(previous_kg: Decimal, new_kg: Decimal) -> Decimal:
    """How far a new weight lies from the last one, in percent of the last."""
    return (abs(new_kg - previous_kg) / previous_kg * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


def weight_needs_confirmation(
    previous_kg: Decimal | None, new_kg: Decimal, limit_percent: Decimal | None
) -> bool:
    """A new weight more than the clinic's percentage from the last one asks 'is this right?'."""
    if previous_kg is None or limit_percent is None:
        return False
    return weight_change_percent(previous_kg, new_kg) > limit_percent
