"""Ketamine sessions for the demo clinic, recorded after the fact through the real services.

Synthetic: each patient with a treatment history gets an induction course of three weekly IV
infusions from the day the outcomes demo starts treatment, and responders a maintenance session a
month later. The order (0.5 mg/kg over 40 min, one of the trial regimens listed in
shared/references/clinical.md 2.5) is demo data, not a recommendation; vitals and the odd mild
side effect are invented and stay inside every input limit. Repeatable: the caller's seeded random.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

from ketacare.accounts.models import User
from ketacare.dosing import services
from ketacare.outcomes.demo import DAYS, INDUCTION_DAYS
from ketacare.patients.models import Patient
from ketacare.patients.selectors import latest_measurement
from ketacare.plans.selectors import signed_orders_of

COURSE_DAYS = INDUCTION_DAYS  # induction: weekly
MAINTENANCE_DAY = 45
DEMO_MG_PER_KG = Decimal("0.5")
DEMO_DURATION_MIN = 40
VITALS_AT_MIN = (0, 15, 30, 45, 60, 90)


def _demo_password() -> str:
    from ketacare.accounts.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


# Demo clinic settings: clinic-set values chosen for the demo, NOT recommendations (KetaCare ships no
# vital-sign threshold; the literature values are unconfirmed, clinical-verified.md).
DEMO_SETTINGS = {
    "systolic_above_mmhg": 180,
    "diastolic_above_mmhg": 105,
    "heart_rate_above_per_min": 120,
    "spo2_below_percent": 92,
    "vitals_interval_min": 15,
}


def build_today(
    *, staff: dict[str, User], patients: list[Patient], rng: random.Random, now: dt.datetime
) -> None:
    """A session day in progress: one in the checklist, one dosing, one monitoring with an open alert,
    one ended waiting for the signature. Times relative to `now`, values from the seeded random."""
    nurse, prescriber = staff["nurse"], staff["prescriber"]
    services.update_session_settings(by=staff["clinicadmin"], clinic=patients[0].clinic, **DEMO_SETTINGS)
    plans = [("Chair 1", None), ("Chair 2", 20), ("Room 3", 75), ("Chair 4", 150)]
    for (chair, minutes_ago), patient in zip(plans, patients, strict=False):
        measurement = latest_measurement(patient)
        if measurement is None:
            continue
        dose = (DEMO_MG_PER_KG * measurement.weight_kg).quantize(Decimal("0.01"), ROUND_HALF_UP)
        session = services.plan_session(
            by=prescriber,
            patient=patient,
            route="iv-infusion",
            dose_mg=dose,
            duration_min=Decimal(DEMO_DURATION_MIN),
            regimen=f"{DEMO_MG_PER_KG} mg/kg ({dose} mg) IV over {DEMO_DURATION_MIN} min",
            chair=chair,
            order=signed_orders_of(patient).first(),  # written by plans.demo
        )
        if minutes_ago is None:
            continue
        began = now - dt.timedelta(minutes=minutes_ago)
        services.record_vital_sign(
            by=nurse, session=session, measured_at=began - dt.timedelta(minutes=5), **_vitals(rng, 0)
        )
        session = services.start_session(
            by=nurse,
            session=session,
            consent_confirmed=True,
            fasting_confirmed=True,
            escort_confirmed=True,
            identity_identifiers=["full_name", "date_of_birth"],
            started_at=began,
        )
        for minute in range(15, minutes_ago, 15):
            rise = 14 if 15 <= minute <= 45 else 0
            values = _vitals(rng, rise)
            if chair == "Room 3" and minute == 30:
                values["systolic_mmhg"] = 186  # above the demo clinic's threshold: an open alert
            recorded = services.record_vital_sign(
                by=nurse, session=session, measured_at=began + dt.timedelta(minutes=minute), **values
            )
            if chair == "Chair 4":
                for alert in recorded.alerts:
                    services.acknowledge_alert(
                        by=nurse,
                        session=session,
                        alert_id=alert.pk,
                        action="recheck",
                        note="Settled on recheck.",
                    )
        if chair == "Chair 4":
            services.end_session(
                by=nurse,
                session=session,
                discharge_note="Back to baseline; left with the escort. No driving until tomorrow.",
                ended_at=began + dt.timedelta(minutes=125),
            )


def _vitals(rng: random.Random, rise: int) -> dict[str, int]:
    return {
        "systolic_mmhg": rng.randint(112, 132) + rise,
        "diastolic_mmhg": rng.randint(70, 84) + rise // 2,
        "heart_rate_per_min": rng.randint(62, 84) + rise // 3,
        "spo2_percent": rng.randint(96, 99),
    }


def build(*, staff: dict[str, User], patients: list[Patient], rng: random.Random, today: dt.date) -> None:
    nurse, prescriber = staff["nurse"], staff["prescriber"]
    start = today - dt.timedelta(days=DAYS)
    for patient in patients:
        measurement = latest_measurement(patient)
        if measurement is None:
            continue
        dose = (DEMO_MG_PER_KG * measurement.weight_kg).quantize(Decimal("0.01"), ROUND_HALF_UP)
        order = signed_orders_of(patient).first()  # written by plans.demo
        days = list(COURSE_DAYS) + ([MAINTENANCE_DAY] if rng.random() < 0.6 else [])
        for offset in days:
            began = dt.datetime.combine(start + dt.timedelta(days=offset), dt.time(9, 30), tzinfo=dt.UTC)
            session = services.plan_session(
                by=prescriber,
                patient=patient,
                route="iv-infusion",
                dose_mg=dose,
                duration_min=Decimal(DEMO_DURATION_MIN),
                regimen=f"{DEMO_MG_PER_KG} mg/kg ({dose} mg) IV over {DEMO_DURATION_MIN} min",
                order=order,
            )
            session = services.start_session(
                by=nurse,
                session=session,
                consent_confirmed=True,
                fasting_confirmed=True,
                escort_confirmed=True,
                identity_identifiers=["full_name", "date_of_birth"],
                started_at=began,
            )
            systolic, diastolic, pulse = rng.randint(112, 132), rng.randint(70, 84), rng.randint(62, 84)
            for minute in VITALS_AT_MIN:
                # Blood pressure rises during the infusion and settles after it (synthetic shape).
                rise = 14 if 15 <= minute <= 45 else 4 if minute == 60 else 0
                services.record_vital_sign(
                    by=nurse,
                    session=session,
                    systolic_mmhg=systolic + rise + rng.randint(-4, 4),
                    diastolic_mmhg=diastolic + rise // 2 + rng.randint(-3, 3),
                    heart_rate_per_min=pulse + rise // 3 + rng.randint(-4, 4),
                    spo2_percent=rng.randint(96, 99),
                    measured_at=began + dt.timedelta(minutes=minute),
                )
            if rng.random() < 0.3:
                services.record_side_effect(
                    by=nurse,
                    session=session,
                    kind=rng.choice(["nausea", "dizziness"]),
                    severity="mild",
                    occurred_at=began + dt.timedelta(minutes=25),
                )
            session = services.end_session(
                by=nurse,
                session=session,
                discharge_note="Back to baseline and steady on their feet; left with the escort.",
                ended_at=began + dt.timedelta(minutes=120),
            )
            services.sign_session(by=prescriber, session=session, password=_demo_password())
