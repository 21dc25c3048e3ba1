"""hornik-2018: Hornik 2018: children, IV and IM (first-order absorption, F 0.41).

One published model in one file: its parameters (each a `Param` with source, table and verified
flag), its structure (the builder) and its registry entry (`MODEL`), collected by `models/__init__.py`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..model import Absorption, Covariates, FloatArray, Model, Param, PKSystem, Validity
from ._structure import (
    LN2,
    _iv_only,
    _mammillary,
    _with_depots,
)
from .evidence import ROUTE_EVIDENCE

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


MODEL = Model(
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
)
