"""perez-ruixo-2020: the published model in one file.

Perez-Ruixo 2020: esketamine nasal spray (and IV, oral), with hepatic first pass and noresketamine.

One published model in one file: its parameters (each a `Param` with source, table and verified
flag), its structure (the builder) and its registry entry (`MODEL`), collected by `models/__init__.py`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..model import Covariates, FloatArray, Model, Param, PKSystem, Validity, Variability
from ..solver import Input
from ._structure import (
    _eta,
    _flow,
    _loss,
)

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


MODEL = Model(
    id="perez-ruixo-2020",
    title="Perez-Ruixo 2020, esketamine nasal spray with hepatic first pass and noresketamine",
    analyte="esketamine",
    population=("820 healthy subjects and patients with treatment-resistant depression, 18-86 y, 39-170 kg"),
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
)
