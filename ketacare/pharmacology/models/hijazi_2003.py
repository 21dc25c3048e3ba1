"""hijazi-2003: the published model in one file.

Hijazi 2003: racemic ketamine in adult ICU patients with brain/spinal cord injury, 2 compartments.

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
# Hijazi 2003: racemic ketamine in adult ICU patients with brain/spinal cord injury, 2 compartments.
# --------------------------------------------------------------------------------------------
_HIJAZI = (
    "micro-constants read in opentiva/ketamine.py (class Hijazi); cross-checked: they reproduce the "
    "abstract's CL 36.0 mL/min/kg, t1/2 beta 4.9 h and V beta 16.0 L/kg (tests/test_validation.py)"
)
HIJAZI_PARAMS = {
    "v1": Param(1.08, "L/kg", "hijazi-2003", True, _HIJAZI),
    "k10": Param(0.0333, "1/min", "hijazi-2003", True, _HIJAZI),
    "k12": Param(0.0088, "1/min", "hijazi-2003", True, _HIJAZI),
    "k21": Param(0.0030, "1/min", "hijazi-2003", True, _HIJAZI),
}


MODEL = Model(
    id="hijazi-2003",
    title="Hijazi 2003, racemic ketamine in adult ICU patients with brain or spinal cord injury",
    analyte="racemic ketamine",
    population="12 adult ICU patients (brain or spinal cord injury)",
    sampling="venous or arterial not stated in the abstract",
    routes=("iv-bolus", "iv-infusion"),
    validity=Validity(
        (40.0, 120.0), (18.0, 80.0), "adult ICU patients", "hijazi-2003", False, _ADULT_DEFAULT
    ),
    params=HIJAZI_PARAMS,
    build=_build_two_compartment_per_kg,
    citations=("hijazi-2003", "opentiva"),
    default_effect_site="olofsen-2012",
    notes=(
        "Critically ill population: slower clearance than healthy volunteers.",
        "No between-subject variability implemented: population bands are degenerate.",
    ),
)
