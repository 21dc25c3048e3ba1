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
    build_esketamine(staff=staff, candidates=patients[:4], rng=rng, today=today)


# Esketamine sessions with their monitoring forms (issue 11): one sent, one overdue, one due. The
# order is the label's 56 mg starting dose (protocol library "esketamine-nasal", SECONDARY there), as
# demo data; an esketamine session lasts at least the label's 2 h (VERIFIED).
ESKETAMINE_DAYS_AGO = (12, 9, 3)
ESKETAMINE_DOSE_MG = Decimal("56")


def build_esketamine(
    *, staff: dict[str, User], candidates: list[Patient], rng: random.Random, today: dt.date
) -> None:
    """Three esketamine sessions for the first candidate who is eligible now (an order needs it)."""
    from django.core.exceptions import ValidationError

    from ketacare.plans import services as plans

    nurse, prescriber = staff["nurse"], staff["prescriber"]
    for patient in candidates:
        try:
            order = plans.create_order(
                by=prescriber,
                patient=patient,
                protocol="esketamine-nasal",
                route="intranasal",
                dose=f"{ESKETAMINE_DOSE_MG}mg",
                sessions=len(ESKETAMINE_DAYS_AGO),
                interval_days=3,
            )
        except ValidationError:
            continue  # not eligible today (e.g. the detox gate): the next one
        break
    else:
        return
    plans.sign_order(by=prescriber, order=order)
    for n, days_ago in enumerate(ESKETAMINE_DAYS_AGO):
        began = dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(10, 0), tzinfo=dt.UTC)
        session = services.plan_session(
            by=prescriber,
            patient=patient,
            route="intranasal",
            dose_mg=ESKETAMINE_DOSE_MG,
            regimen="Esketamine 56 mg intranasal (demo)",
            order=order,
            drug="esketamine",
        )
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
            prescriber_on_site=prescriber,
            started_at=began,
        )
        services.prepare_dose(
            by=nurse,
            session=session,
            concentration_mg_per_ml=Decimal("140"),  # demo: 28 mg per 0.2 mL device
            concentration_as="base",
            lot_number=f"DEMO-ES{n + 1}",
            lot_expiry=today + dt.timedelta(days=365),
        )
        scale = [("craving-vas", [rng.randint(40, 70)], 0), ("moaas", [4], 40), ("moaas", [5], 90)]
        scale.append(("craving-vas", [rng.randint(10, 35)], 115))
        for minute in (40, 80, 115):
            services.record_vital_sign(
                by=nurse, session=session, measured_at=began + dt.timedelta(minutes=minute), **_vitals(rng, 8)
            )
        for instrument, answers, minute in scale:
            services.record_session_scale(
                by=nurse,
                session=session,
                instrument_id=instrument,
                answers=answers,
                answered_at=began + dt.timedelta(minutes=minute),
            )
        services.end_session(
            by=nurse,
            session=session,
            discharge_note="Sedation and dissociation resolved; left with the escort. No driving today.",
            ended_at=began + dt.timedelta(minutes=125),
        )
        services.record_rems_answers(
            by=prescriber,
            session=session,
            rems_benzodiazepines=False,
            rems_sedative_hypnotics=False,
            rems_psychostimulants=False,
            rems_maois=False,
        )
        if days_ago == ESKETAMINE_DAYS_AGO[0]:
            services.mark_rems_form_submitted(
                by=nurse, session=session, submitted_at=began + dt.timedelta(days=1)
            )
