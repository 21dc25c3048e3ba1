"""Modified Aldrete score (recovery from anaesthesia/sedation, phase I discharge).

Aldrete JA. The post-anesthesia recovery score revisited. J Clin Anesth 1995;7(1):89-91.
doi:10.1016/0952-8180(94)00001-K. Five criteria scored 0-2 (SpO2 replaces colour); total 0-10;
9 or more to leave phase I recovery. Criteria as tabulated in World J Gastroenterol 2015
(doi:10.3748/wjg.v21.i12.3671, table 2) and Ain-Shams J Anesthesiol 2022 (table 5).
Some units require 8 or more with 2 on respiration and SpO2 (a variant, not implemented).
"""

from __future__ import annotations

from ..model import Administration, Band, Citation, Instrument, Item, Licence, LicenceKind, Loinc, Option

ITEMS = (
    Item(
        "1",
        "Activity: moves voluntarily or on command",
        (Option("No extremities", 0), Option("Two extremities", 1), Option("Four extremities", 2)),
    ),
    Item(
        "2",
        "Respiration",
        (
            Option("Apnoeic", 0),
            Option("Dyspnoea, shallow or limited breathing", 1),
            Option("Able to breathe deeply and cough freely", 2),
        ),
    ),
    Item(
        "3",
        "Circulation: blood pressure against the pre-sedation level",
        (Option("Differs by 50% or more", 0), Option("Within 20-49%", 1), Option("Within 20%", 2)),
    ),
    Item(
        "4",
        "Consciousness",
        (Option("Not responding", 0), Option("Arousable on calling", 1), Option("Fully awake", 2)),
    ),
    Item(
        "5",
        "Oxygen saturation",
        (
            Option("SpO2 below 90% even with supplemental oxygen", 0),
            Option("Needs oxygen to keep SpO2 above 90%", 1),
            Option("Keeps SpO2 above 92% on room air", 2),
        ),
    ),
)

BANDS = (
    Band("Not ready for discharge", 0, 8, "below 9"),
    Band("Meets discharge score", 9, 10, "9 or more: may leave phase I recovery"),
)

ALDRETE = Instrument(
    id="aldrete",
    abbreviation="Modified Aldrete",
    name="Modified Aldrete score",
    measures="Recovery after sedation: readiness to leave phase I recovery",
    recall_period="Now",
    administration=Administration.CLINICIAN_RATED,
    items=ITEMS,
    bands=BANDS,
    bands_source="Aldrete 1995, doi:10.1016/0952-8180(94)00001-K",
    licence=Licence(
        LicenceKind.FREE,
        "Modified Aldrete score: Aldrete JA, J Clin Anesth 1995;7:89-91.",
        "A published clinical score, widely reproduced",
        verified=False,
    ),
    loinc=Loinc(source="No LOINC code found."),
    references=(
        Citation(
            "Aldrete JA. The post-anesthesia recovery score revisited. J Clin Anesth 1995;7:89-91",
            doi="10.1016/0952-8180(94)00001-K",
        ),
        Citation(
            "Kim N et al. World J Gastroenterol 2015;21:3671-3678, table 2", doi="10.3748/wjg.v21.i12.3671"
        ),
    ),
)
