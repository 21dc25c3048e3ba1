"""AUDIT: Alcohol Use Disorders Identification Test (WHO).

Babor TF, Higgins-Biddle JC, Saunders JB, Monteiro MG. AUDIT: Guidelines for Use in Primary
Care, 2nd edition. Geneva: WHO; 2001 (WHO/MSD/MSB/01.6a). Risk zones I 0-7, II 8-15,
III 16-19, IV 20-40 are the manual's; items 9-10 score 0/2/4.
"""

from __future__ import annotations

from ..model import (
    Administration,
    Band,
    Citation,
    Instrument,
    Item,
    Licence,
    LicenceKind,
    Loinc,
    Option,
)
from .common import scored_options

OFTEN = scored_options("Never", "Less than monthly", "Monthly", "Weekly", "Daily or almost daily")
# Items 9-10 skip 1 and 3: the manual scores them 0, 2, 4.
INJURY_CONCERN = (
    Option("No", 0),
    Option("Yes, but not in the last year", 2),
    Option("Yes, during the last year", 4),
)

ITEMS: tuple[Item, ...] = (
    Item(
        "1",
        "How often do you have a drink containing alcohol?",
        scored_options(
            "Never",
            "Monthly or less",
            "2 to 4 times a month",
            "2 to 3 times a week",
            "4 or more times a week",
        ),
    ),
    Item(
        "2",
        "How many drinks containing alcohol do you have on a typical day when you are drinking?",
        scored_options("1 or 2", "3 or 4", "5 or 6", "7, 8 or 9", "10 or more"),
    ),
    Item("3", "How often do you have six or more drinks on one occasion?", OFTEN),
    Item(
        "4",
        "How often during the last year have you found that you were not able to stop drinking "
        "once you had started?",
        OFTEN,
    ),
    Item(
        "5",
        "How often during the last year have you failed to do what was normally expected from you "
        "because of drinking?",
        OFTEN,
    ),
    Item(
        "6",
        "How often during the last year have you needed a first drink in the morning to get "
        "yourself going after a heavy drinking session?",
        OFTEN,
    ),
    Item(
        "7",
        "How often during the last year have you had a feeling of guilt or remorse after drinking?",
        OFTEN,
    ),
    Item(
        "8",
        "How often during the last year have you been unable to remember what happened the night "
        "before because you had been drinking?",
        OFTEN,
    ),
    Item("9", "Have you or someone else been injured as a result of your drinking?", INJURY_CONCERN),
    Item(
        "10",
        "Has a relative or friend or a doctor or another health worker been concerned about your "
        "drinking or suggested you cut down?",
        INJURY_CONCERN,
    ),
)

BANDS = (
    Band("Zone I: low risk", 0, 7, "alcohol education"),
    Band("Zone II: hazardous", 8, 15, "simple advice"),
    Band("Zone III: harmful", 16, 19, "simple advice plus brief counselling and continued monitoring"),
    Band("Zone IV: possible dependence", 20, 40, "referral to specialist for diagnosis and treatment"),
)

WHO_MANUAL = Citation(
    "Babor TF, Higgins-Biddle JC, Saunders JB, Monteiro MG. AUDIT: The Alcohol Use Disorders "
    "Identification Test. Guidelines for Use in Primary Care, 2nd ed. WHO 2001 (WHO/MSD/MSB/01.6a)",
    url="https://www.who.int/publications/i/item/WHO-MSD-MSB-01.6a",
)

AUDIT_LICENCE = Licence(
    LicenceKind.NON_COMMERCIAL,
    "AUDIT (c) World Health Organization. Babor TF et al., AUDIT Guidelines for Use in Primary "
    "Care, 2nd ed., WHO 2001.",
    "CamCOPS reproduces the AUDIT under WHO's non-commercial permission; other sources call it "
    "public domain. WHO's own terms were not read in this session.",
    verified=False,
    note="Check the WHO terms before commercial use.",
)

AUDIT = Instrument(
    id="audit",
    abbreviation="AUDIT",
    name="Alcohol Use Disorders Identification Test",
    measures="Hazardous and harmful alcohol use and possible dependence",
    recall_period="Last year",
    administration=Administration.SELF_REPORT,
    items=ITEMS,
    bands=BANDS,
    bands_source="WHO AUDIT manual, 2nd ed. (Babor et al. 2001), risk zones I-IV",
    licence=AUDIT_LICENCE,
    loinc=Loinc(source="Panel 72110-0 and total 75624-7 appear only in public code; not verified."),
    references=(
        WHO_MANUAL,
        Citation(
            "Saunders JB, Aasland OG, Babor TF, de la Fuente JR, Grant M. Development of the AUDIT. "
            "Addiction 1993;88:791-804",
            doi="10.1111/j.1360-0443.1993.tb02093.x",
        ),
    ),
    notes=(
        "The manual lets an interviewer skip items 4-8 when item 1 is 'Never' or items 2+3 score 0; "
        "on this form every item is answered (a skipped item would score 0 anyway).",
        "A 'drink' is a standard drink; its size differs by country.",
    ),
)
