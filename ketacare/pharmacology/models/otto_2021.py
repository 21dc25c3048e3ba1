"""otto-2021: Fanta 2015 S-ketamine parent with the Otto 2021 S-norketamine model (venous, healthy adults).

One published model in one file: its parameters (each a `Param` with source, table and verified
flag), its structure (the builder) and its registry entry (`MODEL`), collected by `models/__init__.py`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..model import Covariates, FloatArray, Model, Param, PKSystem, Validity, Variability
from ._structure import (
    _eta,
    _flow,
    _iv_only,
    _loss,
)

# --------------------------------------------------------------------------------------------
# Fanta 2015 S-ketamine parent with the Otto 2021 S-norketamine model (venous, healthy adults).
# --------------------------------------------------------------------------------------------
_FANTA = (
    "Fanta 2015 values fixed in Otto 2021 Table 3, read only in the nlmixr2lib transcription "
    "(Otto_2021_s_ketamine.R); not checked against the paper"
)
_OTTO = (
    "Otto 2021 Table 3 / supplementary NONMEM code, read only in the nlmixr2lib transcription "
    "(Otto_2021_s_ketamine.R); not checked against the paper"
)
OTTO_PARAMS = {
    "v1": Param(133.0, "L/70kg", "fanta-2015", False, _FANTA),
    "cl": Param(
        95.2,
        "L/h/70kg^0.75",
        "fanta-2015",
        True,
        "abstract: clearance 95 L/h/70 kg (13% interindividual variability); the 95.2 of Otto 2021 "
        "Table 3 (nlmixr2lib transcription) agrees to the abstract's precision",
    ),
    "vp1": Param(187.0, "L", "fanta-2015", False, _FANTA),
    "q1": Param(23.2, "L/h", "fanta-2015", False, _FANTA),
    "vp2": Param(98.8, "L", "fanta-2015", False, _FANTA),
    "q2": Param(157.0, "L/h", "fanta-2015", False, _FANTA),
    "nk_v": Param(98.638, "L/70kg", "otto-2021", False, _OTTO),
    "nk_cl": Param(57.72, "L/h/70kg^0.75", "otto-2021", False, _OTTO),
    "nk_vp": Param(160.04, "L", "otto-2021", False, _OTTO),
    "nk_q": Param(42.778, "L/h", "otto-2021", False, _OTTO),
    "fm": Param(
        1.0, "fraction", "otto-2021", False, "all S-ketamine clearance forms S-norketamine (assumed)"
    ),
}
OTTO_VARIABILITY = Variability(
    names=("v1", "cl", "nk_v", "nk_cl"),
    omega=(
        (0.084177, 0.02261, 0.0, 0.0),
        (0.02261, 0.026048, 0.0, 0.0),
        (0.0, 0.0, 0.040426, 0.04456),
        (0.0, 0.0, 0.04456, 0.10319),
    ),
    source="otto-2021",
    verified=False,
    note=(
        "two OMEGA BLOCK(2): S-ketamine (V1, CL) and S-norketamine (V, CL); "
        + _OTTO
        + ". Disagreement: the Fanta 2015 abstract gives 13% interindividual variability on CL, the Otto "
        "omega^2 0.026 is 16%; Otto's is used (fitted with the metabolite); pass etas= to simulate() to "
        "use another"
    ),
)


def _build_otto(p: Mapping[str, float], cov: Covariates, eta: Mapping[str, FloatArray]) -> PKSystem:
    n = cov.weight_kg.size
    s = cov.weight_kg / 70.0
    v1 = p["v1"] * s * np.exp(_eta(eta, "v1", n))
    cl = p["cl"] * s**0.75 / 60.0 * np.exp(_eta(eta, "cl", n))
    q1, q2 = p["q1"] / 60.0, p["q2"] / 60.0
    nk_v = p["nk_v"] * s * np.exp(_eta(eta, "nk_v", n))
    nk_cl = p["nk_cl"] * s**0.75 / 60.0 * np.exp(_eta(eta, "nk_cl", n))
    nk_q = p["nk_q"] / 60.0
    A = np.zeros((n, 5, 5))
    _flow(A, 0, 1, q1 / v1)
    _flow(A, 1, 0, q1 / p["vp1"])
    _flow(A, 0, 2, q2 / v1)
    _flow(A, 2, 0, q2 / p["vp2"])
    # Metabolite mass is carried in S-ketamine mass units, as in Otto's code: the apparent
    # metabolite volume was estimated on that scale, so no molar-mass conversion is applied.
    _flow(A, 0, 3, p["fm"] * cl / v1)
    _loss(A, 0, (1 - p["fm"]) * cl / v1)
    _loss(A, 3, nk_cl / nk_v)
    _flow(A, 3, 4, nk_q / nk_v)
    _flow(A, 4, 3, nk_q / p["nk_vp"])
    states = ("central", "peripheral1", "peripheral2", "nk_central", "nk_peripheral")
    return PKSystem(A, states, 0, v1, 3, nk_v, _iv_only(0))  # type: ignore[arg-type]


MODEL = Model(
    id="otto-2021",
    title="Fanta 2015 S-ketamine with the Otto 2021 S-norketamine model, IV",
    analyte="esketamine",
    population="healthy adult volunteers (Otto: 48, mean age 23-24 y, mean weight 68-71 kg)",
    sampling="venous",
    routes=("iv-bolus", "iv-infusion"),
    validity=Validity(
        (45.0, 100.0),
        (18.0, 45.0),
        "healthy young adults",
        "otto-2021",
        False,
        "Otto 2021 Table 1 gives means +/- SD only; this range is an engineering default",
    ),
    params=OTTO_PARAMS,
    build=_build_otto,
    citations=("fanta-2015", "otto-2021"),
    default_effect_site="olofsen-2012",
    variability=OTTO_VARIABILITY,
    notes=(
        "Oral S-ketamine (Fanta: F 8%) needs Fanta's absorption and presystemic "
        "norketamine parameters, "
        "which were not retrieved; oral is not offered.",
        "Norketamine concentrations are in S-ketamine mass equivalents, as estimated by Otto.",
    ),
)
