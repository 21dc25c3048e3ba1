"""PACS: Penn Alcohol Craving Scale.

Flannery BA, Volpicelli JR, Pettinati HM. Psychometric properties of the Penn Alcohol Craving
Scale. Alcohol Clin Exp Res 1999;23(8):1289-1295. doi:10.1111/j.1530-0277.1999.tb04349.x
Five items scored 0-6 (total 0-30), recall the past week. The paper publishes no bands.
Cut-offs disagree, so the flag's cut-off is a threshold:
- >= 15: Hartwell EE et al. Addict Behav Rep 2019;10:100198, doi:10.1016/j.abrep.2019.100198
  (optimal sensitivity 67% / specificity 81% against a diagnostic interview; the default)
- > 20 (i.e. >= 21): the earlier proposal Hartwell tested (sensitivity 41%, specificity 95%).
Item 1's wording is PhenX's (freely available); items 2-5 are our paraphrases because their exact
wording was not checked in this session.
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
    ScoringContext,
    Threshold,
)
from .common import scored_options

ITEMS = (
    Item(
        "1",
        "During the past week how often have you thought about drinking or about how good a drink "
        "would make you feel?",
        scored_options(
            "Never (0 times during the past week)",
            "Rarely (1 to 2 times during the past week)",
            "Occasionally (3 to 4 times during the past week)",
            "Sometimes (5 to 10 times during the past week or 1 to 2 times per day)",
            "Often (11 to 20 times during the past week or 2 to 3 times per day)",
            "Most of the time (20 to 40 times during the past week or 3 to 6 times per day)",
            "Nearly all the time (more than 40 times during the past week or more than 6 times per day)",
        ),
    ),
    Item(
        "2",
        "Strongest craving for alcohol in the past week",
        scored_options("0 (none)", "1", "2", "3", "4", "5", "6 (extreme)"),
        paraphrase=True,
    ),
    Item(
        "3",
        "Time spent thinking about drinking in the past week",
        scored_options("0 (none)", "1", "2", "3", "4", "5", "6 (most of the time)"),
        paraphrase=True,
    ),
    Item(
        "4",
        "How hard it would have been to resist a drink in the past week",
        scored_options("0 (not difficult)", "1", "2", "3", "4", "5", "6 (could not resist)"),
        paraphrase=True,
    ),
    Item(
        "5",
        "Overall average craving for alcohol in the past week",
        scored_options("0 (none)", "1", "2", "3", "4", "5", "6 (extreme)"),
        paraphrase=True,
    ),
)


def flags(ctx: ScoringContext) -> list[Flag]:
    assert ctx.total is not None
    value = ctx.thresholds["clinically_significant"]
    if ctx.total >= value:
        return [
            Flag(
                FlagCode.ALCOHOL_CRAVING_SIGNIFICANT,
                FlagSeverity.WARNING,
                f"PACS total {ctx.total} is at or above {value} (clinically significant craving).",
            )
        ]
    return []


PACS = Instrument(
    id="pacs",
    abbreviation="PACS",
    name="Penn Alcohol Craving Scale",
    measures="Alcohol craving: frequency, intensity, duration, ability to resist, overall",
    recall_period="Past week",
    administration=Administration.SELF_REPORT,
    items=ITEMS,
    flags_rule=flags,
    thresholds=(
        Threshold(
            "clinically_significant",
            15,
            "Total at or above which craving is flagged as clinically significant",
            "Hartwell et al. 2019, doi:10.1016/j.abrep.2019.100198",
            alternatives="21 (the '> 20' cut-off, sensitivity 41%, specificity 95%, same paper)",
        ),
    ),
    licence=Licence(
        LicenceKind.FREE,
        "Penn Alcohol Craving Scale: Flannery BA, Volpicelli JR, Pettinati HM, 1999.",
        "PhenX Toolkit protocol 511702: 'freely available; permission not required for use'",
        verified=True,
    ),
    loinc=Loinc(source="No LOINC code found."),
    references=(
        Citation(
            "Flannery BA, Volpicelli JR, Pettinati HM. Psychometric properties of the Penn Alcohol "
            "Craving Scale. Alcohol Clin Exp Res 1999;23:1289-1295",
            doi="10.1111/j.1530-0277.1999.tb04349.x",
        ),
        Citation(
            "Hartwell EE, Bujarski S, Green R, Ray LA. Convergence between the PACS and diagnostic "
            "interview for the assessment of alcohol craving. Addict Behav Rep 2019;10:100198",
            doi="10.1016/j.abrep.2019.100198",
        ),
        Citation("PhenX Toolkit protocol 511702", url="https://www.phenxtoolkit.org/protocols/view/511702"),
    ),
    notes=("No severity bands are published; the result has a total and a flag, no band.",),
)
