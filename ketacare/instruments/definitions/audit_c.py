"""AUDIT-C: the three consumption items of the AUDIT.

Cut-offs are sex-specific in the literature, and sources disagree on them, so both are
thresholds a clinic may change:
- men >= 4: Bush K et al. Arch Intern Med 1998;158:1789-1795, doi:10.1001/archinte.158.16.1789
- women >= 3: Bradley KA et al. Arch Intern Med 2003;163:821-829, doi:10.1001/archinte.163.7.821
Some programmes use >= 5 (men) / >= 4 (women) for higher specificity; that alternative was not
checked against its primary source here.
When sex is not given, the lower (women's) cut-off is applied, because a missed positive screen
costs more than a false one; the band says so.
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
    Licence,
    Loinc,
    ScoringContext,
    Sex,
    Threshold,
)
from .audit import AUDIT_LICENCE, ITEMS, WHO_MANUAL


def cutoff(ctx: ScoringContext) -> tuple[int, str]:
    men, women = ctx.thresholds["positive_men"], ctx.thresholds["positive_women"]
    if ctx.sex is Sex.MALE:
        return men, "men's cut-off"
    if ctx.sex is Sex.FEMALE:
        return women, "women's cut-off"
    return min(men, women), "sex not given: the lower cut-off applied"


def bands(ctx: ScoringContext) -> tuple[Band, ...]:
    value, basis = cutoff(ctx)
    return (
        Band("Negative screen", 0, value - 1, basis),
        Band("Positive screen", value, 12, basis),
    )


def flags(ctx: ScoringContext) -> list[Flag]:
    value, basis = cutoff(ctx)
    assert ctx.total is not None
    if ctx.total >= value:
        return [
            Flag(
                FlagCode.ALCOHOL_SCREEN_POSITIVE,
                FlagSeverity.WARNING,
                f"AUDIT-C total {ctx.total} is at or above {value} ({basis}).",
            )
        ]
    return []


AUDIT_C = Instrument(
    id="audit-c",
    abbreviation="AUDIT-C",
    name="Alcohol Use Disorders Identification Test - Consumption",
    measures="Alcohol consumption (screen for hazardous drinking)",
    recall_period="Last year",
    administration=Administration.SELF_REPORT,
    items=ITEMS[:3],
    bands_rule=bands,
    bands_source="Bush et al. 1998 (men >= 4); Bradley et al. 2003 (women >= 3)",
    flags_rule=flags,
    uses_sex=True,
    thresholds=(
        Threshold(
            "positive_men",
            4,
            "AUDIT-C total at or above which a man screens positive",
            "Bush et al. 1998, doi:10.1001/archinte.158.16.1789",
            alternatives="5 (higher specificity; primary source not checked here)",
        ),
        Threshold(
            "positive_women",
            3,
            "AUDIT-C total at or above which a woman screens positive",
            "Bradley et al. 2003, doi:10.1001/archinte.163.7.821",
            alternatives="4 (higher specificity; primary source not checked here)",
        ),
    ),
    licence=Licence(
        AUDIT_LICENCE.kind,
        "AUDIT-C: items 1-3 of the AUDIT (c) World Health Organization; Bush et al. 1998.",
        AUDIT_LICENCE.source,
        verified=False,
        note=AUDIT_LICENCE.note,
    ),
    loinc=Loinc(
        panel="72109-2",
        total="75626-2",
        source="total: HL7 Lithuania lifestyle IG ('Total score [AUDIT-C]'); panel: HL7 US Core example",
    ),
    references=(
        Citation(
            "Bush K, Kivlahan DR, McDonell MB, Fihn SD, Bradley KA. The AUDIT alcohol consumption "
            "questions (AUDIT-C). Arch Intern Med 1998;158:1789-1795",
            doi="10.1001/archinte.158.16.1789",
        ),
        Citation(
            "Bradley KA, Bush KR, Epler AJ, et al. Two brief alcohol-screening tests from the AUDIT: "
            "validation in a female VA patient population. Arch Intern Med 2003;163:821-829",
            doi="10.1001/archinte.163.7.821",
        ),
        WHO_MANUAL,
    ),
)
