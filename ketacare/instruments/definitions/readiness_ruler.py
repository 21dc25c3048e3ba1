"""Readiness ruler: a single 0-10 rating of readiness to change (motivational interviewing).

A clinical conversation tool rather than a psychometric scale: no bands, no validated cut-offs.
The version here follows the Case Western Reserve Center for Evidence-Based Practices ruler
(0-10; free PDF). Some versions run 1-10 (Indiana SBIRT); answers are the value itself.
"""

from __future__ import annotations

from ..model import Administration, Citation, Instrument, Item, Licence, LicenceKind, Loinc

READINESS_RULER = Instrument(
    id="readiness-ruler",
    abbreviation="Readiness ruler",
    name="Readiness ruler (0-10)",
    measures="Readiness to change substance use",
    recall_period="Right now",
    administration=Administration.SELF_REPORT,
    items=(
        Item(
            "1",
            "On a scale from 0 to 10, how ready are you to change your use?",
            minimum=0,
            maximum=10,
            anchors=("Not ready at all", "Completely ready"),
            paraphrase=True,
        ),
    ),
    licence=Licence(
        LicenceKind.FREE,
        "Readiness Ruler, Center for Evidence-Based Practices, Case Western Reserve University.",
        "case.edu: free PDF",
        verified=True,
    ),
    loinc=Loinc(source="No LOINC code found."),
    references=(
        Citation(
            "Center for Evidence-Based Practices, Readiness Ruler",
            url="https://case.edu/socialwork/centerforebp/resources/readiness-ruler",
        ),
    ),
    notes=("No bands: the number is a conversation opener ('why a 4 and not a 2?').",),
)
