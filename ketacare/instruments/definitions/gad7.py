"""GAD-7: Generalized Anxiety Disorder 7-item scale.

Spitzer RL, Kroenke K, Williams JBW, Lowe B. A brief measure for assessing generalized anxiety
disorder: the GAD-7. Arch Intern Med 2006;166(10):1092-1097. doi:10.1001/archinte.166.10.1092
Cut-points 5/10/15 = mild/moderate/severe; 10 is the paper's screening cut-off.
"""

from __future__ import annotations

from ..model import (
    Administration,
    Band,
    Citation,
    Flag,
    FlagCode,
    FlagSeverity,
    Instrument,
    Item,
    Licence,
    LicenceKind,
    Loinc,
    ScoringContext,
    Threshold,
)
from .common import PHQ_FREQUENCY

BANDS = (
    Band("Minimal", 0, 4),
    Band("Mild", 5, 9),
    Band("Moderate", 10, 14),
    Band("Severe", 15, 21),
)

_TEXTS = (
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
)


def flags(ctx: ScoringContext) -> list[Flag]:
    assert ctx.total is not None
    cutoff = ctx.thresholds["screen_positive"]
    if ctx.total >= cutoff:
        return [
            Flag(
                FlagCode.ANXIETY_SCREEN_POSITIVE,
                FlagSeverity.WARNING,
                f"GAD-7 total {ctx.total} is at or above the screening cut-off of {cutoff}.",
            )
        ]
    return []


GAD7 = Instrument(
    id="gad-7",
    abbreviation="GAD-7",
    name="Generalized Anxiety Disorder 7-item scale",
    measures="Anxiety severity",
    recall_period="Last 2 weeks",
    administration=Administration.SELF_REPORT,
    items=tuple(Item(str(i), text, PHQ_FREQUENCY) for i, text in enumerate(_TEXTS, start=1)),
    bands=BANDS,
    bands_source="Spitzer et al. 2006, doi:10.1001/archinte.166.10.1092",
    flags_rule=flags,
    thresholds=(
        Threshold(
            "screen_positive",
            10,
            "Total at or above which the screen is positive",
            "Spitzer et al. 2006, doi:10.1001/archinte.166.10.1092",
        ),
    ),
    licence=Licence(
        LicenceKind.FREE,
        "GAD-7 developed by Drs Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, "
        "with an educational grant from Pfizer Inc. No permission required to reproduce, translate, "
        "display or distribute.",
        "Pfizer press release 2010 (see PHQ-9)",
        verified=True,
    ),
    loinc=Loinc(
        panel="69737-5",
        total="70274-6",
        source="total: HL7 Personal Health Record IG value set (LOINC display 'GAD-7 total score'); "
        "panel: FHIR IGs",
    ),
    references=(
        Citation(
            "Spitzer RL, Kroenke K, Williams JBW, Lowe B. A brief measure for assessing generalized "
            "anxiety disorder: the GAD-7. Arch Intern Med 2006;166:1092-1097",
            doi="10.1001/archinte.166.10.1092",
        ),
    ),
)
