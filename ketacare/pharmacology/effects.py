"""Effect site, NMDA-receptor occupancy and the concentration bands of the literature.

Everything here is pharmacodynamics layered on the PK: an effect compartment with a *published*
equilibration half-time, a competitive-binding estimate of NMDA occupancy from published Ki values and
the unbound fraction, and concentration bands each tied to its source.  Occupancy is a model-derived
number (in-vitro rat-cortex Ki, no human PET data at these doses), not a measurement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .model import Param
from .units import MOLAR_MASS_KETAMINE, MOLAR_MASS_NORKETAMINE

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class EffectSite:
    """A blood/effect-site equilibration constant taken from a publication."""

    id: str
    t_half_min: Param
    description: str

    @property
    def ke0_per_min(self) -> float:
        return math.log(2.0) / self.t_half_min.value


EFFECT_SITES: dict[str, EffectSite] = {
    e.id: e
    for e in (
        EffectSite(
            "olofsen-2012",
            Param(6.1, "min", "olofsen-2012", True, "abstract: t1/2ke0 averaged across all endpoints"),
            "S-ketamine in healthy adults, mean of analgesia, drug high and cognitive endpoints "
            "(arterial PK)",
        ),
        EffectSite(
            "olofsen-2012-pain",
            Param(11.8, "min", "olofsen-2012", True, "abstract: t1/2ke0 for pain intensity"),
            "S-ketamine in healthy adults, pain-intensity endpoint (slowest reported)",
        ),
        EffectSite(
            "herd-2008",
            Param(
                11.0 / 60.0,
                "min",
                "herd-2008",
                True,
                "abstract: 'the half-time describing equilibration between the effect compartment and "
                "central compartment was 11 s (95% CI 0.07-20 s)'; 43 children in the PD analysis, "
                "sedation score; the wide interval means onset in children is PK-limited",
            ),
            "racemic ketamine in children, sedation score",
        ),
    )
}


# Ki at the NMDA receptor PCP site ([3H]MK-801 displacement, rat cortex), Ebert 1997 abstract.
KI_UM: dict[str, Param] = {
    "s-ketamine": Param(0.30, "uM", "ebert-1997", True),
    "r-ketamine": Param(1.4, "uM", "ebert-1997", True),
    "s-norketamine": Param(1.7, "uM", "ebert-1997", True),
    "r-norketamine": Param(13.0, "uM", "ebert-1997", True),
}

# Unbound fraction in plasma.  The esketamine label gives 43-45% bound; we take the midpoint.  For the
# racemate secondary sources give 12-47% bound (unverified), so the esketamine value is used for both
# and the choice is configurable.
UNBOUND_FRACTION = Param(
    0.56, "fraction", "spravato-label", True, "1 - 0.44 (label: 43-45% bound); applied to racemate too"
)

# S-ketamine is about twice as potent as the racemate (Peltoniemi 2016 abstract); used only to place
# esketamine concentrations on the racemic concentration bands below.
S_KETAMINE_POTENCY_VS_RACEMATE = Param(
    2.0,
    "ratio",
    "peltoniemi-2016",
    True,
    "abstract: 'approximately two times more effective than the racemic mixture'; applying it to "
    "dissociation bands is our assumption",
)


def nmda_occupancy(
    ketamine_ng_ml: FloatArray,
    norketamine_ng_ml: FloatArray | None,
    analyte: str,
    unbound_fraction: float = UNBOUND_FRACTION.value,
) -> FloatArray:
    """Fraction of NMDA receptors occupied, competitive binding of all ligands to one site.

    ``occ = sum(Cu_i / Ki_i) / (1 + sum(Cu_i / Ki_i))`` with ``Cu = fu * C`` in uM.

    Parameters
    ----------
    ketamine_ng_ml : ndarray
        Effect-site concentration of the parent (racemate or esketamine), ng/mL.
    norketamine_ng_ml : ndarray or None
        Plasma concentration of the metabolite, ng/mL (None if not modelled).  The metabolite has no
        effect site in any model, so plasma is used.
    analyte : {"racemic ketamine", "esketamine"}
        The racemate is split 50:50 into S and R.
    unbound_fraction : float

    Returns
    -------
    ndarray
        Same shape as ``ketamine_ng_ml``, values in [0, 1).
    """
    if analyte == "racemic ketamine":
        # Racemate = 50% S + 50% R, each binding with its own Ki; likewise for the metabolite.
        parent_per_ki = 0.5 / KI_UM["s-ketamine"].value + 0.5 / KI_UM["r-ketamine"].value
        metabolite_per_ki = 0.5 / KI_UM["s-norketamine"].value + 0.5 / KI_UM["r-norketamine"].value
    elif analyte == "esketamine":
        parent_per_ki = 1.0 / KI_UM["s-ketamine"].value
        metabolite_per_ki = 1.0 / KI_UM["s-norketamine"].value
    else:
        raise ValueError(f"unknown analyte {analyte!r}")
    # Sum of Cu/Ki per ng/mL of each analyte: fu / molar mass (ng/mL -> uM) / Ki.
    parent_factor = unbound_fraction / MOLAR_MASS_KETAMINE * parent_per_ki
    metabolite_factor = unbound_fraction / MOLAR_MASS_NORKETAMINE * metabolite_per_ki
    ketamine = np.asarray(ketamine_ng_ml, dtype=float)
    result = np.empty_like(ketamine)
    # Work in blocks of columns so temporaries stay small and re-used (large fresh temporaries are
    # page-faulted on every operation, which dominates for 10,000 x 1441 arrays).
    flat_rows = ketamine.reshape(ketamine.shape[0], -1) if ketamine.ndim > 1 else ketamine.reshape(1, -1)
    out_rows = result.reshape(flat_rows.shape)
    nk_rows = (
        None
        if norketamine_ng_ml is None
        else np.asarray(norketamine_ng_ml, dtype=float).reshape(flat_rows.shape)
    )
    step = max(1, 500_000 // max(1, flat_rows.shape[0]))
    for j in range(0, flat_rows.shape[1], step):
        block = np.maximum(flat_rows[:, j : j + step], 0.0)
        block *= parent_factor
        if nk_rows is not None:
            block += np.maximum(nk_rows[:, j : j + step], 0.0) * metabolite_factor
        view = out_rows[:, j : j + step]
        np.add(block, 1.0, out=view)
        np.divide(block, view, out=view)
    return result


@dataclass(frozen=True)
class Band:
    """A range of racemic-ketamine plasma/effect concentration associated with an effect."""

    id: str
    label: str
    low_ng_ml: Param
    high_ng_ml: Param | None
    note: str


BANDS: dict[str, Band] = {
    b.id: b
    for b in (
        Band(
            "analgesia",
            "analgesia",
            Param(
                100.0, "ng/mL", "hornik-2018-abstract-bands", True, "'associated with analgesia (>100 ng/mL)'"
            ),
            None,
            "Zanos 2018 Table 1 lists 70-160 ng/mL for analgesia as well.",
        ),
        Band(
            "dissociation",
            "dissociation / psychotomimetic effects",
            Param(100.0, "ng/mL", "zanos-2018", False, "Krystal 1994 via Zanos 2018 Table 1 (secondary)"),
            Param(250.0, "ng/mL", "zanos-2018", False, "Krystal 1994 via Zanos 2018 Table 1 (secondary)"),
            "Bowdle 1998 (abstract): psychedelic effects rise linearly with venous concentration "
            "over 50-200 ng/mL.",
        ),
        Band(
            "awakening",
            "awakening from ketamine anaesthesia (below this)",
            Param(750.0, "ng/mL", "hornik-2018-abstract-bands", True, "'anesthesia awakening (750 ng/mL)'"),
            None,
            "Idvall 1979 reports awakening at about 640 ng/mL (2.7 umol/L) in adults.",
        ),
        Band(
            "anaesthesia",
            "anaesthesia",
            Param(
                2000.0, "ng/mL", "schuttler-1987", True, "IC50 of EEG slowing, racemate 2.0 ug/mL (abstract)"
            ),
            None,
            "Idvall 1979: about 2.2 ug/mL during ketamine maintenance anaesthesia.",
        ),
    )
}


def racemic_equivalent(concentration_ng_ml: FloatArray, analyte: str) -> FloatArray:
    """Concentration on the racemic scale of the bands (esketamine counts twice, by potency)."""
    if analyte == "esketamine":
        return np.asarray(concentration_ng_ml, dtype=float) * S_KETAMINE_POTENCY_VS_RACEMATE.value
    return np.asarray(concentration_ng_ml, dtype=float)
