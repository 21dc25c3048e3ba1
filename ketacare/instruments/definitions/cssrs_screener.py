"""C-SSRS Screener: Columbia-Suicide Severity Rating Scale, screen version (recent).

Posner K, Brown GK, Stanley B, et al. The Columbia-Suicide Severity Rating Scale. Am J
Psychiatry 2011;168(12):1266-1277. doi:10.1176/appi.ajp.2011.10111704

No total: the answers place the person in a risk tier. Tiers follow the Columbia screener
"with triage" form as summarised by Blueprint's C-SSRS (Screen) guide (items 1-2 low; item 3 or
lifetime behaviour moderate; items 4, 5 or behaviour in the past 3 months high), and Columbia's
clinical triage guidelines (intent, a plan, or any behaviour in the past 3 months = the most
emergent level). Skip logic: items 3-5 only if item 2 is yes; 6b only if 6 is yes.
Only item 1's wording was read from Columbia's site; the others are short paraphrases, so the
app must present Columbia's official screener wording.
"""

from __future__ import annotations

from ..model import (
    Administration,
    Band,
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
    ScoringContext,
)
from .common import NO_YES

YES = frozenset({1})
AFTER_ITEM_2 = Condition(item=2, scores=YES)

ITEMS = (
    Item(
        "1",
        "Have you wished you were dead or wished you could go to sleep and not wake up?",
        NO_YES,
        note="Past month",
    ),
    Item("2", "Any actual thoughts of killing yourself (past month)", NO_YES, paraphrase=True),
    Item(
        "3",
        "Thought about how you might do it (method) (past month)",
        NO_YES,
        paraphrase=True,
        asked_if=AFTER_ITEM_2,
    ),
    Item(
        "4",
        "Any intention of acting on these thoughts (past month)",
        NO_YES,
        paraphrase=True,
        asked_if=AFTER_ITEM_2,
    ),
    Item(
        "5",
        "Started to work out or worked out the details of how to kill yourself, and intend to "
        "carry out the plan (past month)",
        NO_YES,
        paraphrase=True,
        asked_if=AFTER_ITEM_2,
    ),
    Item(
        "6",
        "Ever done, started to do, or prepared to do anything to end your life (lifetime)",
        NO_YES,
        paraphrase=True,
    ),
    Item(
        "6b",
        "Was that within the past 3 months?",
        NO_YES,
        paraphrase=True,
        asked_if=Condition(item=6, scores=YES),
    ),
)

NO_RISK = Band("No risk identified", meaning="no item answered yes")
LOW = Band("Low risk", meaning="wish to be dead or non-specific suicidal thoughts only (items 1-2)")
MODERATE = Band(
    "Moderate risk", meaning="thoughts with a method (item 3) or suicidal behaviour more than 3 months ago"
)
HIGH = Band(
    "High risk", meaning="intent (item 4), a plan with intent (item 5), or behaviour in the past 3 months"
)
TIERS = (NO_RISK, LOW, MODERATE, HIGH)


def classify(ctx: ScoringContext) -> Band:
    if ctx.item(4) or ctx.item(5) or ctx.item(7):
        return HIGH
    if ctx.item(3) or ctx.item(6):
        return MODERATE
    if ctx.item(1) or ctx.item(2):
        return LOW
    return NO_RISK


def flags(ctx: ScoringContext) -> list[Flag]:
    tier = classify(ctx)
    if tier is NO_RISK:
        return []
    severity = FlagSeverity.URGENT if tier is HIGH else FlagSeverity.WARNING
    return [Flag(FlagCode.SUICIDE_RISK, severity, f"C-SSRS screener: {tier.label.lower()} ({tier.meaning}).")]


CSSRS_SCREENER = Instrument(
    id="c-ssrs-screener",
    abbreviation="C-SSRS Screener",
    name="Columbia-Suicide Severity Rating Scale, Screener (recent)",
    measures="Suicidal ideation (past month) and suicidal behaviour (lifetime, past 3 months): risk tier",
    recall_period="Past month (ideation); lifetime and past 3 months (behaviour)",
    administration=Administration.INTERVIEW,
    items=ITEMS,
    has_total=False,
    classify=classify,
    bands=TIERS,
    bands_source="Columbia screener triage form (via Blueprint's guide) and Columbia clinical "
    "triage guidelines",
    flags_rule=flags,
    licence=Licence(
        LicenceKind.FREE,
        "Columbia-Suicide Severity Rating Scale (C-SSRS), (c) The Research Foundation for Mental Hygiene; "
        "Posner K et al., Columbia Lighthouse Project.",
        "cssrs.columbia.edu: the Columbia Protocol is 'usable by anyone, anywhere'",
        verified=False,
        note="Terms for commercial (for-profit) use were not confirmed.",
    ),
    loinc=Loinc(source="Panel 93373-9 appears only in public code; not verified."),
    references=(
        Citation(
            "Posner K et al. The Columbia-Suicide Severity Rating Scale. Am J Psychiatry 2011;168:1266-1277",
            doi="10.1176/appi.ajp.2011.10111704",
        ),
        Citation(
            "Columbia Lighthouse Project, C-SSRS screener with triage", url="https://cssrs.columbia.edu"
        ),
        Citation(
            "Blueprint, Columbia Suicide Severity Rating Scale (Screen) guide",
            url="https://help.blueprint-health.com/en/articles/5208202",
        ),
    ),
    notes=("Any 'yes' raises the suicide-risk flag; the app alerts the responsible clinician on that code.",),
)
