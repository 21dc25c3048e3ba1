"""The published models, one function each, every number with its source.

Conventions: builders receive the typical values (``p``, in the units of the ``Param``), the
covariates and the random effects (``eta``, zeros for a typical patient) and return a
:class:`PKSystem` in mg, L and minutes.  Rate constants published per hour are divided by 60 here and
nowhere else.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from .model import Absorption, Covariates, FloatArray, Model, Param, PKSystem, Validity, Variability
from .solver import Input
from .units import MOLAR_MASS_KETAMINE, MOLAR_MASS_NORKETAMINE

_ADULT_DEFAULT = (
    "study population range not retrieved; this adult range is an engineering default used only to warn, "
    "not a number from the paper"
)


def _flow(A: FloatArray, src: int, dst: int, k: FloatArray | float) -> None:
    """First-order transfer src -> dst with rate constant k (1/min)."""
    A[:, dst, src] += k
    A[:, src, src] -= k


def _loss(A: FloatArray, src: int, k: FloatArray | float) -> None:
    A[:, src, src] -= k


def _eta(eta: Mapping[str, FloatArray], name: str, n: int) -> FloatArray:
    return np.asarray(eta.get(name, np.zeros(n)), dtype=float)


def _iv_only(central: int) -> object:
    def route_inputs(
        route: str, amount: FloatArray, start: float, duration: float, device: int
    ) -> list[Input]:
        if route == "iv-bolus":
            return [Input(central, start, 0.0, amount)]
        if route == "iv-infusion":
            return [Input(central, start, duration, amount)]
        raise ValueError(f"route {route} not available")

    return route_inputs


def _mammillary(
    n: int,
    v1: FloatArray,
    k10: FloatArray,
    k12: FloatArray,
    k21: FloatArray,
    k13: FloatArray | None = None,
    k31: FloatArray | None = None,
) -> FloatArray:
    size = 3 if k13 is not None else 2
    A = np.zeros((n, size, size))
    _loss(A, 0, k10)
    _flow(A, 0, 1, k12)
    _flow(A, 1, 0, k21)
    if k13 is not None and k31 is not None:
        _flow(A, 0, 2, k13)
        _flow(A, 2, 0, k31)
    return A


LN2 = math.log(2.0)


def _with_depots(pk: PKSystem, depots: Mapping[str, tuple[FloatArray, FloatArray]]) -> PKSystem:
    """Add one first-order absorption depot per extravascular route to a disposition model.

    ``depots`` maps a route to (bioavailability, absorption rate constant in 1/min), one value per
    subject.  A dose by that route puts ``F x amount`` into the route's depot at once; IV routes are
    left to the disposition model.
    """
    n, s, _ = pk.A.shape
    routes = tuple(depots)
    A = np.zeros((n, s + len(routes), s + len(routes)))
    A[:, :s, :s] = pk.A
    for i, route in enumerate(routes):
        _flow(A, s + i, pk.central, depots[route][1])
    inner = pk.route_inputs

    def route_inputs(
        route: str, amount: FloatArray, start: float, duration: float, device: int
    ) -> list[Input]:
        if route in depots:
            return [Input(s + routes.index(route), start, 0.0, amount * depots[route][0])]
        return inner(route, amount, start, duration, device)

    states = pk.states + tuple(f"depot-{route}" for route in routes)
    return PKSystem(
        A, states, pk.central, pk.central_volume_l, pk.norketamine, pk.norketamine_volume_l, route_inputs
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


def _build_two_compartment_per_kg(
    p: Mapping[str, float], cov: Covariates, eta: Mapping[str, FloatArray]
) -> PKSystem:
    """A 2-compartment IV model with V1 in L/kg and fixed micro-constants (Clements, Hijazi)."""
    n = cov.weight_kg.size
    v1 = p["v1"] * cov.weight_kg
    A = _mammillary(n, v1, np.full(n, p["k10"]), np.full(n, p["k12"]), np.full(n, p["k21"]))
    return PKSystem(A, ("central", "peripheral1"), 0, v1, None, None, _iv_only(0))  # type: ignore[arg-type]


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


# --------------------------------------------------------------------------------------------
# Published route evidence: bioavailabilities, absorption and peaks, each checked against its abstract.
# --------------------------------------------------------------------------------------------
# Models below take their F and absorption from here (one place); the rest are targets that the
# validation tests hold the models to (tests/test_validation.py).
ROUTE_EVIDENCE: dict[str, Param] = {
    "im_f_children": Param(
        0.41, "fraction", "hornik-2018", True, "abstract: model-estimated IM bioavailability 41%"
    ),
    "im_tmax_1_mg_kg_adults": Param(
        15.0, "min", "hirlinger-1984", True, "abstract: median time of the highest level after 1.0 mg/kg IM"
    ),
    "im_tmax_0_5_mg_kg_adults": Param(
        30.0, "min", "hirlinger-1984", True, "abstract: median time of the highest level after 0.5 mg/kg IM"
    ),
    "im_cmax_0_5_mg_kg_adults": Param(
        147.0,
        "ng/mL",
        "hirlinger-1984",
        True,
        "abstract: median highest plasma level after 0.5 mg/kg IM in 20 trauma patients, at 30 min",
    ),
    "im_cmax_1_mg_kg_adults": Param(
        474.0, "ng/mL", "hirlinger-1984", True, "abstract: median highest level after 1.0 mg/kg IM, at 15 min"
    ),
    "sublingual_f_wafer": Param(
        0.29, "fraction", "rolan-2014", True, "abstract: median absolute bioavailability 29% (90% CI 27-31%)"
    ),
    "sublingual_tmax_wafer": Param(
        0.75, "h", "rolan-2014", True, "abstract: median (min-max) Tmax 0.75 h (0.25-1.0 h) after 25 mg"
    ),
    "sublingual_tmax_wafer_latest": Param(
        1.0, "h", "rolan-2014", True, "abstract: latest individual Tmax 1.0 h (range 0.25-1.0 h)"
    ),
    "sublingual_f_lozenge": Param(
        0.24,
        "fraction",
        "chong-2009",
        True,
        "abstract: median (IQR) 24% (19-49%) after a 25-mg lozenge, six patients with neuropathic pain",
    ),
    "oral_f_lozenge": Param(
        0.24,
        "fraction",
        "chong-2009",
        True,
        "abstract: median (IQR) 24% (17-27%) after the same lozenge swallowed",
    ),
    "sublingual_tmax_lozenge": Param(
        0.76, "h", "chong-2006", True, "abstract table: mean 0.76 +/- SD 0.51 h after 25 mg sublingually"
    ),
    "sublingual_tmax_lozenge_sd": Param(0.51, "h", "chong-2006", True, "abstract table: SD of the above"),
    "oral_tmax_lozenge": Param(
        0.96, "h", "chong-2006", True, "abstract table: mean 0.96 +/- SD 0.8 h after 25 mg orally"
    ),
    "oral_tmax_lozenge_sd": Param(0.8, "h", "chong-2006", True, "abstract table: SD of the above"),
    "sublingual_cmax_lozenge": Param(
        28.6,
        "ng/mL",
        "chong-2006",
        True,
        "abstract table: mean 28.6 +/- SD 6.6 ug/L after 25 mg; the mirror runs the IV and sublingual "
        "cells together ('156 +/- 16128.6 +/- 6.6'), read as IV 156 +/- 16(1) and sublingual 28.6 +/- 6.6 "
        "(a sublingual peak of 128.6 after 25 mg at F 0.32 would exceed the 10-mg IV peak)",
    ),
    "sublingual_cmax_lozenge_sd": Param(6.6, "ng/mL", "chong-2006", True, "abstract table: SD of the above"),
    "oral_cmax_lozenge": Param(
        22.8, "ng/mL", "chong-2006", True, "abstract table: mean 22.8 +/- SD 12.8 ug/L after 25 mg"
    ),
    "oral_cmax_lozenge_sd": Param(12.8, "ng/mL", "chong-2006", True, "abstract table: SD of the above"),
    "sublingual_f_tablet": Param(
        0.30, "fraction", "yanagihara-2003", True, "abstract: 'approximately 30%' (3 volunteers, 2 x 25 mg)"
    ),
    "oral_f_tablet": Param(
        0.20, "fraction", "yanagihara-2003", True, "abstract: 'approximately 20%' (3 volunteers, 2 x 25 mg)"
    ),
    "rectal_f": Param(0.30, "fraction", "yanagihara-2003", True, "abstract: suppository 'approximately 30%'"),
    "intranasal_f_racemic_spray": Param(
        0.45, "fraction", "yanagihara-2003", True, "abstract: nasal spray 'approximately 45%'"
    ),
    "oral_f_children": Param(
        0.45, "fraction", "brunette-2011", True, "abstract: oral bioavailability 0.45 (90% CI 0.33-0.58)"
    ),
    "oral_absorption_half_time_children": Param(
        59.0,
        "min",
        "brunette-2011",
        True,
        "abstract: absorption half-time 59 min (90% CI 29.4-109.2), BSV 148%, estimated on pooled "
        "children's data plus one adult oral profile",
    ),
    "oral_absorption_bsv_children": Param(
        1.48, "SD of log eta", "brunette-2011", True, "abstract: BSV 148% on the absorption half-time"
    ),
    "oral_f_s_ketamine": Param(
        0.08,
        "fraction",
        "fanta-2015",
        True,
        "abstract: oral bioavailability 8% (11% interindividual variability)",
    ),
}

# Why a route has no default model for a population; used in refusals and in docs/pharmacology.md.
ROUTE_GAPS: dict[tuple[str, str], str] = {
    ("im", "adult"): (
        "no adult IM model: the adult IM bioavailability usually quoted (0.93, Clements 1982) could not be "
        "checked against its source; hornik-2018 offers IM for children (F 0.41) and can be chosen with "
        "--model for an adult, with a validity warning; see docs/pharmacology.md, Routes"
    ),
    ("sublingual", "child"): (
        "no sublingual model for children: no sublingual bioavailability in children was found; "
        "brunette-2011 can be chosen with --model and uses the adult F (Rolan 2014)"
    ),
    ("intranasal", "child"): "no intranasal model for children: perez-ruixo-2020 is adults only",
}


# --------------------------------------------------------------------------------------------
# Hornik 2018: children, IV and IM (first-order absorption, F 0.41).
# --------------------------------------------------------------------------------------------
_HORNIK = "read in opentiva/ketamine.py (class Hornik); the paper's table was not retrieved"
HORNIK_PARAMS = {
    "v1": Param(32.8, "L/70kg", "hornik-2018", False, _HORNIK),
    "v2": Param(152.0, "L/70kg", "hornik-2018", False, _HORNIK),
    "cl": Param(38.9, "L/h/70kg^0.75", "hornik-2018", False, _HORNIK),
    "q": Param(54.9, "L/h/70kg^0.75", "hornik-2018", False, _HORNIK),
    "f_im": ROUTE_EVIDENCE["im_f_children"],
    # Hornik's own absorption rate constant is in its table, which was not retrievable.  This value is
    # DERIVED, not published: the half-time for which this model, at 70 kg, peaks at Hirlinger 1984's
    # 15-min median after 1.0 mg/kg IM (test_validation holds it there).  Grant 1983 reports faster
    # IM absorption in children than in adults, so the faster of Hirlinger's two medians is used; the
    # 30-min median after 0.5 mg/kg corresponds to about 27.5 min.  Clinics can set their own with
    # --absorption-half-time-min.
    "t_half_abs_im": Param(
        7.4,
        "min",
        "hirlinger-1984",
        False,
        "derived by KetaCare from Hirlinger 1984's 15-min median time to peak (adults, 1.0 mg/kg IM); "
        "not a published rate constant; Hornik 2018's own was not retrievable",
    ),
}
HORNIK_F_IM = HORNIK_PARAMS["f_im"]


def _build_hornik(p: Mapping[str, float], cov: Covariates, eta: Mapping[str, FloatArray]) -> PKSystem:
    n = cov.weight_kg.size
    s = cov.weight_kg / 70.0
    v1, v2 = p["v1"] * s, p["v2"] * s
    cl, q = p["cl"] * s**0.75 / 60.0, p["q"] * s**0.75 / 60.0
    A = _mammillary(n, v1, cl / v1, q / v1, q / v2)
    pk = PKSystem(A, ("central", "peripheral1"), 0, v1, None, None, _iv_only(0))  # type: ignore[arg-type]
    return _with_depots(pk, {"im": (np.full(n, p["f_im"]), np.full(n, LN2 / p["t_half_abs_im"]))})


# --------------------------------------------------------------------------------------------
# Racemic ketamine by mouth: Brunette 2011 absorption on the Herd 2007 disposition (a composition).
# --------------------------------------------------------------------------------------------
# No published racemic oral or sublingual model with all its parameters was retrievable.  The issue's
# fallback is "bioavailability and absorption taken from named studies": the absorption half-time is
# Brunette 2011's (oral, children plus one adult), the disposition Herd 2007's (same group, the same
# two-compartment allometric structure, standardised to 70 kg), and F by route and age from the
# studies that measured it.  F where studies disagree is configurable (--bioavailability); the
# defaults and the alternatives are in docs/pharmacology.md.
ORAL_RACEMIC_PARAMS = {
    **HERD_PARAMS,
    "t_half_abs": ROUTE_EVIDENCE["oral_absorption_half_time_children"],
    "f_oral_child": ROUTE_EVIDENCE["oral_f_children"],
    # Adults: Chong 2009 (median 0.24, six patients) sits between Yanagihara 2003 (~0.20, three
    # volunteers) and Clements 1982 (0.17, unverified); no adult study reports an absorption rate.
    "f_oral_adult": ROUTE_EVIDENCE["oral_f_lozenge"],
    # Sublingual: Rolan 2014 (0.29, 90% CI 0.27-0.31, eight healthy men) is the most precise estimate;
    # Chong 2009 (0.24) and Yanagihara 2003 (~0.30) agree within its spread.  Chong and Yanagihara found
    # sublingual and swallowed profiles alike, so the oral absorption half-time is used for both.
    "f_sublingual": ROUTE_EVIDENCE["sublingual_f_wafer"],
}
# Herd's disposition BSV (taken from HERD_VARIABILITY, not repeated) plus Brunette's on absorption.
_ABSORPTION_BSV = ROUTE_EVIDENCE["oral_absorption_bsv_children"].value
ORAL_RACEMIC_VARIABILITY = Variability(
    names=(*HERD_VARIABILITY.names, "t_half_abs"),
    omega=(
        *(row + (0.0,) for row in HERD_VARIABILITY.omega),
        (0.0,) * len(HERD_VARIABILITY.names) + (_ABSORPTION_BSV**2,),
    ),
    source="brunette-2011",
    verified=True,
    note=(
        "Herd 2007 BSV on the disposition and Brunette 2011 BSV 148% on the absorption half-time, each "
        "read as the SD of the log-normal eta (Anderson/Holford convention); no covariances reported"
    ),
)


def _build_oral_racemic(p: Mapping[str, float], cov: Covariates, eta: Mapping[str, FloatArray]) -> PKSystem:
    n = cov.weight_kg.size
    pk = _build_herd(p, cov, eta)
    ka = LN2 / (p["t_half_abs"] * np.exp(_eta(eta, "t_half_abs", n)))
    f_oral = np.where(cov.age_years < 18.0, p["f_oral_child"], p["f_oral_adult"])
    return _with_depots(pk, {"oral": (f_oral, ka), "sublingual": (np.full(n, p["f_sublingual"]), ka)})


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


# --------------------------------------------------------------------------------------------
# Perez-Ruixo 2020: esketamine nasal spray (and IV, oral), with hepatic first pass and noresketamine.
# --------------------------------------------------------------------------------------------
_PR = (
    "Table 3, read in the nlmixr2lib transcription (PerezRuixo_2020_esketamine.R) and checked by reproducing "
    "all 54 esketamine/noresketamine Cmax and esketamine AUC values of Table 4 within 1.5%"
)
PEREZ_RUIXO_PARAMS = {
    "frn": Param(
        0.54, "fraction", "perez-ruixo-2020", True, "fraction of each nasal dose absorbed nasally; " + _PR
    ),
    "frn_later_device": Param(
        0.62, "factor", "perez-ruixo-2020", True, "FRn x0.62 from the second 28-mg device; " + _PR
    ),
    "frn_japanese": Param(1.34, "factor", "perez-ruixo-2020", True, _PR),
    "ka_n": Param(2.93, "1/h", "perez-ruixo-2020", True, "table prints L/h, a units typo; " + _PR),
    "d_sw": Param(0.53, "h", "perez-ruixo-2020", True, "zero-order duration of the swallowed part; " + _PR),
    "ka_sw": Param(1.45, "1/h", "perez-ruixo-2020", True, _PR),
    "d_po": Param(0.32, "h", "perez-ruixo-2020", True, "zero-order duration of an oral solution; " + _PR),
    "ka_po": Param(0.97, "1/h", "perez-ruixo-2020", True, _PR),
    "f_gut": Param(0.64, "fraction", "perez-ruixo-2020", True, _PR),
    "vc": Param(192.0, "L", "perez-ruixo-2020", True, _PR),
    "q1": Param(84.3, "L/h", "perez-ruixo-2020", True, _PR),
    "vp1": Param(143.0, "L", "perez-ruixo-2020", True, _PR),
    "q2": Param(37.6, "L/h", "perez-ruixo-2020", True, _PR),
    "vp2": Param(417.0, "L", "perez-ruixo-2020", True, _PR),
    "qh": Param(151.0, "L/h", "perez-ruixo-2020", True, _PR),
    "qh_age_slope": Param(2.19, "L/h per year above 60", "perez-ruixo-2020", True, _PR),
    "vh": Param(101.0, "L", "perez-ruixo-2020", True, _PR),
    "kel": Param(1.11, "1/h", "perez-ruixo-2020", True, "hepatic loss to other metabolites; " + _PR),
    "kel_asian": Param(0.36, "factor", "perez-ruixo-2020", True, _PR),
    "kmet": Param(2.77, "1/h", "perez-ruixo-2020", True, "hepatic formation of noresketamine; " + _PR),
    "nk_vc": Param(70.0, "L (apparent, /F)", "perez-ruixo-2020", True, _PR),
    "nk_cl": Param(38.0, "L/h (apparent, /F)", "perez-ruixo-2020", True, _PR),
    "nk_cl_asian": Param(0.81, "factor", "perez-ruixo-2020", True, _PR),
    "nk_vp": Param(115.0, "L (apparent, /F)", "perez-ruixo-2020", True, _PR),
    "nk_q": Param(26.1, "L/h (apparent, /F)", "perez-ruixo-2020", True, _PR),
}


def _log_var(cv: float) -> float:
    return math.log(1.0 + cv * cv)


_PR_ETAS = ("frn_logit", "ka_n", "ka_sw", "ka_po", "vc", "vp1", "qh", "vh", "kel", "nk_vc", "nk_cl")
_PR_VARS = (
    0.708**2,  # FRn: 70.8, additive on the logit scale
    _log_var(0.615),
    _log_var(1.32),
    _log_var(1.32),
    _log_var(0.275),
    _log_var(0.493),
    _log_var(0.232),
    _log_var(0.346),
    _log_var(1.20),
    _log_var(0.316),
    _log_var(0.254),
)
PEREZ_RUIXO_VARIABILITY = Variability(
    names=_PR_ETAS,
    omega=tuple(tuple(v if i == j else 0.0 for j, v in enumerate(_PR_VARS)) for i in range(len(_PR_VARS))),
    source="perez-ruixo-2020",
    verified=False,
    note=(
        "read only in the nlmixr2lib transcription; Table 4 checks typical values, not variability. "
        "Table 3 CV% converted with omega^2 = ln(1 + CV^2); FRn's 70.8 is the SD of an additive logit eta. "
        "The paper says kmet has IIV but prints no value, so kmet has none here (nlmixr2lib uses a 30% "
        "placeholder; we do not invent it). No covariances reported."
    ),
)


def _build_perez_ruixo(p: Mapping[str, float], cov: Covariates, eta: Mapping[str, FloatArray]) -> PKSystem:
    n = cov.weight_kg.size
    h = 1.0 / 60.0  # per hour -> per minute
    logit = math.log(p["frn"] / (1 - p["frn"])) + _eta(eta, "frn_logit", n)
    frn = 1.0 / (1.0 + np.exp(-logit))
    frn = np.where(cov.japanese, frn * p["frn_japanese"], frn)
    ka_n = p["ka_n"] * h * np.exp(_eta(eta, "ka_n", n))
    ka_sw = p["ka_sw"] * h * np.exp(_eta(eta, "ka_sw", n))
    ka_po = p["ka_po"] * h * np.exp(_eta(eta, "ka_po", n))
    vc = p["vc"] * np.exp(_eta(eta, "vc", n))
    vp1 = p["vp1"] * np.exp(_eta(eta, "vp1", n))
    qh_typ = p["qh"] - p["qh_age_slope"] * np.maximum(0.0, cov.age_years - 60.0)
    qh = qh_typ * np.exp(_eta(eta, "qh", n)) * h
    vh = p["vh"] * np.exp(_eta(eta, "vh", n))
    kel = p["kel"] * h * np.exp(_eta(eta, "kel", n)) * np.where(cov.asian, p["kel_asian"], 1.0)
    kmet = p["kmet"] * h
    nk_vc = p["nk_vc"] * np.exp(_eta(eta, "nk_vc", n))
    nk_cl = p["nk_cl"] * h * np.exp(_eta(eta, "nk_cl", n)) * np.where(cov.asian, p["nk_cl_asian"], 1.0)
    q1, q2, nk_q = p["q1"] * h, p["q2"] * h, p["nk_q"] * h

    NASAL, SWALLOWED, ORAL, C, P1, P2, LIVER, NK, NKP = range(9)
    A = np.zeros((n, 9, 9))
    _flow(A, NASAL, C, ka_n)
    _flow(A, SWALLOWED, LIVER, ka_sw)
    _flow(A, ORAL, LIVER, ka_po)
    _flow(A, C, P1, q1 / vc)
    _flow(A, P1, C, q1 / vp1)
    _flow(A, C, P2, q2 / vc)
    _flow(A, P2, C, q2 / p["vp2"])
    # Well-stirred liver: blood flow Qh exchanges central and liver; the liver both loses drug to
    # other metabolites (kel) and forms noresketamine (kmet).  Plasma CL = Qh * E emerges from this.
    _flow(A, C, LIVER, qh / vc)
    _flow(A, LIVER, C, qh / vh)
    _loss(A, LIVER, kel)
    _flow(A, LIVER, NK, kmet)
    _loss(A, NK, nk_cl / nk_vc)
    _flow(A, NK, NKP, nk_q / nk_vc)
    _flow(A, NKP, NK, nk_q / p["nk_vp"])
    d_sw, d_po, f_gut = p["d_sw"] * 60.0, p["d_po"] * 60.0, p["f_gut"]

    def route_inputs(
        route: str, amount: FloatArray, start: float, duration: float, device: int
    ) -> list[Input]:
        if route == "iv-bolus":
            return [Input(C, start, 0.0, amount)]
        if route == "iv-infusion":
            return [Input(C, start, duration, amount)]
        if route == "oral":
            return [Input(ORAL, start, d_po, amount * f_gut)]
        if route == "intranasal":
            fraction = np.minimum(frn * (p["frn_later_device"] if device > 0 else 1.0), 1.0)
            return [
                Input(NASAL, start, 0.0, amount * fraction),
                Input(SWALLOWED, start, d_sw, amount * (1.0 - fraction) * f_gut),
            ]
        raise ValueError(f"route {route} not available")

    states = (
        "nasal",
        "swallowed",
        "oral",
        "central",
        "peripheral1",
        "peripheral2",
        "liver",
        "nk_central",
        "nk_peripheral",
    )
    return PKSystem(A, states, C, vc, NK, nk_vc, route_inputs)


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


# --------------------------------------------------------------------------------------------
# The registry.
# --------------------------------------------------------------------------------------------
MODELS: dict[str, Model] = {
    m.id: m
    for m in (
        Model(
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
                "No between-subject variability published in the transcription: population "
                "bands are degenerate.",
            ),
        ),
        Model(
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
        ),
        Model(
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
        ),
        Model(
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
        ),
        Model(
            id="herd-2007",
            title="Herd & Anderson 2007, racemic ketamine in children, 2 compartments, allometric",
            analyte="racemic ketamine",
            population=(
                "54 children, 8.3 +/- 3.5 y, 32.5 kg, emergency-department sedation with 1-1.5 mg/kg IV"
            ),
            sampling="venous",
            routes=("iv-bolus", "iv-infusion"),
            validity=Validity(
                (8.0, 80.0),
                (1.0, 18.0),
                "children",
                "herd-2007",
                False,
                "abstract gives only mean +/- SD (8.3 +/- 3.5 y, 32.5 kg); this range is an "
                "engineering default",
            ),
            params=HERD_PARAMS,
            build=_build_herd,
            citations=("herd-2007",),
            default_effect_site="herd-2008",
            variability=HERD_VARIABILITY,
        ),
        Model(
            id="hornik-2018",
            title="Hornik 2018, racemic ketamine in children, 2 compartments, allometric",
            analyte="racemic ketamine",
            population="113 children, 0.02-17.6 y, 2.4-176.1 kg (abstract)",
            sampling="not stated in the abstract",
            routes=("iv-bolus", "iv-infusion", "im"),
            validity=Validity((2.4, 176.1), (0.02, 17.6), "children", "hornik-2018", True, "abstract"),
            params=HORNIK_PARAMS,
            build=_build_hornik,
            citations=("hornik-2018", "opentiva", "hirlinger-1984", "grant-1983"),
            default_effect_site="herd-2008",
            notes=(
                "IM: bioavailability 0.41 is Hornik's (abstract); the absorption half-time (7.4 min) is "
                "derived from Hirlinger 1984's 15-min median time to peak in adults, not published: set "
                "your own with --absorption-half-time-min.",
                "No between-subject variability implemented: population bands are degenerate.",
            ),
            absorption={"im": Absorption(("f_im",), "t_half_abs_im")},
        ),
        Model(
            id="brunette-2011",
            title=(
                "Racemic ketamine by mouth (oral, sublingual): Brunette 2011 absorption on the Herd 2007 "
                "disposition, F by route from named studies (a KetaCare composition)"
            ),
            analyte="racemic ketamine",
            population=(
                "absorption from 20 children 1-8 y given 5-10 mg/kg orally (pooled with 71 other subjects, "
                "one an adult); F in adults from Rolan 2014 (8 healthy men) and Chong 2009 (6 patients)"
            ),
            sampling="venous",
            routes=("oral", "sublingual", "iv-bolus", "iv-infusion"),
            validity=Validity(
                (7.9, 120.0),
                (1.0, 80.0),
                "children and adults",
                "brunette-2011",
                False,
                "Brunette's children weighed 7.9-25 kg (abstract); the upper limits are an engineering "
                "default for the adult bioavailability studies, whose ranges were not retrieved",
            ),
            params=ORAL_RACEMIC_PARAMS,
            build=_build_oral_racemic,
            citations=("brunette-2011", "herd-2007", "rolan-2014", "chong-2009", "chong-2006"),
            default_effect_site="olofsen-2012",
            variability=ORAL_RACEMIC_VARIABILITY,
            notes=(
                "A composition of published numbers, not one paper's model: each number is verified "
                "against its abstract, the combination was not fitted to any data set.",
                "Oral F is Brunette's 0.45 under 18 years and Chong's 0.24 in adults; sublingual F is "
                "Rolan's 0.29 (adults; no sublingual F in children was found). Set your own with "
                "--bioavailability.",
                "Sublingual uses the oral absorption half-time: Chong and Yanagihara found sublingual and "
                "swallowed profiles alike. It peaks at about 66 min in a 70-kg adult, within Chong's "
                "0.76 +/- 0.51 h but after Rolan's latest wafer subject (1.0 h).",
                "No norketamine: Brunette's metabolite parameters were not retrievable, and swallowed "
                "ketamine makes more norketamine than ketamine (Chong, Yanagihara).",
            ),
            absorption={
                "oral": Absorption(("f_oral_child", "f_oral_adult"), "t_half_abs"),
                "sublingual": Absorption(("f_sublingual",), "t_half_abs"),
            },
        ),
        Model(
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
        ),
        Model(
            id="perez-ruixo-2020",
            title="Perez-Ruixo 2020, esketamine nasal spray with hepatic first pass and noresketamine",
            analyte="esketamine",
            population=(
                "820 healthy subjects and patients with treatment-resistant depression, 18-86 y, 39-170 kg"
            ),
            sampling="venous plasma",
            routes=("intranasal", "iv-bolus", "iv-infusion", "oral"),
            validity=Validity((39.0, 170.0), (18.0, 86.0), "adults", "perez-ruixo-2020", True, "Table 2"),
            params=PEREZ_RUIXO_PARAMS,
            build=_build_perez_ruixo,
            citations=("perez-ruixo-2020",),
            default_effect_site="olofsen-2012",
            variability=PEREZ_RUIXO_VARIABILITY,
            notes=(
                "Noresketamine parameters are apparent (/F): with the published set the model reproduces "
                "Table 4 noresketamine Cmax but over-predicts noresketamine AUC0-24 by about 1.4x (known "
                "inconsistency, see docs/pharmacology.md).",
                "Intranasal doses are 28-mg devices; from the second device on the nasal fraction is x0.62.",
            ),
        ),
        Model(
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
        ),
    )
}

# Default model per route and population, with the reason (docs/pharmacology.md repeats these).
DEFAULTS: dict[tuple[str, str], tuple[str, str]] = {
    ("iv-bolus", "adult"): ("domino-1984", "classic adult 3-compartment racemic model used in TCI software"),
    ("iv-infusion", "adult"): (
        "clements-1981",
        "venous-sampled racemic model whose end-of-infusion concentration after 0.5 mg/kg over "
        "40 min (177 ng/mL) "
        "is closest to the 185 ng/mL reported in depression trials",
    ),
    ("iv-bolus", "child"): ("herd-2007", "verified children's model with published variability"),
    ("iv-infusion", "child"): ("herd-2007", "verified children's model with published variability"),
    ("im", "child"): (
        "hornik-2018",
        "the only IM model (children, F 0.41); its absorption half-time is derived, not published",
    ),
    ("oral", "child"): (
        "brunette-2011",
        "racemic oral ketamine with Brunette's children's F and absorption (verified abstract numbers)",
    ),
    ("intranasal", "adult"): (
        "perez-ruixo-2020",
        "the only esketamine nasal model; verified against Table 4",
    ),
    ("oral", "adult"): (
        "brunette-2011",
        "racemic ketamine, the drug clinics compound for oral use; every number verified against its "
        "abstract (perez-ruixo-2020 models esketamine oral solution)",
    ),
    ("sublingual", "adult"): (
        "brunette-2011",
        "racemic ketamine lozenges and wafers, with Rolan 2014's F (simons-2022 models the S-ketamine film)",
    ),
}


def get_model(model_id: str) -> Model:
    try:
        return MODELS[model_id]
    except KeyError:
        raise KeyError(f"unknown model {model_id!r}; known: {', '.join(MODELS)}") from None


def default_model(route: str, age_years: float) -> tuple[Model, str]:
    """The documented default model for a route and age, with the reason."""
    group = "child" if age_years < 18 else "adult"
    try:
        model_id, reason = DEFAULTS[(route, group)]
    except KeyError:
        gap = ROUTE_GAPS.get((route, group))
        raise KeyError(gap or f"no model offers route {route} for {group}s") from None
    return MODELS[model_id], reason


def route_refusal(model: Model, route: str) -> str:
    """One line saying that ``model`` lacks ``route``, and which models offer it."""
    text = f"model {model.id} has no route {route}; it offers {', '.join(model.routes)}"
    others = [m.id for m in MODELS.values() if route in m.routes]
    text += f" (models with {route}: {', '.join(others)})" if others else ""
    return text


def weight_range_of_all_models() -> tuple[float, float]:
    lows = [m.validity.weight_kg[0] for m in MODELS.values()]
    highs = [m.validity.weight_kg[1] for m in MODELS.values()]
    return min(lows), max(highs)
