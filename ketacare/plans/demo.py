"""Screenings, overrides and signed orders for the demo clinic, through the real services.

Synthetic and deterministic (no randomness here): every Riverside patient is screened; a
prescriber overrides each relative reason with a written demo justification; each gets a signed
order for Dakwar 2019's regimen (0.5 mg/kg IV over 40 min, the regimen the dosing demo gives), from
which the dosing demo plans its sessions. Afterwards `finish` leaves screenings in every state: one
patient reports a reaction to ketamine (not eligible, order discontinued), one has a new psychosis
entry (needs review), one drank within the last day (the detox gate), the rest eligible. Then
`build_plans` writes treatment plans in every status with MAT orders and therapy notes (issue 12).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.apps import apps
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
    build_plans(staff=staff, patients_=patients_, clinic=patients_[0].clinic)


# --- treatment plans, MAT and therapy (issue 12) --------------------------------------------------

PLAN_STATUSES = ("active", "draft", "on_hold", "completed", "discontinued", "active")


def build_plans(*, staff: dict[str, User], patients_: list[Patient], clinic: Clinic) -> None:
    """Plans in every status, MAT orders with a dose change, therapy notes and integration visits.
    Runs after the sessions (it records integration visits after them). MAT goes only to patients
    without a session today (a MAT order is a new relative reason at the session's screening)."""
    prescriber, nurse, therapist, admin = (
        staff["prescriber"],
        staff["nurse"],
        staff["therapist"],
        staff["clinicadmin"],
    )
    # Demo values, labelled clinic-set on the settings page; not recommendations.
    services.update_safety_settings(
        by=admin,
        clinic=clinic,
        integration_min_hours=24,
        integration_max_hours=72,
        booster_craving_threshold=50,
    )
    chosen = [patients_[i] for i in (0, 2, 8, 9, 1, 10) if i < len(patients_)]
    mat = {
        8: ("methadone", "oral", Decimal("60"), "once daily, observed"),
        9: ("buprenorphine", "sublingual", Decimal("12"), "once daily"),
        10: ("naltrexone", "injection-xr", Decimal("380"), "every 4 weeks"),
    }
    today = timezone.localdate()
    for patient, status in zip(chosen, PLAN_STATUSES, strict=False):
        substance = patient.substance_use_disorders.values_list("substance", flat=True).first() or "alcohol"
        order = patient.ketamine_orders.filter(status=Order.Status.SIGNED).order_by("-created_at").first()
        plan = services.create_plan(
            by=nurse,
            patient=patient,
            title=f"{substance.title()}: ketamine with mindfulness-based relapse prevention",
            substances=[substance],
            goals=["Stay clean for my kids", "Get back to work", "Sleep through the night"],
            protocol=order.protocol_id if order else DEMO_PROTOCOL,
            order_id=order.pk if order else None,
            maintenance_instrument="craving-vas",
            maintenance_weeks=2,
            preparation_visits=1,
            integration_after_each_dose=True,
            measurements=[{"instrument": "phq-9", "interval_days": 14}],
            therapies=[
                services.TherapyLine("mbrp", 7, therapist.pk),
                services.TherapyLine("mi", 14, therapist.pk),
            ],
            reason="Written with the patient at the first visit (demo).",
        )
        if status != "draft":
            services.record_agreement(
                by=nurse, plan=plan, how="in_person", note="Read through together (demo)."
            )
            services.change_plan_status(by=nurse, plan=plan, status="active", reason="Agreed; start (demo).")
        if status in ("on_hold", "completed", "discontinued"):
            why = {
                "on_hold": "Patient travelling for a month (demo).",
                "completed": "Course and maintenance done; goals reached (demo).",
                "discontinued": "Reaction to ketamine: stopped (demo).",
            }[status]
            if status == "completed":
                services.change_plan_status(by=nurse, plan=plan, status="on_hold", reason="Review (demo).")
                services.change_plan_status(by=nurse, plan=plan, status="active", reason="Resumed (demo).")
            services.change_plan_status(by=nurse, plan=plan, status=status, reason=why)
        index = patients_.index(patient)
        if index in mat:
            drug, form, dose, schedule = mat[index]
            mat_order = services.create_mat_order(
                by=prescriber,
                patient=patient,
                drug=drug,
                form=form,
                dose_mg=dose,
                schedule=schedule,
                start_on=today - dt.timedelta(days=60),
                is_start=False,
                plan_id=plan.pk if status in ("draft", "active", "on_hold") else None,
                note="Continuing the dose from the previous programme (demo).",
            )
            if drug != "naltrexone":
                services.change_mat_dose(
                    by=prescriber,
                    order=mat_order,
                    dose_mg=dose + (Decimal("10") if drug == "methadone" else Decimal("4")),
                    effective_on=today - dt.timedelta(days=20),
                    reason="Cravings in the evening (demo).",
                )
        _therapy(therapist, patient, plan if plan.status in services.OPEN_PLAN_STATUSES else None)


def _therapy(therapist: User, patient: Patient, plan: Any) -> None:
    """Weekly MBRP over the last four weeks (one missed) and an integration visit after each dose."""
    now = timezone.now()
    goals = list(plan.goals.all()) if plan is not None else []
    for week in range(4, 0, -1):
        at = now - dt.timedelta(days=7 * week, hours=2)
        missed = week == 2
        services.record_therapy_session(
            by=therapist,
            patient=patient,
            kind="therapy",
            modality="mbrp",
            occurred_at=at,
            attendance="missed" if missed else "attended",
            duration_min=None if missed else 60,
            plan_id=plan.pk if plan is not None else None,
            goal_ids=[goals[week % len(goals)].pk] if goals and not missed else [],
            note="" if missed else "Urge surfing; noticed evening cravings (demo).",
            homework="" if missed else "Ten minutes of breathing space each day.",
        )
    doses = apps.get_model("dosing", "DosingSession").objects.filter(
        patient=patient, started_at__isnull=False
    )
    for dose in doses.order_by("started_at")[:3]:
        at = dose.started_at + dt.timedelta(hours=30)
        if at >= now:
            continue
        services.record_therapy_session(
            by=therapist,
            patient=patient,
            kind="integration",
            modality="kap-integration",
            occurred_at=at,
            attendance="attended",
            duration_min=50,
            plan_id=plan.pk if plan is not None else None,
            dosing_session_id=dose.pk,
            note="Talked through the session's images; linked them to the goals (demo).",
        )
