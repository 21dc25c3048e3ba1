"""The protocol library: published ketamine regimens as data, every number with its status and source.

Pure Python, no Django. Each number carries the status it has in
shared/references/clinical-verified.md (VERIFIED, SECONDARY, NOT FOUND). A page or API that shows a
number shows its status beside it: an unverified number is never presented as verified.

Dose basis: no trial abstract read says whether its mg/kg is ketamine base or the hydrochloride,
so `dose_basis` is "not stated" (the Ketalar label states strength as base: SECONDARY).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

VERIFIED = "verified"
SECONDARY = "secondary"
NOT_FOUND = "not-found"
STATUSES = (VERIFIED, SECONDARY, NOT_FOUND)


@dataclass(frozen=True)
class Number:
    value: Decimal | None
    unit: str
    status: str
    source: str

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")


@dataclass(frozen=True)
class Text:
    text: str
    status: str
    source: str


@dataclass(frozen=True)
class Protocol:
    id: str
    title: str
    citation: str
    url: str
    substance: str
    population: Text
    route: str  # a key of dosing.labels.ROUTE_LABELS
    dose: Number  # per session; unit "mg/kg" or "mg"
    dose_basis: str
    duration_min: Number
    loading: Text | None
    sessions: Number
    spacing: Text
    timing: Text
    adjunct: Text
    primary_endpoint: Text
    comparator: Text

    @property
    def per_kg(self) -> bool:
        return self.dose.unit == "mg/kg"

    @property
    def dose_max(self) -> Decimal | None:
        """The top of the protocol's dose range (the trials used one dose: that dose)."""
        return self.dose.value

    def numbers(self) -> dict[str, Number]:
        return {"dose": self.dose, "duration_min": self.duration_min, "sessions": self.sessions}


D = Decimal
_DAKWAR19 = "https://psychiatryonline.org/doi/full/10.1176/appi.ajp.2019.18101123 (abstract; PubMed 31230464)"
_DAKWAR20 = "https://psychiatryonline.org/doi/full/10.1176/appi.ajp.2019.19070684"
_DAKWAR20_SPLIT = (
    "https://www.moreblossom.com/trials/"
    "the-effect-of-brief-potent-glutamatergic-modulation-on-disordered-alcohol-use (registry summary)"
)
_GRABSKI = "AJP abstract via https://rde.dspace-express.com/handle/11287/622395"
_GRABSKI_SEC = "https://www.psychiatryadvisor.com/ (news report)"
_KRUP02 = "https://www.jsatjournal.com/article/S0740-5472(02)00275-1/fulltext (abstract)"
_KRUP07 = "https://www.researchgate.net/publication/6308479 (author-uploaded full text)"
_KRUP07_SEC = "https://www.psychedelicscourses.com/trials/krupitsky-2007 (secondary summary)"
_SPRAVATO_SEC = "https://www.oncologynurseadvisor.com/drug/spravato/ (secondary summary of the label)"
_NF = "not found in the sources read (clinical-verified.md)"
NOT_STATED = "not stated in the sources read"

