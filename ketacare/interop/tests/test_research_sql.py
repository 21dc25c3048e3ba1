"""The research endpoints computed by the database give the answers of ketacare.analytics.tlfb, the
reference, for every relapse definition, on random calendars with several substances, gaps, sessions
and days of use before treatment."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from ketacare.analytics import tlfb
from ketacare.dosing.models import DosingSession
from ketacare.interop import research
from ketacare.outcomes.models import ClinicOutcomeSettings, SubstanceUseDay
from ketacare.patients.models import Patient


def _random_clinic(clinic: Any, by: Any, patients: int = 25) -> None:
    rng = random.Random(7)  # noqa: S311  (test data)
    last = timezone.localdate() - dt.timedelta(days=1)
    for n in range(patients):
        patient = Patient.objects.create(
            clinic=clinic,
            medical_record_number=f"R-{n}",
            given_name="G",
            family_name=f"F{n}",
            date_of_birth=dt.date(1970 + n, 3, 1),
            sex_at_birth=("female", "male", "intersex")[n % 3],
        )
        length = rng.choice((0, 1, 5, 30, 60))
        rows = []
        for k in range(length):
            day = last - dt.timedelta(days=length - k)
            if rng.random() < 0.15:
                continue  # an unreported day
            for substance in ("alcohol", "cocaine"):
                if substance == "cocaine" and rng.random() < 0.5:
                    continue
                used = rng.random() < 0.35
                drinks = Decimal(rng.randint(1, 8)) if used and substance == "alcohol" else None
                rows.append(
                    SubstanceUseDay(
                        patient=patient,
                        day=day,
                        substance=substance,
                        used=used,
                        standard_drinks=drinks,
                        recorded_by=by,
                    )
                )
        SubstanceUseDay.objects.bulk_create(rows)
        if length and rng.random() < 0.4:
            started = timezone.make_aware(
                dt.datetime.combine(last - dt.timedelta(days=length // 2), dt.time(9))
            )
            DosingSession.objects.create(
                patient=patient,
                route="iv-infusion",
                dose_mg=Decimal("30"),
                created_by=by,
                consent_confirmed=True,
                fasting_confirmed=True,
                escort_confirmed=True,
                identity_identifiers=["full_name", "date_of_birth"],
                started_at=started,
                started_by=by,
                status=DosingSession.Status.IN_PROGRESS,
            )


def _reference(clinic: Any, definition: tlfb.RelapseDefinition, run: int | None) -> list[tuple[Any, ...]]:
    """The endpoints the way ketacare.analytics.tlfb computes them, patient by patient."""
    found = []
    for patient in Patient.objects.filter(clinic=clinic).order_by("pk"):
        days = [
            tlfb.UseDay(d.day, d.substance, d.used, d.standard_drinks)
            for d in SubstanceUseDay.objects.filter(patient=patient, entered_in_error=False).order_by("day")
        ]
        sex = patient.sex_at_birth if patient.sex_at_birth in ("female", "male") else None
        summary = tlfb.summarise(days, sex)
        first = patient.dosing_sessions.filter(started_at__isnull=False).order_by("started_at").first()
        start = timezone.localdate(first.started_at) if first and first.started_at else None
        start = start or tlfb.abstinence_start(days)
        relapsed, observed, to_event = False, 0, None
        if start is not None:
            try:
                relapse: tlfb.Relapse | None = tlfb.find_relapse(
                    days,
                    definition,
                    start=start,
                    sex=sex,
                    substance="alcohol" if definition == tlfb.RelapseDefinition.FIRST_HEAVY_DAY else None,
                    regular_use_days=run,
                )
            except ValueError:
                relapse = None
            if relapse is not None:
                relapsed = relapse.relapse_on is not None
                observed = relapse.days_observed
                to_event = relapse.days_to_relapse if relapse.days_to_relapse is not None else observed
        found.append(
            (
                summary.days_assessed,
                summary.percent_days_abstinent,
                summary.heavy_drinking_days,
                relapsed,
                observed,
                to_event,
            )
        )
    return found


@pytest.mark.parametrize(
    ("definition", "run"),
    [
        (tlfb.RelapseDefinition.ANY_USE, None),
        (tlfb.RelapseDefinition.FIRST_HEAVY_DAY, None),
        (tlfb.RelapseDefinition.REGULAR_USE, 3),
    ],
)
def test_database_endpoints_equal_the_tlfb_reference_for_every_relapse_definition(
    clinic, prescriber, definition, run
) -> None:
    _random_clinic(clinic, prescriber)
    if definition != tlfb.RelapseDefinition.ANY_USE:
        ClinicOutcomeSettings.objects.create(
            clinic=clinic, relapse_definition=definition.value, regular_use_days=run, updated_by=prescriber
        )
    rows = [
        (
            e.days_assessed,
            e.percent_days_abstinent,
            e.heavy_drinking_days,
            e.relapsed,
            e.days_observed,
            e.days_to_relapse_or_censoring,
        )
        for e in (r.endpoints for r in research.iter_cohort_rows(clinic, chunk_size=7))
    ]
    assert rows == _reference(clinic, definition, run)
    assert any(r[3] for r in rows) and any(not r[3] and r[5] is not None for r in rows)
