"""clements-1981: Clements & Nimmo 1981: racemic ketamine 250 ug/kg IV, adult volunteers, 2 compartments.

One published model in one file: its parameters (each a `Param` with source, table and verified
flag), its structure (the builder) and its registry entry (`MODEL`), collected by `models/__init__.py`.
"""

from __future__ import annotations

from ..model import Model, Param, Validity
from ._structure import (
    _ADULT_DEFAULT,
    _build_two_compartment_per_kg,
)

# --------------------------------------------------------------------------------------------
# Clements & Nimmo 1981: racemic ketamine 250 ug/kg IV, adult volunteers, 2 compartments.
# --------------------------------------------------------------------------------------------
_OPENTIVA_C = (
    "read in opentiva/ketamine.py (class Clements250); paper not retrieved. A central volume of 1.75 L/kg is "
    "unusually large and may be a transcription of a different volume"
)
CLEMENTS_PARAMS = {
    "v1": Param(1.7522, "L/kg", "clements-1981", False, _OPENTIVA_C),
    "k10": Param(0.0109, "1/min", "clements-1981", False, _OPENTIVA_C),
    "k12": Param(0.0186, "1/min", "clements-1981", False, _OPENTIVA_C),
    "k21": Param(0.0137, "1/min", "clements-1981", False, _OPENTIVA_C),
}


MODEL = Model(
    id="clements-1981",
    title="Clements & Nimmo 1981, racemic ketamine 250 ug/kg IV, 2 compartments",
    analyte="racemic ketamine",
    population="adult volunteers",
    sampling="venous (typical for the era; not verified)",
    routes=("iv-bolus", "iv-infusion"),
    validity=Validity((40.0, 120.0), (18.0, 80.0), "adults", "clements-1981", False, _ADULT_DEFAULT),
    params=CLEMENTS_PARAMS,
    build=_build_two_compartment_per_kg,
    citations=("clements-1981", "opentiva"),
    default_effect_site="olofsen-2012",
    notes=("No between-subject variability published: population bands are degenerate.",),
)