LIBRARY: dict[str, Protocol] = {
    p.id: p
    for p in (
        Protocol(
            id="dakwar-2019",
            title="Ketamine with mindfulness-based relapse prevention for cocaine use disorder",
            citation="Dakwar E et al. Am J Psychiatry 2019; doi 10.1176/appi.ajp.2019.18101123",
            url=_DAKWAR19,
            substance="cocaine",
            population=Text("Cocaine dependence, n=55, during a 5-day inpatient stay", VERIFIED, _DAKWAR19),
            route="iv-infusion",
            dose=Number(D("0.5"), "mg/kg", VERIFIED, _DAKWAR19),
            dose_basis=NOT_STATED,
            duration_min=Number(D("40"), "min", VERIFIED, _DAKWAR19),
            loading=None,
            sessions=Number(D("1"), "sessions", VERIFIED, _DAKWAR19),
            spacing=Text("A single infusion", VERIFIED, _DAKWAR19),
            timing=Text(
                "Day 3 of the inpatient phase (registry); a news report says day 2: conflicting",
                VERIFIED,
                "https://www.clinicaltrials.gov/ct2/show/NCT01535937",
            ),
            adjunct=Text("5-week mindfulness-based relapse prevention", VERIFIED, _DAKWAR19),
            primary_endpoint=Text(
                "End-of-study abstinence (last 2 weeks) and time to relapse (first use or dropout)",
                VERIFIED,
                _DAKWAR19,
            ),
            comparator=Text("Midazolam (0.025 mg/kg: secondary)", SECONDARY, _DAKWAR19),
        ),
        Protocol(
            id="dakwar-2020",
            title="Ketamine with motivational enhancement therapy for alcohol use disorder",
            citation="Dakwar E et al. Am J Psychiatry 2020; doi 10.1176/appi.ajp.2019.19070684",
            url=_DAKWAR20,
            substance="alcohol",
            population=Text("Alcohol use disorder, n=40 (17 ketamine)", VERIFIED, _DAKWAR20),
            route="iv-infusion",
            dose=Number(D("0.71"), "mg/kg", VERIFIED, _DAKWAR20),
            dose_basis=NOT_STATED,
            duration_min=Number(D("52"), "min", VERIFIED, _DAKWAR20),
            loading=Text("0.11 mg/kg over 2 min, then 0.60 mg/kg over 50 min", SECONDARY, _DAKWAR20_SPLIT),
            sessions=Number(D("1"), "sessions", VERIFIED, _DAKWAR20),
            spacing=Text("A single infusion, in week 2 of 5", VERIFIED, _DAKWAR20),
            timing=Text("Quit day in week 2, at least 24 h after the last drink", VERIFIED, _DAKWAR20),
            adjunct=Text("5-week motivational enhancement therapy", VERIFIED, _DAKWAR20),
            primary_endpoint=Text(
                "Daily abstinence over 21 days (TLFB with urine EtG); heavy drinking day: more than 4 "
                "drinks a day for men, more than 3 for women",
                VERIFIED,
                _DAKWAR20,
            ),
            comparator=Text("Midazolam 0.025 mg/kg", VERIFIED, _DAKWAR20),
        ),
        Protocol(
            id="grabski-2022",
            title="KARE: ketamine with or without therapy for alcohol use disorder",
            citation="Grabski M et al. Am J Psychiatry 2022 (KARE trial)",
            url=_GRABSKI,
            substance="alcohol",
            population=Text("Alcohol use disorder, n=96", VERIFIED, _GRABSKI),
            route="iv-infusion",
            dose=Number(D("0.8"), "mg/kg", VERIFIED, _GRABSKI),
            dose_basis=NOT_STATED,
            duration_min=Number(D("40"), "min", VERIFIED, _GRABSKI),
            loading=None,
            sessions=Number(D("3"), "sessions", VERIFIED, _GRABSKI),
            spacing=Text(
                "'Three weekly' (abstract); visits 2, 4 and 6, 1 to 3 weeks apart (news report)",
                VERIFIED,
                _GRABSKI + "; " + _GRABSKI_SEC + " (secondary for the 1-3 weeks)",
            ),
            timing=Text("24 h abstinent at baseline", SECONDARY, _GRABSKI_SEC),
            adjunct=Text(
                "Mindfulness-based relapse-prevention therapy (7 sessions of 1.5 h: secondary) or alcohol "
                "education",
                VERIFIED,
                _GRABSKI,
            ),
            primary_endpoint=Text(
                "Self-reported percentage of days abstinent and confirmed relapse, both at 6 months",
                VERIFIED,
                _GRABSKI,
            ),
            comparator=Text("Saline placebo", VERIFIED, _GRABSKI),
        ),
        Protocol(
            id="krupitsky-2002",
            title="Ketamine psychotherapy for heroin addiction: psychedelic vs low dose",
            citation="Krupitsky E et al. J Subst Abuse Treat 2002 (S0740-5472(02)00275-1)",
            url=_KRUP02,
            substance="opioids",
            population=Text("70 detoxified heroin-dependent patients", VERIFIED, _KRUP02),
            route="im",
            dose=Number(D("2.0"), "mg/kg", VERIFIED, _KRUP02),
            dose_basis=NOT_STATED,
            duration_min=Number(None, "min", NOT_FOUND, _NF),
            loading=None,
            sessions=Number(D("1"), "sessions", NOT_FOUND, _NF),
            spacing=Text("Not found", NOT_FOUND, _NF),
            timing=Text("After detoxification", VERIFIED, _KRUP02),
            adjunct=Text("Existential psychotherapy: preparation, session, integration", VERIFIED, _KRUP02),
            primary_endpoint=Text(
                "Abstinence over 2 years; craving (1-year 17% vs 2%: not found)", VERIFIED, _KRUP02
            ),
            comparator=Text("Ketamine 0.2 mg/kg IM (low dose)", VERIFIED, _KRUP02),
        ),
        Protocol(
            id="krupitsky-2007",
            title="Single vs repeated ketamine psychotherapy sessions for heroin addiction",
            citation="Krupitsky E et al. 2007 (author-uploaded full text, ResearchGate 6308479)",
            url=_KRUP07,
            substance="opioids",
            population=Text("59 detoxified heroin-dependent inpatients", VERIFIED, _KRUP07),
            route="im",
            dose=Number(D("2.0"), "mg/kg", SECONDARY, _KRUP07_SEC),
            dose_basis=NOT_STATED,
            duration_min=Number(None, "min", NOT_FOUND, "sessions lasted 1.5-2 h (secondary); no infusion"),
            loading=None,
            sessions=Number(D("3"), "sessions", VERIFIED, _KRUP07),
            spacing=Text(
                "One session before discharge, then 2 more monthly (vs counselling only)", VERIFIED, _KRUP07
            ),
            timing=Text("After detoxification, before discharge", VERIFIED, _KRUP07),
            adjunct=Text("Ketamine psychotherapy (KPT) sessions", VERIFIED, _KRUP07),
            primary_endpoint=Text(
                "1-year abstinence: 13/26 (50%) vs 6/27 (22.2%), p<0.05", VERIFIED, _KRUP07
            ),
            comparator=Text("One KPT session then counselling only", VERIFIED, _KRUP07),
        ),
        Protocol(
            id="esketamine-nasal",
            title="Esketamine nasal spray (Spravato), treatment-resistant depression schedule",
            citation="Spravato (esketamine) prescribing information",
            url=_SPRAVATO_SEC,
            substance="",
            population=Text(
                "Adults with treatment-resistant depression (not an addiction indication)",
                SECONDARY,
                _SPRAVATO_SEC,
            ),
            route="intranasal",
            dose=Number(D("84"), "mg", SECONDARY, _SPRAVATO_SEC),
            dose_basis="esketamine (as labelled)",
            duration_min=Number(None, "min", NOT_FOUND, "devices 5 min apart (secondary)"),
            loading=Text("Day 1: 56 mg; then 56 or 84 mg", SECONDARY, _SPRAVATO_SEC),
            sessions=Number(D("8"), "sessions", SECONDARY, _SPRAVATO_SEC),
            spacing=Text(
                "Weeks 1-4 twice weekly; weeks 5-8 weekly; from week 9 every 2 weeks or weekly",
                SECONDARY,
                _SPRAVATO_SEC,
            ),
            timing=Text("No food for 2 h and no liquids for 30 min before", SECONDARY, _SPRAVATO_SEC),
            adjunct=Text("With an oral antidepressant", SECONDARY, _SPRAVATO_SEC),
            primary_endpoint=Text("Not an addiction endpoint", NOT_FOUND, _NF),
            comparator=Text("Not applicable", NOT_FOUND, _NF),
        ),
    )
}


