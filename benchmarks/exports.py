"""Export benchmarks: the research page and CSV for a whole clinic, and one patient's FHIR Bundle.

    python -m benchmarks.exports [--patients 2000] [--days 90] [--repeat 5] [--no-write]

A throw-away SQLite database (never the clinic's) gets a clinic of synthetic patients, each with
`--days` days of alcohol in the substance-use calendar (bulk inserts), a substance use disorder and
six PHQ-9 totals.  Goals: the research page and the CSV of a 2,000-patient clinic with 90 days each
under 3 s, one patient's FHIR $everything under 100 ms; query counts that do not grow with patients.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable, Sequence
from decimal import Decimal

HEADING = "## Exports (`python -m benchmarks.exports`)"
INTRO = (
    "Median wall time through Django's test client (no network) with its SQL query count, on a clinic of "
    "synthetic patients with a 90-day substance-use calendar each. Goals: research page and CSV of "
    "2,000 patients under 3 s; one patient's FHIR $everything under 100 ms."
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.exports")
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(list(argv) if argv is not None else None)

    from benchmarks._django import setup_throwaway_django

    setup_throwaway_django()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from ketacare.accounts import services as accounts
    from ketacare.accounts.models import Clinic
    from ketacare.accounts.roles import Role
    from ketacare.outcomes.models import QuestionnaireResponse, SubstanceUseDay
    from ketacare.patients.models import BodyMeasurement, Patient, SubstanceUseDisorder

    clinic = Clinic.objects.create(name="Bench Clinic", slug="bench")
    nurse = accounts.create_user(username="nurse", password="bench-password-1")
    accounts.add_membership(user=nurse, clinic=clinic, role=Role.NURSE)
    researcher = accounts.create_user(username="researcher", password="bench-password-1")
    accounts.add_membership(user=researcher, clinic=clinic, role=Role.RESEARCHER)

    started = time.perf_counter()
    now = timezone.now()
    first_day = timezone.localdate() - dt.timedelta(days=args.days + 1)
    Patient.objects.bulk_create(
        [
            Patient(
                clinic=clinic,
                medical_record_number=f"E-{n:06d}",
                given_name=f"Given{n}",
                family_name=f"Family{n}",
                date_of_birth=dt.date(1950 + n % 50, 1 + n % 12, 1 + n % 28),
                sex_at_birth="female" if n % 2 else "male",
            )
            for n in range(args.patients)
        ],
        batch_size=2000,
    )
    ids = list(Patient.objects.values_list("id", flat=True))
    BodyMeasurement.objects.bulk_create(
        [
            BodyMeasurement(patient_id=pid, weight_kg=Decimal(70), measured_at=now, recorded_by=nurse)
            for pid in ids
        ]
    )
    SubstanceUseDisorder.objects.bulk_create(
        [
            SubstanceUseDisorder(
                patient_id=pid, substance="alcohol", criteria_met=6, is_primary=True, recorded_by=nurse
            )
            for pid in ids
        ]
    )
    SubstanceUseDay.objects.bulk_create(
        [
            SubstanceUseDay(
                patient_id=pid,
                day=first_day + dt.timedelta(days=d),
                substance="alcohol",
                used=(pid + d) % 7 == 0,
                standard_drinks=Decimal(5) if (pid + d) % 7 == 0 else None,
                recorded_by=nurse,
            )
            for pid in ids
            for d in range(args.days)
        ],
        batch_size=5000,
    )
    QuestionnaireResponse.objects.bulk_create(
        [
            QuestionnaireResponse(
                patient_id=pid,
                instrument_id="phq-9",
                status="final",
                answers=[1, 1, 1, 1, 0, 0, 0, 0, 0],
                answered_at=now - dt.timedelta(days=15 * k),
                score_total=4,
                band_label="Minimal",
                recorded_by=nurse,
            )
            for pid in ids
            for k in range(6)
        ],
        batch_size=5000,
    )
    fill_s = time.perf_counter() - started

    research = Client()
    research.force_login(researcher)
    staff = Client()
    staff.force_login(nurse)
    target = ids[len(ids) // 2]
    cases: list[tuple[str, Callable[[], object], float]] = [
        ("Research page (cohort endpoints, Kaplan-Meier)", lambda: research.get("/research/"), 3000.0),
        ("Research CSV, whole clinic", lambda: research.get("/research/export.csv"), 3000.0),
        (
            "FHIR $everything, one patient",
            lambda: staff.get(f"/api/v1/fhir/Patient/{target}/$everything"),
            100.0,
        ),
    ]
    from benchmarks._report import machine, measure_requests, write_section

    table, ok = measure_requests(cases, args.repeat)

    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    run = "\n".join(
        [
            f"### Run {stamp}",
            "",
            f"{machine()}; {connection.vendor}, {args.patients:,} patients x {args.days} calendar days "
            f"({args.patients * args.days:,} rows, filled in {fill_s:.1f} s), median of {args.repeat}.",
            "",
            *table,
        ]
    )
    if not args.no_write:
        write_section(HEADING, INTRO, run)
        print("written to docs/performance.md", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
