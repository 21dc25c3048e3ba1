"""CADSS-6: six-item short form of the Clinician-Administered Dissociative States Scale.

Rodrigues NB et al. A simplified 6-item clinician administered dissociative symptom scale
(CADSS-6) for monitoring dissociative effects of sub-anesthetic ketamine infusions. J Affect
Disord 2021;282:160-164. doi:10.1016/j.jad.2020.12.119. Items 1, 2, 6, 7, 15 and 22 of the
23-item CADSS (Bremner JD et al. J Trauma Stress 1998;11:125-136, doi:10.1023/A:1024465317902),
each 0-4; total 0-24; no bands published.
The CADSS is the authors' copyright and its licence terms were not found, so only short
paraphrases are shipped (item 22's content was not verified at all) and the instrument is marked
as needing permission. The full 23-item form is not included for the same reason.
"""

from __future__ import annotations

from ..model import Administration, Citation, Instrument, Item, Licence, LicenceKind, Loinc
from .common import scored_options

INTENSITY = scored_options("Not at all", "Slightly", "Moderately", "Considerably", "Extremely")

ITEMS = (
    Item("1", "Things seem to move in slow motion (CADSS 1)", INTENSITY, paraphrase=True),
    Item("2", "Things seem unreal, as in a dream (CADSS 2)", INTENSITY, paraphrase=True),
    Item("3", "Feels disconnected from own body (CADSS 6)", INTENSITY, paraphrase=True),
    Item("4", "Sense of own body changed, e.g. larger or smaller (CADSS 7)", INTENSITY, paraphrase=True),
    Item("5", "Spaces out or loses track of what is going on (CADSS 15)", INTENSITY, paraphrase=True),
    Item(
        "6",
        "CADSS item 22 (use the wording of the licensed form)",
        INTENSITY,
        paraphrase=True,
        note="Content not verified in this session.",
    ),
)

CADSS6 = Instrument(
    id="cadss-6",
    abbreviation="CADSS-6",
    name="Clinician-Administered Dissociative States Scale, 6-item form",
    measures="Dissociation during or just after ketamine dosing",
    recall_period="Now (at this time, in this room)",
    administration=Administration.INTERVIEW,
    items=ITEMS,
    licence=Licence(
        LicenceKind.UNKNOWN,
        "CADSS (c) J. Douglas Bremner; CADSS-6: Rodrigues NB et al. 2021.",
        "No licence statement found; the clinic must obtain the form and permission from the author",
        verified=False,
        note="Item texts are paraphrases; response anchors (not at all ... extremely) from memory.",
    ),
    loinc=Loinc(source="No LOINC code found."),
    references=(
        Citation(
            "Rodrigues NB et al. CADSS-6. J Affect Disord 2021;282:160-164", doi="10.1016/j.jad.2020.12.119"
        ),
        Citation(
            "Bremner JD et al. Measurement of dissociative states with the CADSS. J Trauma Stress "
            "1998;11:125-136",
            doi="10.1023/A:1024465317902",
        ),
    ),
    notes=("No bands are published; the result has a total only.",),
)
