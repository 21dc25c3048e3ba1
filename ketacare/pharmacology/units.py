"""Units, molar masses, salt/base conversion and dose parsing.

Internally every amount is milligrams of *base* (the free drug), times are minutes, volumes litres,
concentrations ng/mL (= ug/L).  Ketamine is sold as the hydrochloride: 1 mg ketamine HCl contains
237.72 / 274.19 = 0.867 mg ketamine base, so the salt form must be stated and converted explicitly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Molar masses (g/mol) from the molecular formulas; source="pubchem".  Recomputed from standard
# atomic weights in tests/test_units.py.
MOLAR_MASS_KETAMINE = 237.72  # C13H16ClNO, base
MOLAR_MASS_KETAMINE_HCL = 274.19  # C13H16ClNO.HCl
MOLAR_MASS_NORKETAMINE = 223.70  # C12H14ClNO

BASE_PER_HCL = MOLAR_MASS_KETAMINE / MOLAR_MASS_KETAMINE_HCL

SALT_FORMS = ("base", "hcl")

_DOSE = re.compile(r"^\s*(?P<value>[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(?P<unit>mg/kg|mg)\s*$")


class DoseError(ValueError):
    """A dose that cannot be understood or is outside any sensible range."""


@dataclass(frozen=True)
class Dose:
    """A dose as written by a clinician, before it is turned into milligrams of base.

    Attributes
    ----------
    value : float
        The number written (mg or mg/kg).
    per_kg : bool
        True for mg/kg.
    salt : {"base", "hcl"}
        Whether the number refers to the base or to ketamine hydrochloride.
    """

    value: float
    per_kg: bool
    salt: str = "base"

    def base_mg(self, weight_kg: float) -> float:
        """Milligrams of base for a patient of ``weight_kg``."""
        mg = self.value * weight_kg if self.per_kg else self.value
        return salt_to_base(mg, self.salt)


def salt_to_base(amount_mg: float, salt: str) -> float:
    """Convert an amount of ``salt`` ("base" or "hcl") to milligrams of base."""
    if salt == "base":
        return amount_mg
    if salt == "hcl":
        return amount_mg * BASE_PER_HCL
    raise DoseError(f"unknown salt form {salt!r}; use one of {', '.join(SALT_FORMS)}")


def base_to_salt(amount_mg: float, salt: str) -> float:
    """Convert milligrams of base to milligrams of ``salt``."""
    return amount_mg / salt_to_base(1.0, salt)


def parse_dose(text: str, salt: str = "base") -> Dose:
    """Parse ``"0.5mg/kg"`` or ``"35mg"`` (case-insensitive, spaces allowed).

    Raises
    ------
    DoseError
        If the text is not a positive number followed by ``mg`` or ``mg/kg``.
    """
    match = _DOSE.match(text.lower())
    if not match:
        raise DoseError(f"cannot read dose {text!r}: write e.g. 0.5mg/kg or 35mg")
    value = float(match.group("value"))
    if value <= 0:
        raise DoseError(f"dose must be positive, got {text!r}")
    if salt not in SALT_FORMS:
        raise DoseError(f"unknown salt form {salt!r}; use one of {', '.join(SALT_FORMS)}")
    return Dose(value=value, per_kg=match.group("unit") == "mg/kg", salt=salt)


def ng_ml_to_micromolar(concentration_ng_ml: float, molar_mass: float) -> float:
    """ng/mL divided by g/mol is nmol/mL, i.e. umol/L."""
    return concentration_ng_ml / molar_mass
