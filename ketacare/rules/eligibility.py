"""Eligibility screening before ketamine: contraindications and the detox gate, each reason cited.

Pure Python, no Django. The caller gathers the record (allergies, history flags, medications, the
latest blood pressure, suicide-risk answers, last use of each substance, withdrawal scores) into
:class:`Inputs`, each row named by `ref` ("allergy:12"), and :func:`screen` answers with every
reason, its class, its source and the row it came from.

Classes:
- ``absolute``: the esketamine label's contraindications (VERIFIED). Never overridden by anyone.
- ``relative``: cautions from the labels and the REMS form, or a clinic-set limit crossed. A
  prescriber may override each with a written justification.
- ``gate``: the detox gate (time since last use, withdrawal scores). Not overridden: wait and re-run.

Only facts marked VERIFIED in shared/references/clinical-verified.md are fixed here; every number a
clinic must choose (pre-dose BP limit, gate hours beyond alcohol's 24 h, CIWA-Ar and COWS limits)
arrives in :class:`ClinicLimits` and, when unset, checks nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from ketacare.instruments.model import FlagCode

ABSOLUTE = "absolute"
RELATIVE = "relative"
GATE = "gate"

ELIGIBLE = "eligible"
NEEDS_REVIEW = "needs-review"
NOT_ELIGIBLE = "not-eligible"

# --- Sources (one place; each a VERIFIED row of shared/references/clinical-verified.md) -----------
# §1b: Spravato contraindications, verified through the Janssen ISI and the Medication Guide.
SPRAVATO_CONTRAINDICATIONS = (
    "Spravato (esketamine) label, Contraindications (Janssen ISI; Medication Guide): aneurysmal "
    "vascular disease or AVM; history of intracerebral hemorrhage; hypersensitivity to esketamine, "
    "ketamine or excipients [VERIFIED]"
)
# §1a: Ketalar PI Highlights §7.3.
KETALAR_CNS_DEPRESSANTS = (
    "Ketalar label §7.3: benzodiazepines, opioids and other CNS depressants, 'profound sedation, "
    "respiratory depression, coma, or death' [VERIFIED]"
)
# §1c: the Spravato REMS Patient Monitoring Form's concomitant-medication items.
REMS_FORM_MEDICATIONS = (
    "Spravato REMS Patient Monitoring Form (11/2021): benzodiazepines, non-benzodiazepine sedative "
    "hypnotics, psychostimulants, MAOIs [VERIFIED]"
)
# §1b: Spravato PI §5.2.
SPRAVATO_PSYCHOSIS = "Spravato PI §5.2: 'carefully assess patients with psychosis' [VERIFIED]"
# §2: Dakwar 2020, full-text introduction.
DAKWAR_2020_24H = (
    "Dakwar 2020 (Am J Psychiatry, doi 10.1176/appi.ajp.2019.19070684): ketamine 'at least 24 hours "
    "after the last occasion of alcohol use' [VERIFIED]"
)
CLINIC_SET = "Clinic-set limit (no verified literature value: shared/references/clinical-verified.md)"
CLINICAL_JUDGEMENT = (
    "Relative caution listed in issue 10 from the earlier brief (shared/references/clinical.md); "
    "not a verified label contraindication: clinical judgement"
)

# The alcohol trial dosed at least 24 h after the last drink (Dakwar 2020, VERIFIED): the floor of
# the alcohol gate. A clinic may set a longer gate, never a shorter one.
ALCOHOL_GATE_HOURS_MIN = 24

# An allergy entry naming one of these (case-insensitive, as a word inside the text) is
# hypersensitivity to ketamine or esketamine. Brand names are the same molecules.
KETAMINE_NAMES = ("ketamine", "esketamine", "arketamine", "ketalar", "spravato")

# History flags (patients.HistoryFlag codes) and what they mean here.
ABSOLUTE_FLAGS = {
    "aneurysm_avm": ("aneurysm-avm", "Aneurysmal vascular disease or arteriovenous malformation"),
    "intracerebral_haemorrhage": ("intracerebral-haemorrhage", "History of intracerebral haemorrhage"),
    "ketamine_hypersensitivity": ("ketamine-hypersensitivity", "Hypersensitivity to ketamine or esketamine"),
}
RELATIVE_FLAGS = {
    "psychosis": ("psychosis", "Psychosis, current or past", SPRAVATO_PSYCHOSIS),
    "hypertension": (
        "hypertension",
        "Hypertension on record: check that it is controlled",
        CLINICAL_JUDGEMENT,
    ),
    "cardiovascular": ("cardiovascular", "Cardiovascular disease", CLINICAL_JUDGEMENT),
    "pregnancy": ("pregnancy", "Pregnancy", CLINICAL_JUDGEMENT),
    "breastfeeding": ("breastfeeding", "Breastfeeding", CLINICAL_JUDGEMENT),
    "ketamine_pcp_misuse": ("ketamine-pcp-misuse", "Ketamine or PCP misuse", CLINICAL_JUDGEMENT),
    "sleep_apnoea": ("sleep-apnoea", "Sleep apnoea: check that it is treated", CLINICAL_JUDGEMENT),
}
# Medication classes (patients.Medication.DrugClass) that the labels ask about.
CNS_DEPRESSANT_CLASSES = {
    "benzodiazepine": "a benzodiazepine or other sedative",
    "opioid": "an opioid",
    "methadone": "methadone",
    "buprenorphine": "buprenorphine",
}
REMS_CLASSES = {"stimulant": "a stimulant", "maoi": "an MAO inhibitor"}

WITHDRAWAL_INSTRUMENTS = {"ciwa-ar": "CIWA-Ar", "cows": "COWS"}


@dataclass(frozen=True)
class Row:
    """One row of the record, as the rules see it: `ref` names it ("allergy:12"), `text` is what it says."""

    ref: str
    text: str = ""


@dataclass(frozen=True)
class Medication:
    ref: str
    drug_class: str
    name: str


@dataclass(frozen=True)
class BloodPressure:
    ref: str
    systolic_mmhg: int
    diastolic_mmhg: int


@dataclass(frozen=True)
class LastUse:
    """The latest recorded use of one substance; `at` is None when the record does not say."""

    ref: str
    substance: str
    at: dt.datetime | None


@dataclass(frozen=True)
class Score:
    ref: str
    instrument_id: str
    total: int
    at: dt.datetime


@dataclass(frozen=True)
class ClinicLimits:
    """Clinic-set values; None means the clinic has not set it and nothing is checked against it."""

    predose_systolic_max_mmhg: int | None = None
    predose_diastolic_max_mmhg: int | None = None
    gate_hours: dict[str, int] = field(default_factory=dict)  # substance code -> hours since last use
    ciwa_ar_max: int | None = None
    cows_max: int | None = None


@dataclass(frozen=True)
class Inputs:
    allergies: Sequence[Row] = ()
    history_flags: Sequence[tuple[str, Row]] = ()  # (flag code, row)
    medications: Sequence[Medication] = ()  # current ones only
    blood_pressure: BloodPressure | None = None
    suicide_risk: Sequence[Row] = ()  # latest PHQ-9 / C-SSRS responses that flagged risk
    last_use: Sequence[LastUse] = ()
    withdrawal_scores: Sequence[Score] = ()  # the latest of each instrument


@dataclass(frozen=True)
class Reason:
    code: str
    klass: str
    message: str
    source: str
    input: str = ""

    @property
    def overridable(self) -> bool:
        return self.klass == RELATIVE


@dataclass(frozen=True)
class Screening:
    result: str
    reasons: list[Reason]


def names_ketamine(text: str) -> bool:
    lowered = text.lower()
    return any(name in lowered for name in KETAMINE_NAMES)


def result_of(reasons: Sequence[Reason], overridden: frozenset[str] = frozenset()) -> str:
    """Not eligible with any absolute or gate reason; needs review with a relative reason that is not
    overridden (`overridden` holds codes a prescriber overrode); otherwise eligible."""
    if any(r.klass in (ABSOLUTE, GATE) for r in reasons):
        return NOT_ELIGIBLE
    if any(r.klass == RELATIVE and r.code not in overridden for r in reasons):
        return NEEDS_REVIEW
    return ELIGIBLE


def screen(inputs: Inputs, limits: ClinicLimits, now: dt.datetime) -> Screening:
    """Every reason against ketamine today, and the result they add up to."""
    reasons = [
        *_absolute(inputs),
        *_relative(inputs, limits),
        *detox_gate(inputs.last_use, inputs.withdrawal_scores, limits, now),
    ]
    return Screening(result_of(reasons), reasons)


def _absolute(inputs: Inputs) -> list[Reason]:
    reasons = [
        Reason(
            "ketamine-allergy",
            ABSOLUTE,
            f"Allergy recorded to '{row.text}': hypersensitivity to ketamine or esketamine.",
            SPRAVATO_CONTRAINDICATIONS,
            row.ref,
        )
        for row in inputs.allergies
        if names_ketamine(row.text)
    ]
    for flag, row in inputs.history_flags:
        if flag in ABSOLUTE_FLAGS:
            code, label = ABSOLUTE_FLAGS[flag]
            reasons.append(Reason(code, ABSOLUTE, f"{label}.", SPRAVATO_CONTRAINDICATIONS, row.ref))
    return reasons


def _relative(inputs: Inputs, limits: ClinicLimits) -> list[Reason]:
    reasons: list[Reason] = []
    stabilised = any(m.drug_class == "mood_stabiliser" for m in inputs.medications)
    for flag, row in inputs.history_flags:
        if flag in RELATIVE_FLAGS:
            code, label, source = RELATIVE_FLAGS[flag]
            reasons.append(Reason(code, RELATIVE, f"{label}.", source, row.ref))
        elif flag == "bipolar" and not stabilised:
            reasons.append(
                Reason(
                    "bipolar-unstabilised",
                    RELATIVE,
                    "Bipolar disorder with no current mood stabiliser.",
                    CLINICAL_JUDGEMENT,
                    row.ref,
                )
            )
    for med in inputs.medications:
        if med.drug_class in CNS_DEPRESSANT_CLASSES:
            reasons.append(
                Reason(
                    f"cns-depressant-{med.drug_class}",
                    RELATIVE,
                    f"Takes {CNS_DEPRESSANT_CLASSES[med.drug_class]} ({med.name}): with ketamine, risk of "
                    "profound sedation and respiratory depression.",
                    KETALAR_CNS_DEPRESSANTS,
                    med.ref,
                )
            )
        elif med.drug_class in REMS_CLASSES:
            reasons.append(
                Reason(
                    f"concomitant-{med.drug_class}",
                    RELATIVE,
                    f"Takes {REMS_CLASSES[med.drug_class]} ({med.name}): record it as the REMS form asks "
                    "and weigh the blood-pressure risk.",
                    REMS_FORM_MEDICATIONS,
                    med.ref,
                )
            )
    reasons += [
        Reason(
            FlagCode.SUICIDE_RISK,
            RELATIVE,
            f"The latest {row.text} flagged suicide risk: assess before any session.",
            CLINICAL_JUDGEMENT,
            row.ref,
        )
        for row in inputs.suicide_risk
    ]
    bp = inputs.blood_pressure
    sys_max, dia_max = limits.predose_systolic_max_mmhg, limits.predose_diastolic_max_mmhg
    if bp is not None and (
        (sys_max is not None and bp.systolic_mmhg > sys_max)
        or (dia_max is not None and bp.diastolic_mmhg > dia_max)
    ):
        reasons.append(
            Reason(
                "blood-pressure-above-limit",
                RELATIVE,
                f"Latest blood pressure {bp.systolic_mmhg}/{bp.diastolic_mmhg} mmHg is above the clinic's "
                f"pre-dose limit of {sys_max if sys_max is not None else '–'}/"
                f"{dia_max if dia_max is not None else '–'} mmHg.",
                CLINIC_SET,
                bp.ref,
            )
        )
    return reasons


def gate_hours_for(substance: str, limits: ClinicLimits) -> int | None:
    """The hours since last use the gate asks for this substance: the clinic's value, and for
    alcohol never less than the verified 24 h."""
    hours = limits.gate_hours.get(substance)
    if substance == "alcohol":
        return max(hours or 0, ALCOHOL_GATE_HOURS_MIN)
    return hours


def detox_gate(
    last_use: Sequence[LastUse], scores: Sequence[Score], limits: ClinicLimits, now: dt.datetime
) -> list[Reason]:
    """Time since the last recorded use of each substance, and the latest withdrawal scores."""
    reasons: list[Reason] = []
    for use in last_use:
        hours = gate_hours_for(use.substance, limits)
        if hours is None:
            continue
        source = (
            DAKWAR_2020_24H if use.substance == "alcohol" and hours == ALCOHOL_GATE_HOURS_MIN else CLINIC_SET
        )
        if use.at is None:
            reasons.append(
                Reason(
                    f"last-use-unknown-{use.substance}",
                    RELATIVE,
                    f"No last use of {use.substance} is recorded; the gate asks for {hours} h since it.",
                    source,
                    use.ref,
                )
            )
            continue
        since_h = (now - use.at).total_seconds() / 3600
        if since_h < hours:
            reasons.append(
                Reason(
                    f"detox-gate-{use.substance}",
                    GATE,
                    f"Last use of {use.substance} {max(since_h, 0):.0f} h ago; the gate asks for at least "
                    f"{hours} h.",
                    source,
                    use.ref,
                )
            )
    score_limits = {"ciwa-ar": limits.ciwa_ar_max, "cows": limits.cows_max}
    for score in scores:
        limit = score_limits.get(score.instrument_id)
        if limit is not None and score.total > limit:
            name = WITHDRAWAL_INSTRUMENTS[score.instrument_id]
            reasons.append(
                Reason(
                    f"withdrawal-{score.instrument_id}",
                    GATE,
                    f"Latest {name} {score.total} is above the clinic's limit of {limit}: withdrawal first.",
                    CLINIC_SET,
                    score.ref,
                )
            )
    return reasons
