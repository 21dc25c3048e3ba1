"""BAM: Brief Addiction Monitor (Likert-response version).

Cacciola JS, Alterman AI, DePhilippis D, et al. Development and initial evaluation of the Brief
Addiction Monitor (BAM). J Subst Abuse Treat 2013;44(3):256-263. doi:10.1016/j.jsat.2012.07.013
Subscales (VA MIRECC scoring; same item lists in Blueprint's guide): Use = items 4+5+6;
Risk = 1+2+3+8+11+15; Protective = 9+10+12+13+14+16. Items 7A-7G elaborate item 6 and item 17
is an overall rating: neither is in a subscale. No total.
The Likert version scores day counts 0 / 1-3 / 4-8 / 9-15 / 16-30 as 0-4. Blueprint quotes
cut-offs (Use >= 1, Risk >= 12, Protective <= 12) without a primary source, so they are not
encoded. Item texts are our paraphrases (the VA form's wording was not read in this session).
"""

from __future__ import annotations

from ..model import (
    Administration,
    Citation,
    Condition,
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
    Subscale,
)
from .common import scored_options

DAYS = scored_options("0 days", "1-3 days", "4-8 days", "9-15 days", "16-30 days")
HEALTH = scored_options("Excellent", "Very good", "Good", "Fair", "Poor")
AMOUNT = scored_options("Not at all", "Slightly", "Moderately", "Considerably", "Extremely")
ANY_DRUG_USE = Condition(item=6, scores=frozenset({1, 2, 3, 4}))

_DRUGS = (
    "Marijuana",
    "Sedatives/tranquilizers",
    "Cocaine/crack",
    "Other stimulants",
    "Opiates",
    "Inhalants",
    "Other drugs",
)

ITEMS = (
    Item("1", "Physical health in the past 30 days", HEALTH, paraphrase=True),
    Item("2", "Nights with trouble falling or staying asleep", DAYS, paraphrase=True),
    Item("3", "Days feeling depressed, anxious, angry or very upset most of the day", DAYS, paraphrase=True),
    Item("4", "Days drinking any alcohol", DAYS, paraphrase=True),
    Item("5", "Days with at least 5 drinks (men) or 4 drinks (women)", DAYS, paraphrase=True),
    Item("6", "Days using illegal/street drugs or misusing prescription medication", DAYS, paraphrase=True),
    *(
        Item(f"7{letter}", f"Days using: {drug}", DAYS, paraphrase=True, scored=False, asked_if=ANY_DRUG_USE)
        for letter, drug in zip("ABCDEFG", _DRUGS, strict=True)
    ),
    Item("8", "Bothered by cravings or urges to drink or use drugs", AMOUNT, paraphrase=True),
    Item("9", "Confidence in staying completely abstinent for the next 30 days", AMOUNT, paraphrase=True),
    Item("10", "Days attending self-help meetings to support recovery", DAYS, paraphrase=True),
    Item("11", "Days in risky situations or with people who raise the risk of using", DAYS, paraphrase=True),
    Item("12", "Religion or spirituality helps support recovery", AMOUNT, paraphrase=True),
    Item("13", "Days spent much of the time at work, school or volunteering", DAYS, paraphrase=True),
    Item(
        "14",
        "Enough legal income for necessities for self and dependants",
        (Option("No", 0), Option("Yes", 4)),
        paraphrase=True,
    ),
    Item("15", "Bothered by arguments or problems with family or friends", AMOUNT, paraphrase=True),
    Item("16", "Days in contact with family or friends supportive of recovery", DAYS, paraphrase=True),
    Item("17", "Satisfaction with progress toward recovery goals", AMOUNT, paraphrase=True, scored=False),
)


def _positions(*labels: str) -> tuple[int, ...]:
    """1-based positions of printed item numbers (item 7 has seven parts, so 8 is position 14)."""
    index = {item.label: position for position, item in enumerate(ITEMS, start=1)}
    return tuple(index[label] for label in labels)


SUBSCALES = (
    Subscale("use", "Use", _positions("4", "5", "6"), "higher = more use"),
    Subscale("risk", "Risk factors", _positions("1", "2", "3", "8", "11", "15"), "higher = more risk"),
    Subscale(
        "protective",
        "Protective factors",
        _positions("9", "10", "12", "13", "14", "16"),
        "higher = more protection",
    ),
)


def flags(ctx: ScoringContext) -> list[Flag]:
    if ctx.subscales["use"] > 0:
        return [
            Flag(
                FlagCode.SUBSTANCE_USE_REPORTED,
                FlagSeverity.INFO,
                f"BAM: alcohol or drug use reported in the past 30 days (Use {ctx.subscales['use']}).",
            )
        ]
    return []


BAM = Instrument(
    id="bam",
    abbreviation="BAM",
    name="Brief Addiction Monitor",
    measures="Substance use, risk factors and protective factors for recovery",
    recall_period="Past 30 days",
    administration=Administration.SELF_REPORT,
    items=ITEMS,
    has_total=False,
    subscales=SUBSCALES,
    flags_rule=flags,
    licence=Licence(
        LicenceKind.FREE,
        "Brief Addiction Monitor, developed by the VA (VISN 4 MIRECC / Philadelphia CESATE); "
        "Cacciola JS et al. 2013.",
        "A US federal (VA) work; public-domain status not confirmed",
        verified=False,
    ),
    loinc=Loinc(source="No LOINC code found."),
    references=(
        Citation(
            "Cacciola JS et al. Development and initial evaluation of the Brief Addiction Monitor. "
            "J Subst Abuse Treat 2013;44:256-263",
            doi="10.1016/j.jsat.2012.07.013",
        ),
        Citation(
            "Blueprint, Brief Addiction Monitor guide", url="https://ebchelp.blueprint.ai/en/articles/3945380"
        ),
    ),
    notes=("Items 7A-7G are asked only when item 6 reports drug use.",),
)
