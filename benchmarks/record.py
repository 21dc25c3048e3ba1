"""Clinical-record benchmarks: pages and API with 10,000 patients, on a throw-away SQLite database.


    python -m benchmarks.record [--patients 10000] [--repeat 20] [--no-write]

Builds a throw-away database in a temporary folder (never the clinic's), fills it with synthetic
patients (bulk inserts: the services' per-row audit is not what is measured here), then times what a
nurse does all day through Django's test client: the patient list, a search, a record, the API list
and recording a weight, with the number of SQL queries each takes. Goal: every one under 100 ms
median with 10,000 patients on the 2-core development machine, and a query count that does not grow
with the number of patients.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable, Sequence
from decimal import Decimal

HEADING = "## Clinical record (`python -m benchmarks.record`)"
INTRO = (
    "Median wall time of each request through Django's test client (no network), with the number of SQL "
    "queries it makes, on a database of synthetic patients with three weights each. Goal: under 100 ms "
    "each with 10,000 patients, and query counts independent of the number of patients."
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.record")
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(list(argv) if argv is not None else None)

    # Always a throw-away SQLite database: a benchmark must never write into a clinic's database.
    from benchmarks._django import setup_throwaway_django

    setup_throwaway_django()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from ketacare.accounts import services as accounts
    from ketacare.accounts.models import Clinic
    from ketacare.accounts.roles import Role
    from ketacare.patients.models import BodyMeasurement, Patient

    clinic = Clinic.objects.create(name="Bench Clinic", slug="bench")
    nurse = accounts.create_user(username="nurse", password="bench-password-1")
    accounts.add_membership(user=nurse, clinic=clinic, role=Role.NURSE)

    started = time.perf_counter()
    now = timezone.now()
    rows = [
        Patient(
            clinic=clinic,
            medical_record_number=f"B-{n:06d}",
            given_name=f"Given{n % 997}",
            family_name=f"Family{n % 4999}",
            date_of_birth=dt.date(1950 + n % 50, 1 + n % 12, 1 + n % 28),
            sex_at_birth="female" if n % 2 else "male",
        )
        for n in range(args.patients)
    ]
    Patient.objects.bulk_create(rows, batch_size=2000)
    ids = list(Patient.objects.values_list("id", flat=True))
    BodyMeasurement.objects.bulk_create(
        [
            BodyMeasurement(
                patient_id=pid,
                weight_kg=Decimal(60 + k),
                measured_at=now - dt.timedelta(days=30 * k),
                recorded_by=nurse,
            )
            for pid in ids
            for k in range(3)
        ],
        batch_size=5000,
    )
    fill_s = time.perf_counter() - started
    target = ids[len(ids) // 2]
    _, token = accounts.create_api_token(user=nurse, name="bench")

    client = Client()
    client.force_login(nurse)
    api = Client(headers={"Authorization": f"Bearer {token}"})
    weight = iter(Decimal(50) + Decimal(n) / 10 for n in range(10_000))
    cases: list[tuple[str, Callable[[], object]]] = [
        ("Patient list, first page of 25", lambda: client.get("/patients/")),
        ("Search by family name", lambda: client.get("/patients/", {"q": "Family1234"})),
        (
            "Search, htmx partial",
            lambda: client.get("/patients/", {"q": "B-00500"}, headers={"HX-Request": "true"}),
        ),
        ("Patient record page", lambda: client.get(f"/patients/{target}/")),
        (
            "Plan a dose: 0.5 mg/kg over 40 min, what to expect",
            lambda: client.get(
                f"/dosing/patients/{target}/plan/",
                {
                    "route": "iv-infusion",
                    "dose": "0.5",
                    "unit": "mg/kg",
                    "salt": "base",
                    "duration_min": "40",
                },
            ),
        ),
        ("API list, 50 with latest weight", lambda: api.get("/api/v1/patients", {"limit": 50})),
        ("API read one patient", lambda: api.get(f"/api/v1/patients/{target}")),
        (
            "API record a weight (audited write)",
            lambda: api.post(
                f"/api/v1/patients/{target}/measurements",
                data={"weight_kg": str(next(weight))},
                content_type="application/json",
            ),
        ),
    ]
    from benchmarks._report import machine, measure_requests, write_section

    table, ok = measure_requests([(name, call, 100.0) for name, call in cases], args.repeat)

    vendor = connection.vendor
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    run = "\n".join(
        [
            f"### Run {stamp}",
            "",
            f"{machine()}; {vendor}, {args.patients:,} patients and {3 * args.patients:,} weights "
            f"(filled in {fill_s:.1f} s), median of {args.repeat}.",
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
