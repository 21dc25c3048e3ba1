"""herd-2007: Herd & Anderson 2007: children, IV, 2 compartments, allometric (volumes ^1, clearances ^0.75).

One published model in one file: its parameters (each a `Param` with source, table and verified
flag), its structure (the builder) and its registry entry (`MODEL`), collected by `models/__init__.py`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..model import Covariates, FloatArray, Model, Param, PKSystem, Validity, Variability
from ._structure import (
    _eta,
    _iv_only,
    _mammillary,
)

# --------------------------------------------------------------------------------------------
# Herd & Anderson 2007: children, IV, 2 compartments, allometric (volumes ^1, clearances ^0.75).
# --------------------------------------------------------------------------------------------
_HERD = "abstract (PubMed 17564643), standardised to 70 kg"
HERD_PARAMS = {
    "v1": Param(38.7, "L/70kg", "herd-2007", True, _HERD),
    "v2": Param(102.0, "L/70kg", "herd-2007", True, _HERD),
    "cl": Param(90.0, "L/h/70kg^0.75", "herd-2007", True, _HERD),
    "q": Param(215.0, "L/h/70kg^0.75", "herd-2007", True, _HERD),
}
HERD_VARIABILITY = Variability(
    names=("v1", "v2", "cl", "q"),
    omega=((0.64**2, 0, 0, 0), (0, 0.517**2, 0, 0), (0, 0, 0.381**2, 0), (0, 0, 0, 0.19**2)),
    source="herd-2007",
    verified=True,
    note=(
        "abstract BSV V1 64%, V2 51.7%, CL 38.1%, Q 19%; read as the SD of the log-normal eta (the "
        "Anderson/Holford convention), no covariances reported"
    ),
)


def _build_herd(p: Mapping[str, float], cov: Covariates, eta: Mapping[str, FloatArray]) -> PKSystem:
    n = cov.weight_kg.size
    s = cov.weight_kg / 70.0
    v1 = p["v1"] * s * np.exp(_eta(eta, "v1", n))
    v2 = p["v2"] * s * np.exp(_eta(eta, "v2", n))
    cl = p["cl"] * s**0.75 / 60.0 * np.exp(_eta(eta, "cl", n))
    q = p["q"] * s**0.75 / 60.0 * np.exp(_eta(eta, "q", n))
    A = _mammillary(n, v1, cl / v1, q / v1, q / v2)
    return PKSystem(A, ("central", "peripheral1"), 0, v1, None, None, _iv_only(0))  # type: ignore[arg-type]


MODEL = Model(
    id="herd-2007",
    title="Herd & Anderson 2007, racemic ketamine in children, 2 compartments, allometric",
    analyte="racemic ketamine",
    population=("54 children, 8.3 +/- 3.5 y, 32.5 kg, emergency-department sedation with 1-1.5 mg/kg IV"),
    sampling="venous",
    routes=("iv-bolus", "iv-infusion"),
    validity=Validity(
        (8.0, 80.0),
        (1.0, 18.0),
        "children",
        "herd-2007",
        False,
        "abstract gives only mean +/- SD (8.3 +/- 3.5 y, 32.5 kg); this range is an engineering default",
    ),
    params=HERD_PARAMS,
    build=_build_herd,
    citations=("herd-2007",),
    default_effect_site="herd-2008",
    variability=HERD_VARIABILITY,
)
