"""MOAA/S: Modified Observer's Assessment of Alertness/Sedation.

Derived from the OAA/S responsiveness category: Chernik DA et al. Validity and reliability of
the Observer's Assessment of Alertness/Sedation Scale: study with intravenous midazolam.
J Clin Psychopharmacol 1990;10(4):244-251. doi:10.1097/00004714-199008000-00003
Level definitions as tabulated in BMC Anesthesiology 2022 (doi:10.1186/s12871-022-01788-1, table 2)
and Thorax's reproduction. Options run 0-5 so the position equals the score.
The esketamine (Spravato) label counts MOAA/S 0 as loss of consciousness; that label text was
read only second-hand. Other sedation alert levels are clinic-set, not defined here.
"""

from __future__ import annotations

from ..model import (
    Administration,
    Citation,
    Flag,
    FlagCode,
    FlagSeverity,
    Instrument,
    Item,
    Licence,
    LicenceKind,
    Loinc,
    Option,
    ScoringContext,
)

ITEMS = (
    Item(
        "1",
        "Responsiveness",
        (
            Option("Does not respond to painful trapezius squeeze", 0),
            Option("Responds only after painful trapezius squeeze", 1),
            Option("Responds only after mild prodding or shaking", 2),
            Option("Responds only after name is called loudly and/or repeatedly", 3),
            Option("Lethargic response to name spoken in normal tone", 4),
            Option("Responds readily to name spoken in normal tone (alert)", 5),
        ),
    ),
)


def flags(ctx: ScoringContext) -> list[Flag]:
    if ctx.total == 0:
        return [
            Flag(
                FlagCode.LOSS_OF_CONSCIOUSNESS,
                FlagSeverity.URGENT,
                "MOAA/S 0: no response to a painful stimulus (loss of consciousness).",
            )
        ]
    return []


MOAAS = Instrument(
    id="moaas",
    abbreviation="MOAA/S",
    name="Modified Observer's Assessment of Alertness/Sedation",
    measures="Depth of sedation",
    recall_period="Now",
    administration=Administration.CLINICIAN_RATED,
    items=ITEMS,
    flags_rule=flags,
    licence=Licence(
        LicenceKind.FREE,
        "MOAA/S, modified from Chernik et al. 1990 (OAA/S).",
        "Published rating definitions reproduced in many open-access trials",
        verified=False,
    ),
    loinc=Loinc(source="No LOINC code found."),
    references=(
        Citation(
            "Chernik DA et al. Validity and reliability of the OAA/S Scale. J Clin Psychopharmacol "
            "1990;10:244-251",
            doi="10.1097/00004714-199008000-00003",
        ),
        Citation("BMC Anesthesiology 2022, table 2 (MOAA/S definitions)", doi="10.1186/s12871-022-01788-1"),
    ),
    notes=("The score is the level; the option labels are the source's definitions, so no bands.",),
)
