"""DAST-10: Drug Abuse Screening Test, 10-item version.

Skinner HA. The drug abuse screening test. Addict Behav 1982;7(4):363-371.
doi:10.1016/0306-4603(82)90006-8. Yes scores 1, except item 3 where No scores 1 (reverse-scored).
Interpretation bands (0 / 1-2 / 3-5 / 6-8 / 9-10) as published with the scale; checked against
the Australian comorbidity guidelines' reproduction (comorbidityguidelines.org.au, Appendix W).
"""

from __future__ import annotations

from ..model import Administration, Band, Citation, Instrument, Item, Licence, LicenceKind, Loinc, Option
from .common import NO_YES

_TEXTS = (
    "Have you used drugs other than those required for medical reasons?",
    "Do you abuse more than one drug at a time?",
    "Are you always able to stop using drugs when you want to?",
    'Have you had "blackouts" or "flashbacks" as a result of drug use?',
    "Do you ever feel bad or guilty about your drug use?",
    "Does your spouse (or parents) ever complain about your involvement with drugs?",
    "Have you neglected your family because of your use of drugs?",
    "Have you engaged in illegal activities in order to obtain drugs?",
    "Have you ever experienced withdrawal symptoms (felt sick) when you stopped taking drugs?",
    "Have you had medical problems as a result of your drug use (e.g. memory loss, hepatitis, "
    "convulsions, bleeding, etc.)?",
)
REVERSED_ITEM = 3
_NO_YES_REVERSED = (Option("No", 1), Option("Yes", 0))

ITEMS = tuple(
    Item(
        str(i),
        text,
        _NO_YES_REVERSED if i == REVERSED_ITEM else NO_YES,
        reverse_scored=i == REVERSED_ITEM,
    )
    for i, text in enumerate(_TEXTS, start=1)
)

BANDS = (
    Band("No problems reported", 0, 0, "none at this time"),
    Band("Low level", 1, 2, "monitor, reassess later"),
    Band("Moderate level", 3, 5, "further investigation"),
    Band("Substantial level", 6, 8, "intensive assessment"),
    Band("Severe level", 9, 10, "intensive assessment"),
)

DAST10 = Instrument(
    id="dast-10",
    abbreviation="DAST-10",
    name="Drug Abuse Screening Test (10-item)",
    measures="Problems related to drug use, alcohol excluded",
    recall_period="Past 12 months",
    administration=Administration.SELF_REPORT,
    items=ITEMS,
    bands=BANDS,
    bands_source="Skinner 1982; reproduced in the Australian comorbidity guidelines, Appendix W (Table 69)",
    licence=Licence(
        LicenceKind.NON_COMMERCIAL,
        "Copyright 1982 by Harvey A. Skinner, PhD, and the Centre for Addiction and Mental Health, "
        "Toronto, Canada. Reproduced for non-commercial use (clinical, research, training) with "
        "credit to the author, Dr Harvey A. Skinner.",
        "CamCOPS documentation quoting the copyright notice (camcops.readthedocs.io, task DAST)",
        verified=True,
        note="Commercial use needs permission from the copyright holders.",
    ),
    loinc=Loinc(
        source="Codes 82666-9 / 82667-7 appear only in public code and synthetic data; not verified."
    ),
    references=(
        Citation(
            "Skinner HA. The drug abuse screening test. Addict Behav 1982;7:363-371",
            doi="10.1016/0306-4603(82)90006-8",
        ),
    ),
    notes=("'Drugs' excludes alcohol and tobacco; medication taken as prescribed does not count.",),
)
