"""CIWA-Ar: Clinical Institute Withdrawal Assessment for Alcohol, revised.

Sullivan JT, Sykora K, Schneiderman J, Naranjo CA, Sellers EM. Assessment of alcohol withdrawal:
the revised Clinical Institute Withdrawal Assessment for Alcohol scale (CIWA-Ar). Br J Addict
1989;84(11):1353-1357. doi:10.1111/j.1360-0443.1989.tb00737.x
Nine items 0-7 and orientation 0-4; total 0-67. The paper gives no official severity bands and
later sources disagree (< 8 / 8-15 / >= 15 on the widely reproduced form notes; <= 10 / 11-15 /
>= 16 elsewhere), so the two band edges are thresholds. Only the 0, 1, 4 and 7 anchors of each
0-7 item carry text on the form; ours are short paraphrases of them.
"""

from __future__ import annotations

from ..errors import InvalidThreshold
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
    ScoringContext,
    Threshold,
)


def _zero_to_seven(none: str, mild: str, moderate: str, severe: str) -> tuple[Option, ...]:
    anchors = {0: none, 1: mild, 4: moderate, 7: severe}
    return tuple(Option(f"{i}" + (f" - {anchors[i]}" if i in anchors else ""), i) for i in range(8))


ITEMS = (
    Item(
        "1",
        "Nausea and vomiting",
        _zero_to_seven(
            "no nausea, no vomiting",
            "mild nausea, no vomiting",
            "intermittent nausea with dry heaves",
            "constant nausea, frequent dry heaves and vomiting",
        ),
        paraphrase=True,
    ),
    Item(
        "2",
        "Tremor (arms extended, fingers spread)",
        _zero_to_seven(
            "no tremor",
            "not visible, can be felt fingertip to fingertip",
            "moderate, arms extended",
            "severe, even with arms not extended",
        ),
        paraphrase=True,
    ),
    Item(
        "3",
        "Paroxysmal sweats",
        _zero_to_seven(
            "no sweat visible",
            "barely perceptible, palms moist",
            "beads of sweat on forehead",
            "drenching sweats",
        ),
        paraphrase=True,
    ),
    Item(
        "4",
        "Anxiety",
        _zero_to_seven("at ease", "mildly anxious", "moderately anxious or guarded", "acute panic state"),
        paraphrase=True,
    ),
    Item(
        "5",
        "Agitation",
        _zero_to_seven(
            "normal activity",
            "somewhat more than normal activity",
            "moderately fidgety and restless",
            "paces or constantly thrashes about",
        ),
        paraphrase=True,
    ),
    Item(
        "6",
        "Tactile disturbances",
        _zero_to_seven(
            "none",
            "very mild itching, pins and needles, burning or numbness",
            "moderately severe",
            "continuous hallucinations",
        ),
        paraphrase=True,
    ),
    Item(
        "7",
        "Auditory disturbances",
        _zero_to_seven(
            "not present",
            "very mild harshness or ability to frighten",
            "moderately severe",
            "continuous hallucinations",
        ),
        paraphrase=True,
    ),
    Item(
        "8",
        "Visual disturbances",
        _zero_to_seven(
            "not present", "very mild sensitivity", "moderately severe", "continuous hallucinations"
        ),
        paraphrase=True,
    ),
    Item(
        "9",
        "Headache, fullness in head",
        _zero_to_seven("not present", "very mild", "moderately severe", "extremely severe"),
        paraphrase=True,
    ),
    Item(
        "10",
        "Orientation and clouding of sensorium",
        (
            Option("Oriented and can do serial additions", 0),
            Option("Cannot do serial additions or is uncertain about date", 1),
            Option("Disoriented for date by no more than 2 calendar days", 2),
            Option("Disoriented for date by more than 2 calendar days", 3),
            Option("Disoriented for place and/or person", 4),
        ),
    ),
)


def bands(ctx: ScoringContext) -> tuple[Band, ...]:
    moderate, severe = ctx.thresholds["moderate_from"], ctx.thresholds["severe_from"]
    if not 0 < moderate < severe:
        raise InvalidThreshold("ciwa-ar needs 0 < moderate_from < severe_from")
    return (
        Band("Absent or mild", 0, moderate - 1),
        Band("Moderate", moderate, severe - 1),
        Band("Severe", severe, 67),
    )


CIWA_AR = Instrument(
    id="ciwa-ar",
    abbreviation="CIWA-Ar",
    name="Clinical Institute Withdrawal Assessment for Alcohol, revised",
    measures="Severity of alcohol withdrawal",
    recall_period="Now",
    administration=Administration.CLINICIAN_RATED,
    items=ITEMS,
    bands_rule=bands,
    bands_source="Band edges are thresholds: defaults 8/15 (widely reproduced CIWA-Ar notes; CamCOPS); "
    "alternative 11/16",
    thresholds=(
        Threshold(
            "moderate_from",
            8,
            "Lowest total in the moderate band",
            "Addiction Medicine Essentials CIWA-Ar sheet ('8 to 15 moderate'); CamCOPS ciwa",
            alternatives="11 (mild <= 10)",
        ),
        Threshold(
            "severe_from",
            15,
            "Lowest total in the severe band",
            "Addiction Medicine Essentials CIWA-Ar sheet ('15 or more severe'); CamCOPS ciwa",
            alternatives="16 (severe >= 16)",
        ),
    ),
    licence=Licence(
        LicenceKind.FREE,
        "CIWA-Ar: Sullivan JT et al., Br J Addict 1989;84:1353-1357 "
        "(Addiction Research Foundation, Toronto).",
        "Secondary sources (simpleandpractical.com, cgakit.com) state it is not copyrighted and free to use",
        verified=False,
    ),
    loinc=Loinc(source="No LOINC code found."),
    references=(
        Citation(
            "Sullivan JT et al. Assessment of alcohol withdrawal: the CIWA-Ar. Br J Addict 1989;84:1353-1357",
            doi="10.1111/j.1360-0443.1989.tb00737.x",
        ),
    ),
    notes=("Vital signs are recorded on the form but not scored.",),
)
