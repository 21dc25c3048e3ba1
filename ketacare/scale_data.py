"""Clinical-scale synthetic data, fast: bulk inserts for the query-count tests and benchmarks/scale.py.

Never for a clinic's database. Rows are what the services would store (scores from the instruments
package, constraints respected) but written with bulk_create: no audit events and no version
history, which is what makes 3.6 million rows take minutes instead of hours. Seeded: the same data
every time.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketacare import instruments
from ketacare.accounts.models import Clinic, User
from ketacare.dosing.models import DosingSession, VitalSign
from ketacare.outcomes.models import (
    Assignment,
    DailyReport,
    LabResult,
    QuestionnaireResponse,
    SubstanceUseDay,
)
from ketacare.patients.models import Medication, Patient, SubstanceUseDisorder

BATCH = 5000
PHQ9_ANSWERS = ([1, 1, 0, 1, 0, 0, 0, 0, 0], [2, 2, 1, 2, 1, 1, 1, 0, 0], [2, 2, 2, 2, 2, 1, 1, 1, 0])


@dataclass(frozen=True)
class Grown:
    patient_ids: list[int]
    first_day: dt.date
    last_day: dt.date


def _noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def _scored(instrument_id: str, answers: list[int]) -> dict[str, Any]:
    result = instruments.score(instrument_id, answers)
    return {
        "status": QuestionnaireResponse.Status.FINAL,
        "answers": answers,
        "score_total": result.total,
        "band_label": result.band.label if result.band else "",
        "result": result.to_dict(),
        "flag_codes": [flag.code for flag in result.flags],
    }


def _bulk(model: Any, rows: Iterator[Any]) -> None:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            model.objects.bulk_create(batch)
            batch = []
    if batch:
        model.objects.bulk_create(batch)


def grow(
    *,
    clinic: Clinic,
    by: User,
    patients: int,
    days: int,
    seed: int = 14,
    check_ins: bool = True,
    prefix: str = "SCALE",
    today: dt.date | None = None,
) -> Grown:
    """Add `patients` patients, each with `days` days of history ending yesterday: the calendar
    (alcohol, drinks on some days), and with `check_ins` a daily check-in (mood and a craving rating),
    a PHQ-9 every 14 days and its assignment, a urine test every 30 days, a MAT medication and a
    ketamine session with vitals."""
    rng = random.Random(seed)  # noqa: S311  (synthetic data, not security)
    today = today or timezone.localdate()
    last = today - dt.timedelta(days=1)
    first = last - dt.timedelta(days=days - 1)
    with transaction.atomic():
        existing = Patient.objects.filter(clinic=clinic, medical_record_number__startswith=prefix).count()
        Patient.objects.bulk_create(
            Patient(
                clinic=clinic,
                medical_record_number=f"{prefix}-{existing + n:06d}",
                given_name=f"Given{existing + n}",
                family_name=f"Family{(existing + n) % 997:03d}",
                date_of_birth=dt.date(1960 + (n % 40), 1 + n % 12, 1 + n % 28),
                sex_at_birth="female" if n % 2 else "male",
            )
            for n in range(patients)
        )
        ids = list(
            Patient.objects.filter(clinic=clinic, medical_record_number__startswith=prefix)
            .order_by("pk")
            .values_list("pk", flat=True)[existing:]
        )
        _bulk(
            SubstanceUseDisorder,
            (
                SubstanceUseDisorder(
                    patient_id=pid,
                    substance="alcohol",
                    criteria_met=2 + pid % 10,
                    is_primary=True,
                    recorded_by=by,
                )
                for pid in ids
            ),
        )

        def use_days() -> Iterator[SubstanceUseDay]:
            for pid in ids:
                for n in range(days):
                    used = rng.random() < 0.3
                    yield SubstanceUseDay(
                        patient_id=pid,
                        day=first + dt.timedelta(days=n),
                        substance="alcohol",
                        used=used,
                        standard_drinks=Decimal(rng.randint(1, 9)) if used else None,
                        recorded_by=by,
                    )

        _bulk(SubstanceUseDay, use_days())
        if check_ins:
            _check_ins(ids, first, days, by, rng)
    return Grown(ids, first, last)


def _check_ins(ids: list[int], first: dt.date, days: int, by: User, rng: random.Random) -> None:
    cravings = [_scored("craving-vas", [v]) for v in range(0, 101, 10)]
    phq9 = [_scored("phq-9", a) for a in PHQ9_ANSWERS]
    _bulk(
        Assignment,
        (
            Assignment(
                patient_id=pid, instrument_id="phq-9", interval_days=14, starts_on=first, assigned_by=by
            )
            for pid in ids
        ),
    )

    def responses() -> Iterator[QuestionnaireResponse]:
        for pid in ids:
            for n in range(days):
                day = first + dt.timedelta(days=n)
                yield QuestionnaireResponse(
                    patient_id=pid,
                    instrument_id="craving-vas",
                    answered_at=_noon(day),
                    recorded_by=by,
                    **rng.choice(cravings),
                )
                if n % 14 == 0:
                    yield QuestionnaireResponse(
                        patient_id=pid,
                        instrument_id="phq-9",
                        answered_at=_noon(day) + dt.timedelta(hours=1),
                        recorded_by=by,
                        **rng.choice(phq9),
                    )

    _bulk(QuestionnaireResponse, responses())
    craving_ids = {
        (pid, timezone.localdate(at)): rid
        for rid, pid, at in QuestionnaireResponse.objects.filter(
            patient_id__in=ids, instrument_id="craving-vas"
        ).values_list("pk", "patient_id", "answered_at")
    }
    _bulk(
        DailyReport,
        (
            DailyReport(
                patient_id=pid,
                day=first + dt.timedelta(days=n),
                mood_0_10=rng.randint(0, 10),
                craving_id=craving_ids.get((pid, first + dt.timedelta(days=n))),
                recorded_by=by,
            )
            for pid in ids
            for n in range(days)
        ),
    )
    _bulk(
        LabResult,
        (
            LabResult(
                patient_id=pid,
                kind="urine-etg",
                substance="alcohol",
                positive=rng.random() < 0.3,
                collected_at=_noon(first + dt.timedelta(days=n)),
                recorded_by=by,
            )
            for pid in ids
            for n in range(0, days, 30)
        ),
    )
    _bulk(
        Medication,
        (
            Medication(
                patient_id=pid,
                name="Naltrexone",
                drug_class=Medication.DrugClass.NALTREXONE,
                started_on=first,
                recorded_by=by,
            )
            for pid in ids
        ),
    )
    start = _noon(first) + dt.timedelta(hours=-3)
    _bulk(
        DosingSession,
        (
            DosingSession(
                patient_id=pid,
                route="iv-infusion",
                dose_mg=Decimal("35"),
                duration_min=Decimal("40"),
                status=DosingSession.Status.ENDED,
                created_by=by,
                consent_confirmed=True,
                fasting_confirmed=True,
                escort_confirmed=True,
                identity_identifiers=["full_name", "date_of_birth"],
                started_at=start,
                started_by=by,
                ended_at=start + dt.timedelta(hours=2),
                ended_by=by,
            )
            for pid in ids
        ),
    )
    sessions = DosingSession.objects.filter(patient_id__in=ids).values_list("pk", flat=True)
    _bulk(
        VitalSign,
        (
            VitalSign(
                session_id=sid,
                measured_at=start + dt.timedelta(minutes=15 * k),
                systolic_mmhg=120 + k,
                diastolic_mmhg=80,
                heart_rate_per_min=70 + k,
                spo2_percent=98,
                respiratory_rate_per_min=14,
                recorded_by=by,
            )
            for sid in sessions
            for k in range(8)
        ),
    )
