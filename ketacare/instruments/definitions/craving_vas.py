"""A 0-100 craving visual analogue / numeric rating scale.

A single generic rating, not a proprietary instrument; used before and after dosing and in the
daily check-in. No bands are published, so the result has a total and no band. The answer is the
value itself (0-100), not an option position. LOINC 72514-3 is a PAIN rating and must not be used.
"""

from __future__ import annotations

from ..model import Administration, Citation, Instrument, Item, Licence, LicenceKind, Loinc

CRAVING_VAS = Instrument(
    id="craving-vas",
    abbreviation="Craving VAS",
    name="Craving visual analogue scale (0-100)",
    measures="Momentary craving for the patient's main substance",
    recall_period="Right now",
    administration=Administration.SELF_REPORT,
    items=(
        Item(
            "1",
            "How strong is your craving right now?",
            minimum=0,
            maximum=100,
            anchors=("No craving at all", "Strongest craving imaginable"),
            paraphrase=True,
            note="Generic wording; clinics may name the substance.",
        ),
    ),
    licence=Licence(
        LicenceKind.FREE,
        "Generic single-item rating scale; no rights holder.",
        "Not a published proprietary instrument",
        verified=True,
    ),
    loinc=Loinc(source="No craving-specific LOINC code found (72514-3 is pain, not craving)."),
    references=(Citation("Generic visual analogue scale; anchors chosen for KetaCare."),),
)
