"""The published models, one file each (`<id>.py`, dashes as underscores): its parameters with their
sources, its structure and its registry entry. This package collects them into `MODELS`.

Conventions: builders receive the typical values (``p``, in the units of the ``Param``), the
covariates and the random effects (``eta``, zeros for a typical patient) and return a
:class:`PKSystem` in mg, L and minutes.  Rate constants published per hour are divided by 60 in the
builders and nowhere else.
"""

from __future__ import annotations

from ..model import Model
from . import (
    brunette_2011,
    clements_1981,
    domino_1984,
    herd_2007,
    hijazi_2003,
    hornik_2018,
    kamp_2020,
    otto_2021,
    perez_ruixo_2020,
    simons_2022,
)

# The registry, in the order the docs list them.
MODELS: dict[str, Model] = {
    module.MODEL.id: module.MODEL
    for module in (
        domino_1984,
        clements_1981,
        hijazi_2003,
        kamp_2020,
        herd_2007,
        hornik_2018,
        brunette_2011,
        otto_2021,
        perez_ruixo_2020,
        simons_2022,
    )
}
