"""What the portal tells a patient about a ketamine session: how to prepare and what to expect.

THE ONE PLACE for the patient's preparation text. Only facts VERIFIED in
shared/references/clinical-verified.md are stated as facts; a test holds the text
(ketacare/plans/tests/test_portal.py):
- an escort home: the ketamine HCl label's Special Note (VERIFIED, §1a): released only after recovery
  is complete "and then should be accompanied by a responsible adult"; the Spravato PI §17 (2019,
  VERIFIED, mirror): "they will need someone to drive them home";
- no driving until the next day after a restful sleep: Spravato PI §17 (VERIFIED, mirror), the same
  words as rules.esketamine_label.NO_DRIVING_ADVICE;
- fasting: the only figures found (no food 2 h, no liquids 30 min before esketamine) are SECONDARY, so
  KetaCare states no number: the patient follows the care team's instructions.

What to expect comes from the pharmacology engine's timeline for the patient's own ordered dose,
weight and age, in plain words, with the engine's limits said plainly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from ketacare.dosing.labels import ROUTE_LABELS
from ketacare.patients.models import Patient
from ketacare.patients.selectors import latest_measurement
from ketacare.pharmacology import Dose, DoseError
from ketacare.pharmacology import Patient as PkPatient
from ketacare.pharmacology.model import SEXES
from ketacare.pharmacology.request import DoseRequest, RequestError, plan
from ketacare.pharmacology.timeline import timeline
from ketacare.plans.models import Order

PREPARATION = (
    (
        "Eating and drinking",
        "Do not eat or drink before your session for as long as your care team tells you. "
        "If you are not sure, ask them before the day.",
    ),
    (
        "Someone to take you home",
        "Bring a responsible adult who will take you home after the session. You will need "
        "someone to drive you home: you cannot leave alone.",
    ),
    (
        "No driving",
        "Do not drive or operate machinery until the next day, after a restful sleep.",
    ),
)
# What the patient reads as the source; the status (VERIFIED in shared/references/clinical-verified.md)
# is the developers' business, not the patient's.
PREPARATION_SOURCES = "Ketamine hydrochloride label, Special Note; Spravato prescribing information §17."

# Virtual patients behind the range shown (the same seed every time, so the page does not change).
POPULATION_N = 200
SEED = 1

LIMITS = (
    "This is an estimate from a computer model built on studies of other people. It cannot know how "
    "you will feel: people differ, and the same person can feel different on different days. It does not "
    "predict side effects. Your care team watches you during the session and decides with you when you "
    "are ready to go home."
)


@dataclass
class Expectation:
    """What to expect, in words a patient understands."""

    during: list[str]
    after: list[str]
    limits: str
    model: str
    notes: list[str] = field(default_factory=list)


def _minutes(value: float) -> str:
    rounded = max(5, int(round(value / 5.0)) * 5)
    if rounded < 90:
        return f"{rounded} minutes"
    hours = rounded / 60
    return f"about {hours:.1f} hours".replace(".0 ", " ")


def what_to_expect(patient: Patient, order: Order) -> Expectation | None:
    """The engine's timeline for this order's dose, this patient's weight and age; None when the
    record lacks a weight or the engine cannot model the dose (the page says so)."""
    measurement = latest_measurement(patient)
    if measurement is None:
        return None
    age = (timezone.localdate() - patient.date_of_birth).days / 365.25
    sex = patient.sex_at_birth if patient.sex_at_birth in SEXES else "male"
    height = float(measurement.height_cm) if measurement.height_cm is not None else None
    pk = PkPatient(float(measurement.weight_kg), age, sex, height)
    request = DoseRequest(
        route=order.route,
        dose=Dose(float(order.dose_mg), False, "base"),
        duration_min=float(order.duration_min or 0) if order.route == "iv-infusion" else 0.0,
    )
    try:
        decided = plan(request, pk)
        expected = timeline(
            decided.model, decided.patient, decided.regimen, hours=24.0, n=POPULATION_N, seed=SEED,
            params=decided.params,
        )  # fmt: skip
    except (RequestError, DoseError, ValueError):
        return None
    t = expected.typical
    route = ROUTE_LABELS.get(order.route, order.route).lower()
    during = []
    if order.route == "iv-infusion" and order.duration_min:
        during.append(
            f"The medicine goes into a vein through a drip ({route}) over {order.duration_min:.0f} minutes."
        )
    else:
        during.append(f"The medicine is given by {route}.")
    if t.onset_min is None:
        during.append(
            "At your dose the model does not expect strong effects on how you perceive yourself and your "
            "surroundings, though you may still feel some."
        )
    else:
        during.append(
            f"You may start to feel detached, dreamy, or see and hear things differently about "
            f"{_minutes(t.onset_min)} after the start."
        )
        during.append(
            "These feelings are expected to be strongest about "
            f"{_minutes(t.peak_effect_min)} after the start."
        )
    after = []
    if t.recovery_min is not None:
        band = expected.percentiles.get("recovery_min", {})
        lo, hi = band.get("p5"), band.get("p95")
        spread = ""
        if lo is not None and hi is not None and lo != hi:
            spread = f" (for most people in the model, between {_minutes(lo)} and {_minutes(hi)})"
        after.append(
            "The model expects these feelings to fade about "
            f"{_minutes(t.recovery_min)} after the start{spread}."
        )
    after.append(
        "You stay with your care team until you are ready to leave; then a responsible adult takes you home."
    )
    after.append("Do not drive or operate machinery until the next day, after a restful sleep.")
    return Expectation(during, after, LIMITS, expected.model_title, notes=list(expected.warnings))
