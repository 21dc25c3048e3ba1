"""kamp-2020: Kamp 2020: 3-compartment simplification with an ARTERIAL central compartment.

One published model in one file: its parameters (each a `Param` with source, table and verified
flag), its structure (the builder) and its registry entry (`MODEL`), collected by `models/__init__.py`.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..model import Covariates, FloatArray, Model, Param, PKSystem, Validity
from ._structure import (
    _ADULT_DEFAULT,
    _iv_only,
    _mammillary,
)

# --------------------------------------------------------------------------------------------
# Kamp 2020: 3-compartment simplification with an ARTERIAL central compartment.
# --------------------------------------------------------------------------------------------
_KAMP = (
    "3-compartment values read in opentiva/ketamine.py (class Klamp); the paper's own raw-data model has an "
    "arterial central compartment, two peripheral compartments and two venous delay compartments (abstract), "
    "so these numbers are not verified against its table. Clearances scaled linearly with weight as in "
    "opentiva; another public implementation uses exponent 0.75 (identical at 70 kg)"
)
KAMP_PARAMS = {
    "v1": Param(25.0, "L/70kg", "kamp-2020", False, _KAMP),
    "v2": Param(56.0, "L/70kg", "kamp-2020", False, _KAMP),
    "v3": Param(157.0, "L/70kg", "kamp-2020", False, _KAMP),
    "cl": Param(84.0, "L/h/70kg", "kamp-2020", False, _KAMP),
    "q2": Param(161.0, "L/h/70kg", "kamp-2020", False, _KAMP),
    "q3": Param(79.0, "L/h/70kg", "kamp-2020", False, _KAMP),
}
# Meta-analytic weighted means from the Kamp 2020 abstract (verified), used as a cross-check only.
KAMP_META_VD_L = Param(252.0, "L/70kg", "kamp-2020", True, "abstract: 95% CI 200-304 L/70 kg")
KAMP_META_CL_L_H = Param(79.0, "L/h at 70 kg", "kamp-2020", True, "abstract: 95% CI 69-90 L/h")


def _build_kamp(p: Mapping[str, float], cov: Covariates, eta: Mapping[str, FloatArray]) -> PKSystem:
    n = cov.weight_kg.size
    s = cov.weight_kg / 70.0
    v1, v2, v3 = p["v1"] * s, p["v2"] * s, p["v3"] * s
    cl, q2, q3 = p["cl"] * s / 60.0, p["q2"] * s / 60.0, p["q3"] * s / 60.0
    A = _mammillary(n, v1, cl / v1, q2 / v1, q2 / v2, q3 / v1, q3 / v3)
    return PKSystem(A, ("central-arterial", "peripheral1", "peripheral2"), 0, v1, None, None, _iv_only(0))  # type: ignore[arg-type]


MODEL = Model(
    id="kamp-2020",
    title="Kamp 2020, racemic ketamine, 3 compartments, arterial central compartment",
    analyte="racemic ketamine",
    population="pooled healthy adults and patients (meta-analysis of 18 studies)",
    sampling="arterial (central compartment of the raw-data model is arterial)",
    routes=("iv-bolus", "iv-infusion"),
    validity=Validity((40.0, 120.0), (18.0, 80.0), "adults", "kamp-2020", False, _ADULT_DEFAULT),
    params=KAMP_PARAMS,
    build=_build_kamp,
    citations=("kamp-2020", "opentiva"),
    default_effect_site="olofsen-2012",
    notes=(
        "Arterial concentrations run higher than venous during an infusion and lower after it "
        "(Henthorn 2018); depression trials report venous samples.",
        "No between-subject variability retained in the paper: population bands are degenerate.",
    ),
)