def get(protocol_id: str) -> Protocol:
    try:
        return LIBRARY[protocol_id]
    except KeyError:
        raise KeyError(f"No protocol '{protocol_id}' in the library: one of {', '.join(LIBRARY)}") from None


# --- Clinic protocols: bounds the rules check -------------------------------------------------------
# Routes a clinic protocol may use (the routes the order and session forms know).
CLINIC_ROUTES = ("iv-infusion", "iv-bolus", "im", "intranasal", "oral", "sublingual")


def check_clinic_protocol(
    *,
    route: str,
    mg_per_kg_min: Decimal,
    mg_per_kg_max: Decimal,
    min_spacing_days: int,
    clinic_max_mg_per_kg: Decimal | None,
    sanity_max_mg_per_kg: Decimal,
) -> dict[str, str]:
    """The problems with a protocol a clinic adds, by field (empty when it is within bounds)."""
    errors: dict[str, str] = {}
    if route not in CLINIC_ROUTES:
        errors["route"] = f"Unknown route '{route}'."
    if mg_per_kg_min <= 0:
        errors["mg_per_kg_min"] = "The lowest dose must be above 0 mg/kg."
    if mg_per_kg_max < mg_per_kg_min:
        errors["mg_per_kg_max"] = "The highest dose cannot be below the lowest."
    elif mg_per_kg_max > sanity_max_mg_per_kg:
        errors["mg_per_kg_max"] = f"Above {sanity_max_mg_per_kg} mg/kg is not a plausible dose."
    elif clinic_max_mg_per_kg is not None and mg_per_kg_max > clinic_max_mg_per_kg:
        errors["mg_per_kg_max"] = (
            f"Above the clinic's maximum of {clinic_max_mg_per_kg} mg/kg for this route."
        )
    if min_spacing_days < 1:
        errors["min_spacing_days"] = "Sessions must be at least 1 day apart."
    return errors
