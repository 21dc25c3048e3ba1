"""Screenings, overrides and signed orders for the demo clinic, through the real services.

Synthetic and deterministic (no randomness here): every Riverside patient is screened; a
prescriber overrides each relative reason with a written demo justification; each gets a signed
order for Dakwar 2019's regimen (0.5 mg/kg IV over 40 min, the regimen the dosing demo gives), from
which the dosing demo plans its sessions. Afterwards `finish` leaves screenings in every state: one
patient reports a reaction to ketamine (not eligible, order discontinued), one has a new psychosis
entry (needs review), one drank within the last day (the detox gate), the rest eligible.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from ketacare.accounts.models import Clinic, User
from ketacare.outcomes import services as outcomes
from ketacare.patients import services as patients
from ketacare.patients.models import Patient
from ketacare.patients.selectors import latest_measurement
from ketacare.plans import services
from ketacare.plans.models import Order
from ketacare.plans.services import effective_result
from ketacare.rules import eligibility

DEMO_JUSTIFICATION = (
    "Demo: reviewed with the patient; benefit judged to outweigh the risk, closely monitored."
)
DEMO_PROTOCOL = "dakwar-2019"
DEMO_SESSIONS = 6  # three induction sessions, a maintenance session and today's


def build(*, staff: dict[str, User], patients_: list[Patient], clinic: Clinic) -> None:
    prescriber, nurse, admin = staff["prescriber"], staff["nurse"], staff["clinicadmin"]
    # Demo values, labelled clinic-set on the settings page; not recommendations.
    services.update_safety_settings(
        by=admin,
        clinic=clinic,
        weight_change_percent_max=Decimal("10"),
        weight_max_age_days=90,
        max_mg_per_kg_iv=Decimal("1.0"),
    )
    for patient in patients_:
        if latest_measurement(patient) is None:
            continue
        screening = services.run_screening(by=nurse, patient=patient)
        for reason in screening.reasons:
            if reason["class"] == eligibility.RELATIVE:
                services.override_reason(
                    by=prescriber, screening=screening, code=reason["code"], justification=DEMO_JUSTIFICATION
                )
        order = services.create_order(
            by=prescriber,
            patient=patient,
            protocol=DEMO_PROTOCOL,
            route="iv-infusion",
            dose="0.5mg/kg",
            duration_min=Decimal("40"),
            sessions=DEMO_SESSIONS,
            interval_days=7,
        )
        services.sign_order(by=prescriber, order=order)


def finish(*, staff: dict[str, User], patients_: list[Patient]) -> None:
    """After the sessions: leave screenings in every state."""
    prescriber, nurse = staff["prescriber"], staff["nurse"]
    allergic, drinking = patients_[1], patients_[3]
    # The calendar's recent use can close the alcohol detox gate, which would hide "needs review":
    # the new psychosis entry goes to the first other patient who is eligible today.
    psychotic = next(
        (
            p
            for p in patients_[2:]
            if p != drinking and effective_result(services.run_screening(by=nurse, patient=p)) == "eligible"
        ),
        patients_[2],
    )
    patients.add_allergy(
        by=nurse, patient=allergic, substance="Ketamine", reaction="Urticaria", severity="moderate"
    )
    services.run_screening(by=nurse, patient=allergic)
    for order in allergic.ketamine_orders.filter(status=Order.Status.SIGNED):
        services.discontinue_order(
            by=prescriber, order=order, reason="Reaction to ketamine: no further sessions."
        )
    patients.add_history_flag(by=nurse, patient=psychotic, flag="psychosis", note="Demo: new entry")
    services.run_screening(by=nurse, patient=psychotic)
    if drinking.substance_use_disorders.filter(substance="alcohol").exists():
        outcomes.record_substance_use(
            by=nurse,
            patient=drinking,
            day=timezone.localdate(),
            substance="alcohol",
            used=True,
            standard_drinks=Decimal("4"),
        )
    services.run_screening(by=nurse, patient=drinking)
