"""PADSS: Post-Anesthetic Discharge Scoring System (home readiness).

Chung F, Chan VWS, Ong D. A post-anesthetic discharge scoring system for home readiness after
ambulatory surgery. J Clin Anesth 1995;7(6):500-506. doi:10.1016/0952-8180(95)00130-A
Five criteria scored 0-2; total 0-10; 9 or more = fit for discharge home (with an escort).
Criteria as tabulated in IJODH (clinmedjournals, table 4) and medicalalgorithms.com.
The later "modified PADSS" replaces intake/output with separate pain and nausea items; not
implemented here.
"""

from __future__ import annotations

from ..model import Administration, Band, Citation, Instrument, Item, Licence, LicenceKind, Loinc, Option

ITEMS = (
    Item(
        "1",
        "Vital signs against the pre-procedure value",
        (Option("More than 40% different", 0), Option("20-40% different", 1), Option("Within 20%", 2)),
    ),
    Item(
        "2",
        "Activity and mental status",
        (
            Option("Neither oriented x3 nor a steady gait", 0),
            Option("Oriented x3 OR a steady gait", 1),
            Option("Oriented x3 AND a steady gait", 2),
        ),
    ),
    Item(
        "3",
        "Pain, nausea and/or vomiting",
        (
            Option("Severe, requiring treatment", 0),
            Option("Moderate, having required treatment", 1),
            Option("Minimal", 2),
        ),
    ),
    Item(
        "4",
        "Bleeding",
        (Option("Severe", 0), Option("Moderate", 1), Option("Minimal", 2)),
        note="'Surgical bleeding' in the source; usually minimal after ketamine dosing.",
    ),
    Item(
        "5",
        "Intake and output",
        (
            Option("Neither oral fluids nor voided", 0),
            Option("Oral fluids OR voided", 1),
            Option("Oral fluids AND voided", 2),
        ),
    ),
)

BANDS = (
    Band("Not fit for discharge", 0, 8, "below 9"),
    Band("Fit for discharge", 9, 10, "9 or more"),
)

PADSS = Instrument(
    id="padss",
    abbreviation="PADSS",
    name="Post-Anesthetic Discharge Scoring System",
    measures="Readiness for discharge home after sedation",
    recall_period="Now",
    administration=Administration.CLINICIAN_RATED,
    items=ITEMS,
    bands=BANDS,
    bands_source="Chung, Chan & Ong 1995, doi:10.1016/0952-8180(95)00130-A",
    licence=Licence(
        LicenceKind.FREE,
        "PADSS: Chung F, Chan VWS, Ong D. J Clin Anesth 1995;7:500-506.",
        "A published clinical score, widely reproduced",
        verified=False,
    ),
    loinc=Loinc(source="No LOINC code found."),
    references=(
        Citation(
            "Chung F, Chan VWS, Ong D. A post-anesthetic discharge scoring system for home readiness "
            "after ambulatory surgery. J Clin Anesth 1995;7:500-506",
            doi="10.1016/0952-8180(95)00130-A",
        ),
    ),
)
