"""simons-2022: the published model in one file.

Simons 2022: S-ketamine oral thin film (sublingual/buccal) and IV, with S-norketamine; arterial.

One published model in one file: its parameters (each a `Param` with source, table and verified
flag), its structure (the builder) and its registry entry (`MODEL`), collected by `models/__init__.py`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..model import Covariates, FloatArray, Model, Param, PKSystem, Validity, Variability
from ..solver import Input
from ..units import MOLAR_MASS_KETAMINE, MOLAR_MASS_NORKETAMINE
from ._structure import (
    _eta,
    _flow,
    _loss,
)

# --------------------------------------------------------------------------------------------
# Simons 2022: S-ketamine oral thin film (sublingual/buccal) and IV, with S-norketamine; arterial.
# --------------------------------------------------------------------------------------------
_SIMONS = "Table 4, read in the nlmixr2lib transcription (Simons_2022_s_ketamine.R)"
_SIMONS_ALLO = "Table 4 gives values '@ 70 kg' without exponents; 0.75/1 assumed as in nlmixr2lib"
SIMONS_PARAMS = {
    "f1": Param(0.263, "fraction", "simons-2022", True, "mucosal bioavailability; abstract: 26 +/- 1%"),
    "d1": Param(
        13.1,
        "min",
        "simons-2022",
        True,
        "zero-order mucosal input; Table 4 value from the nlmixr2lib transcription, confirmed to the "
        "precision of the authors' own text: 'the process of local absorption took on average 13 min "
        "(Table 2.4)' (Simons PhD thesis 2024, chapter 2 = this paper, Discussion, book p. 32)",
    ),
    "ka1": Param(0.04, "1/min", "simons-2022", False, _SIMONS),
    "f2": Param(
        1.16,
        "fraction of dose",
        "simons-2022",
        False,
        "swallowed part delivered straight into metabolism; above 1, see notes; " + _SIMONS,
    ),
    "d2": Param(29.9, "min", "simons-2022", False, _SIMONS),
    "ka2": Param(0.049, "1/min", "simons-2022", False, _SIMONS),
    "mtt_gut": Param(10.7, "min", "simons-2022", False, "gut-to-liver mean transit time; " + _SIMONS),
    "v1": Param(11.6, "L/70kg", "simons-2022", False, _SIMONS + "; " + _SIMONS_ALLO),
    "v2": Param(39.0, "L/70kg", "simons-2022", False, _SIMONS),
    "v3": Param(174.0, "L/70kg", "simons-2022", False, _SIMONS),
    "cl": Param(1.48, "L/min/70kg^0.75", "simons-2022", False, _SIMONS),
    "q2": Param(2.43, "L/min/70kg^0.75", "simons-2022", False, _SIMONS),
    "q3": Param(1.21, "L/min/70kg^0.75", "simons-2022", False, _SIMONS),
    "nk_mtt": Param(20.1, "min", "simons-2022", False, "two-compartment K->NK delay chain; " + _SIMONS),
    "nk_fm": Param(0.8, "fraction", "simons-2022", True, "abstract: 80% of S-ketamine metabolised to S-NK"),
    "nk_vp": Param(
        221.0, "L/70kg", "simons-2022", False, "S-NK central volume = S-K central volume; " + _SIMONS
    ),
    "nk_cl": Param(1.00, "L/min/70kg^0.75", "simons-2022", False, _SIMONS),
    "nk_q": Param(2.63, "L/min/70kg^0.75", "simons-2022", False, _SIMONS),
}
SIMONS_VARIABILITY = Variability(
    names=("v1", "cl", "q3", "nk_cl", "nk_mtt", "f1", "ka1", "f2", "ka2", "mtt_gut"),
    omega=tuple(
        tuple(v if i == j else 0.0 for j, v in enumerate(_vars))
        for _vars in [(0.057, 0.029, 0.026, 0.050, 0.021, 0.060, 0.062, 0.057, 0.376, 0.937)]
        for i in range(10)
    ),
    source="simons-2022",
    verified=False,
    note=(
        "Table 4 omega^2 (V1, CLK1, CLK3, CLN1, MTT K->NK) plus the inter-occasion nu^2 of F1, KA1, F2, KA2 "
        "and MTT gut, added as variability for one occasion; IOV on the input durations D1/D2 is not applied "
        "(input timing is shared by all subjects in the solver) and the nu^2 0.751 that nlmixr2lib "
        "assigns to MTT K->NK is left out (its row in Table 4 is ambiguous). Read in the nlmixr2lib "
        "transcription."
    ),
)


def _build_simons(p: Mapping[str, float], cov: Covariates, eta: Mapping[str, FloatArray]) -> PKSystem:
    n = cov.weight_kg.size
    s = cov.weight_kg / 70.0
    a = s**0.75
    v1 = p["v1"] * s * np.exp(_eta(eta, "v1", n))
    v2, v3 = p["v2"] * s, p["v3"] * s
    cl = p["cl"] * a * np.exp(_eta(eta, "cl", n))
    q2, q3 = p["q2"] * a, p["q3"] * a * np.exp(_eta(eta, "q3", n))
    nk_vp = p["nk_vp"] * s
    nk_cl = p["nk_cl"] * a * np.exp(_eta(eta, "nk_cl", n))
    nk_q = p["nk_q"] * a
    k_chain = 2.0 / (p["nk_mtt"] * np.exp(_eta(eta, "nk_mtt", n)))
    ka1 = p["ka1"] * np.exp(_eta(eta, "ka1", n))
    ka2 = p["ka2"] * np.exp(_eta(eta, "ka2", n))
    k_gut = 1.0 / (p["mtt_gut"] * np.exp(_eta(eta, "mtt_gut", n)))
    f1 = p["f1"] * np.exp(_eta(eta, "f1", n))
    f2 = p["f2"] * np.exp(_eta(eta, "f2", n))

    MUCOSA, GUT, PORTAL, C, P1, P2, M1, M2, NK, NKP = range(10)
    A = np.zeros((n, 10, 10))
    _flow(A, MUCOSA, C, ka1)
    _flow(A, GUT, PORTAL, ka2)
    # The swallowed drug reaches the metabolism chain directly (first pass), never the systemic pool.
    _flow(A, PORTAL, M1, k_gut)
    _flow(A, C, P1, q2 / v1)
    _flow(A, P1, C, q2 / v2)
    _flow(A, C, P2, q3 / v1)
    _flow(A, P2, C, q3 / v3)
    _flow(A, C, M1, cl / v1)
    _flow(A, M1, M2, k_chain)
    _flow(A, M2, NK, p["nk_fm"] * k_chain)
    _loss(A, M2, (1.0 - p["nk_fm"]) * k_chain)
    # S-norketamine's central volume is S-ketamine's (Simons Figure 2); its clearance feeds
    # hydroxynorketamine, which we do not output, so it is a loss here.
    _loss(A, NK, nk_cl / v1)
    _flow(A, NK, NKP, nk_q / v1)
    _flow(A, NKP, NK, nk_q / nk_vp)

    def route_inputs(
        route: str, amount: FloatArray, start: float, duration: float, device: int
    ) -> list[Input]:
        if route == "iv-bolus":
            return [Input(C, start, 0.0, amount)]
        if route == "iv-infusion":
            return [Input(C, start, duration, amount)]
        if route == "sublingual":
            return [
                Input(MUCOSA, start, p["d1"], amount * f1),
                Input(GUT, start, p["d2"], amount * f2),
            ]
        raise ValueError(f"route {route} not available")

    states = (
        "mucosa",
        "gut",
        "gut_to_liver",
        "central",
        "peripheral1",
        "peripheral2",
        "metabolism1",
        "metabolism2",
        "nk_central",
        "nk_peripheral",
    )
    # Amounts are S-ketamine mass equivalents (moles conserved); the norketamine "volume" converts them
    # to ng/mL of S-norketamine: C = amount / V1 * M(NK) / M(K).
    nk_volume = v1 * MOLAR_MASS_KETAMINE / MOLAR_MASS_NORKETAMINE
    return PKSystem(A, states, C, v1, NK, nk_volume, route_inputs)


MODEL = Model(
    id="simons-2022",
    title="Simons 2022, S-ketamine oral thin film (sublingual/buccal) and IV, with S-norketamine",
    analyte="esketamine",
    population="20 healthy volunteers, 19-32 y, 53-93 kg, 50% women",
    sampling="arterial",
    routes=("sublingual", "iv-bolus", "iv-infusion"),
    validity=Validity(
        (53.0, 93.0),
        (19.0, 32.0),
        "healthy young adults",
        "simons-2022",
        False,
        "Table 1 ranges read in the nlmixr2lib transcription",
    ),
    params=SIMONS_PARAMS,
    build=_build_simons,
    citations=("simons-2022", "simons-2024-thesis"),
    default_effect_site="olofsen-2012",
    variability=SIMONS_VARIABILITY,
    notes=(
        "Sublingual = one oral thin film held 10 min without swallowing: 26.3% absorbed through the "
        "mucosa, the swallowed rest goes through first-pass metabolism to S-norketamine.",
        "Published oddity: the swallowed route's F2 is 1.16 of the dose, so film mass is not "
        "conserved (F1 + F2 = 1.42); S-norketamine after a film may be overstated.",
        "Hydroxynorketamine is modelled in the paper but not output here.",
        "Arterial samples: expect higher concentrations than venous ones during absorption.",
    ),
)
