"""PHQ-9: Patient Health Questionnaire, depression module.

Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression severity
measure. J Gen Intern Med 2001;16(9):606-613. doi:10.1046/j.1525-1497.2001.016009606.x
Bands 5/10/15/20 = mild/moderate/moderately severe/severe are the paper's.
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
)
from .common import PHQ_FREQUENCY

SUICIDE_ITEM = 9

BANDS = (
    Band("Minimal", 0, 4, "none to minimal depressive symptoms"),
    Band("Mild", 5, 9),
    Band("Moderate", 10, 14),
    Band("Moderately severe", 15, 19),
    Band("Severe", 20, 27),
)

_TEXTS = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself - or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite - being so "
    "fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
)


def flags(ctx: ScoringContext) -> list[Flag]:
    result: list[Flag] = []
    item9 = ctx.item(SUICIDE_ITEM)
    if item9:  # any answer other than "Not at all"
        result.append(
            Flag(
                FlagCode.SUICIDE_RISK,
                FlagSeverity.URGENT,
                f"PHQ-9 item 9 (thoughts of being better off dead or of self-harm) scored {item9}: "
                "assess suicide risk now.",
            )
        )
    return result


PHQ9 = Instrument(
    id="phq-9",
    abbreviation="PHQ-9",
    name="Patient Health Questionnaire-9",
    measures="Depression severity; item 9 screens for thoughts of death or self-harm",
    recall_period="Last 2 weeks",
    administration=Administration.SELF_REPORT,
    items=tuple(Item(str(i), text, PHQ_FREQUENCY) for i, text in enumerate(_TEXTS, start=1)),
    bands=BANDS,
    bands_source="Kroenke, Spitzer & Williams 2001, doi:10.1046/j.1525-1497.2001.016009606.x",
    flags_rule=flags,
    licence=Licence(
        LicenceKind.FREE,
        "PHQ-9 developed by Drs Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, "
        "with an educational grant from Pfizer Inc. No permission required to reproduce, translate, "
        "display or distribute.",
        "Pfizer press release 2010: PHQ and GAD-7 available without copyright restriction "
        "(http://www.worldpharmanews.com/pfizer/1311-pfizer-to-offer-free-public-access-to-mental-health-assessment-tools)",
        verified=True,
    ),
    loinc=Loinc(
        panel="44249-1",
        total="44261-6",
        source="total: HL7 Personal Health Record IG value set (LOINC display 'PHQ-9 total score'); "
        "panel: HL7 US Core example",
    ),
    references=(
        Citation(
            "Kroenke K, Spitzer RL, Williams JBW. The PHQ-9. J Gen Intern Med 2001;16:606-613",
            doi="10.1046/j.1525-1497.2001.016009606.x",
        ),
    ),
    notes=(
        "The optional 10th question (how difficult the problems made life) is not scored and is "
        "not included.",
    ),
)
