"""brunette-2011: the published model in one file.

Racemic ketamine by mouth: Brunette 2011 absorption on the Herd 2007 disposition (a composition).

One published model in one file: its parameters (each a `Param` with source, table and verified
flag), its structure (the builder) and its registry entry (`MODEL`), collected by `models/__init__.py`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..model import Absorption, Covariates, FloatArray, Model, PKSystem, Validity, Variability
from ._structure import (
    LN2,
    _eta,
    _with_depots,
)
from .evidence import ROUTE_EVIDENCE
from .herd_2007 import HERD_PARAMS, HERD_VARIABILITY, _build_herd

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


MODEL = Model(
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
)
