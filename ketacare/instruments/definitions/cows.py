"""COWS: Clinical Opiate Withdrawal Scale (clinician-rated).

Wesson DR, Ling W. The Clinical Opiate Withdrawal Scale (COWS). J Psychoactive Drugs
2003;35(2):253-259. doi:10.1080/02791072.2003.10400007
Item scores as reproduced by SAMHSA/NCBI (NBK64244, table A72915); items skip values (e.g.
restlessness scores 0, 1, 3, 5). Total 0-48. Bands 5-12 mild, 13-24 moderate, 25-36 moderately
severe, > 36 severe, as printed on the COWS form; the form names no band below 5.
"""

from __future__ import annotations

from ..model import Administration, Band, Citation, Instrument, Item, Licence, LicenceKind, Loinc, Option


def _options(*pairs: tuple[int, str]) -> tuple[Option, ...]:
    return tuple(Option(label, score) for score, label in pairs)


ITEMS = (
    Item(
        "1",
        "Resting pulse rate (after sitting or lying for one minute)",
        _options((0, "80 or below"), (1, "81-100"), (2, "101-120"), (4, "greater than 120")),
    ),
    Item(
        "2",
        "Sweating over the past half hour, not accounted for by room temperature or activity",
        _options(
            (0, "No report of chills or flushing"),
            (1, "Subjective report of chills or flushing"),
            (2, "Flushed or observable moistness on face"),
            (3, "Beads of sweat on brow or face"),
            (4, "Sweat streaming off face"),
        ),
    ),
    Item(
        "3",
        "Restlessness, observed during assessment",
        _options(
            (0, "Able to sit still"),
            (1, "Reports difficulty sitting still, but is able to do so"),
            (3, "Frequent shifting or extraneous movements of legs/arms"),
            (5, "Unable to sit still for more than a few seconds"),
        ),
    ),
    Item(
        "4",
        "Pupil size",
        _options(
            (0, "Pupils pinned or normal size for room light"),
            (1, "Pupils possibly larger than normal for room light"),
            (2, "Pupils moderately dilated"),
            (5, "Pupils so dilated that only the rim of the iris is visible"),
        ),
    ),
    Item(
        "5",
        "Bone or joint aches (only the part attributed to opiate withdrawal)",
        _options(
            (0, "Not present"),
            (1, "Mild diffuse discomfort"),
            (2, "Reports severe diffuse aching of joints/muscles"),
            (4, "Rubbing joints or muscles and unable to sit still because of discomfort"),
        ),
    ),
    Item(
        "6",
        "Runny nose or tearing, not accounted for by cold symptoms or allergies",
        _options(
            (0, "Not present"),
            (1, "Nasal stuffiness or unusually moist eyes"),
            (2, "Nose running or tearing"),
            (4, "Nose constantly running or tears streaming down cheeks"),
        ),
        note="Option wording from memory of the COWS form; the scores match the source.",
    ),
    Item(
        "7",
        "GI upset over the last half hour",
        _options(
            (0, "No GI symptoms"),
            (1, "Stomach cramps"),
            (2, "Nausea or loose stool"),
            (3, "Vomiting or diarrhoea"),
            (5, "Multiple episodes of diarrhoea or vomiting"),
        ),
    ),
    Item(
        "8",
        "Tremor, observation of outstretched hands",
        _options(
            (0, "No tremor"),
            (1, "Tremor can be felt, but not observed"),
            (2, "Slight tremor observable"),
            (4, "Gross tremor or muscle twitching"),
        ),
    ),
    Item(
        "9",
        "Yawning, observed during assessment",
        _options(
            (0, "No yawning"),
            (1, "Yawning once or twice during assessment"),
            (2, "Yawning three or more times during assessment"),
            (4, "Yawning several times a minute"),
        ),
    ),
    Item(
        "10",
        "Anxiety or irritability",
        _options(
            (0, "None"),
            (1, "Reports increasing irritability or anxiousness"),
            (2, "Obviously irritable or anxious"),
            (4, "So irritable or anxious that participation in the assessment is difficult"),
        ),
    ),
    Item(
        "11",
        "Gooseflesh skin",
        _options(
            (0, "Skin is smooth"),
            (3, "Piloerection of skin can be felt or hairs standing up on arms"),
            (5, "Prominent piloerection"),
        ),
    ),
)

BANDS = (
    Band("Below mild range", 0, 4, "the COWS form names no band below 5"),
    Band("Mild", 5, 12),
    Band("Moderate", 13, 24),
    Band("Moderately severe", 25, 36),
    Band("Severe", 37, 48, "more than 36"),
)

COWS = Instrument(
    id="cows",
    abbreviation="COWS",
    name="Clinical Opiate Withdrawal Scale",
    measures="Signs and symptoms of opioid withdrawal, clinician-rated",
    recall_period="Now (some items: the past half hour)",
    administration=Administration.CLINICIAN_RATED,
    items=ITEMS,
    bands=BANDS,
    bands_source="COWS form (Wesson & Ling 2003)",
    licence=Licence(
        LicenceKind.UNKNOWN,
        "Clinical Opiate Withdrawal Scale: Wesson DR, Ling W. J Psychoactive Drugs 2003;35(2):253-259.",
        "Reproduced by SAMHSA/NCBI (NBK64244); the authors' terms were not found",
        verified=False,
        note="Treated as permission-required until the terms are confirmed.",
    ),
    loinc=Loinc(source="None confirmed; 72514-3, labelled COWS in one repository, is a pain score."),
    references=(
        Citation(
            "Wesson DR, Ling W. The Clinical Opiate Withdrawal Scale (COWS). J Psychoactive Drugs "
            "2003;35:253-259",
            doi="10.1080/02791072.2003.10400007",
        ),
        Citation(
            "SAMHSA TIP reproduction of the COWS",
            url="https://www.ncbi.nlm.nih.gov/books/NBK64244/table/A72915/",
        ),
    ),
)
