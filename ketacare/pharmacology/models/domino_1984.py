"""domino-1984: Domino 1984: racemic ketamine, adults, 3 compartments, micro-constants, volume per kg.

One published model in one file: its parameters (each a `Param` with source, table and verified
flag), its structure (the builder) and its registry entry (`MODEL`), collected by `models/__init__.py`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..model import Covariates, FloatArray, Model, Param, PKSystem, Validity
from ._structure import (
    _ADULT_DEFAULT,
    _iv_only,
    _mammillary,
)

# --------------------------------------------------------------------------------------------
# Domino 1984: racemic ketamine, adults, 3 compartments, micro-constants, volume per kg.
# --------------------------------------------------------------------------------------------
_OPENTIVA = "read in opentiva/ketamine.py (class Domino); the 1984 paper itself was not retrieved"

DOMINO_PARAMS = {
    "v1": Param(0.063, "L/kg", "domino-1984", False, _OPENTIVA),
    "k10": Param(0.4381, "1/min", "domino-1984", False, _OPENTIVA),
    "k12": Param(0.5921, "1/min", "domino-1984", False, _OPENTIVA),
    "k13": Param(0.5900, "1/min", "domino-1984", False, _OPENTIVA),
    "k21": Param(0.2470, "1/min", "domino-1984", False, _OPENTIVA),
    "k31": Param(0.0146, "1/min", "domino-1984", False, _OPENTIVA),
}


def _build_domino(p: Mapping[str, float], cov: Covariates, eta: Mapping[str, FloatArray]) -> PKSystem:
    n = cov.weight_kg.size
    v1 = p["v1"] * cov.weight_kg
    A = _mammillary(
        n,
        v1,
        np.full(n, p["k10"]),
        np.full(n, p["k12"]),
        np.full(n, p["k21"]),
        np.full(n, p["k13"]),
        np.full(n, p["k31"]),
    )
    return PKSystem(A, ("central", "peripheral1", "peripheral2"), 0, v1, None, None, _iv_only(0))  # type: ignore[arg-type]


MODEL = Model(
    id="domino-1984",
    title="Domino 1984, racemic ketamine, 3 compartments",
    analyte="racemic ketamine",
    population="adults",
    sampling="not stated in the transcription (paper not retrieved)",
    routes=("iv-bolus", "iv-infusion"),
    validity=Validity((40.0, 120.0), (18.0, 80.0), "adults", "domino-1984", False, _ADULT_DEFAULT),
    params=DOMINO_PARAMS,
    build=_build_domino,
    citations=("domino-1984", "opentiva"),
    default_effect_site="olofsen-2012",
    notes=(
        "No between-subject variability published in the transcription: population bands are degenerate.",
    ),
)
