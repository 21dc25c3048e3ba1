"""Clinical scale (issue 14): every page and list call against its hand-written SQL floor, the research
endpoints over millions of calendar rows, and 20 nurses entering vitals at once.

    python -m benchmarks.scale [--patients 10000] [--days 7] [--long-days 730]
                               [--research-patients 10000] [--research-days 360]
                               [--databases sqlite,postgres] [--writers 20] [--repeat 5] [--no-write]

Each database runs in its own process (a Django process has one database): a throw-away SQLite file,
and, when PostgreSQL answers at KETACARE_BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432),
a fresh database `kc_scale_bench`. The data is built with bulk inserts (ketacare.scale_data; the
research calendar with one INSERT ... SELECT), never through a clinic's database. Every call is timed
through Django's test client (server time, no network) beside the hand-written SQL that fetches the
same data, run in the same process right after it: the ratio is what to read on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

HEADING = "## Clinical scale (`python -m benchmarks.scale`)"
INTRO = (
    "Issue 14. Server time through Django's test client (median of the repeats) beside the hand-written "
    "SQL that fetches the same data (its median, same process, same run), with the query count. Goals: "
    "every page and list call within 3x its SQL floor and under 100 ms at 10,000 patients; research over "
    "3.6 M calendar rows within 2x the hand SQL in constant memory; vitals p95 under 100 ms with 20 "
    "concurrent writers on PostgreSQL. The machine is shared: read the ratios, and the load average."
)
PG_DATABASE = "kc_scale_bench"


def _median_ms(call: Callable[[], Any], repeat: int) -> float:
    call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


# --- one database, in its own process ------------------------------------------------------------


def _count_queries(call: Callable[[], Any]) -> int:
    """Statements the call sends to the database (an execute wrapper: independent of DEBUG)."""
    from django.db import connection

    count = 0

    def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        call()
    return count


def _setup(database: str) -> None:
    os.environ["KETACARE_DATA_DIR"] = tempfile.mkdtemp(prefix="ketacare-scale-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketacare.settings")
    os.environ["KETACARE_REQUIRE_MFA"] = "0"
    os.environ["KETACARE_ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    if database == "postgres":
        import psycopg

        base = os.environ.get("KETACARE_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
            admin.execute(f"CREATE DATABASE {PG_DATABASE}")
        os.environ["DATABASE_URL"] = f"{base}/{PG_DATABASE}"
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    # One persistent connection, as a server with CONN_MAX_AGE > 0 keeps (docs/performance.md,
    # Serving), and so that the query count of a request can be read after it.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)


def _table(model: Any) -> str:
    return str(model._meta.db_table)


def _floor(statements: Sequence[tuple[str, Sequence[Any]]]) -> Callable[[], None]:
    """Run the hand-written statements and fetch every row, as the page would need them."""
    from django.db import connection

    def run() -> None:
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, list(params))
                cursor.fetchall()

    return run


def run_one(database: str, args: argparse.Namespace) -> dict[str, Any]:
    _setup(database)
    import datetime as dt

    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from ketacare import scale_data
    from ketacare.accounts import services as accounts
    from ketacare.accounts.models import Clinic, User
    from ketacare.accounts.roles import Role
    from ketacare.dosing.models import DosingSession, SideEffect, VitalSign
    from ketacare.outcomes.models import (
        Assignment,
        DailyReport,
        LabResult,
        QuestionnaireResponse,
        SafetyAlert,
        SubstanceUseDay,
    )
    from ketacare.patients.models import (
        BodyMeasurement,
        Medication,
        Patient,
        SubstanceUseDisorder,
    )

    result: dict[str, Any] = {"database": database, "calls": [], "build": {}}
    clinic = Clinic.objects.create(name="Scale Clinic", slug="scale")
    nurse = accounts.create_user(username="nurse", password="bench-password-1")
    accounts.add_membership(user=nurse, clinic=clinic, role=Role.PRESCRIBER)
    researcher = accounts.create_user(username="researcher", password="bench-password-1")
    accounts.add_membership(user=researcher, clinic=clinic, role=Role.RESEARCHER)

    started = time.perf_counter()
    chunk = 1000
    for n in range(0, args.patients, chunk):
        scale_data.grow(
            clinic=clinic, by=nurse, patients=min(chunk, args.patients - n), days=args.days, seed=n
        )
    long = scale_data.grow(clinic=clinic, by=nurse, patients=1, days=args.long_days, prefix="LONG")
    result["build"]["pages"] = {
        "seconds": round(time.perf_counter() - started, 1),
        "patients": Patient.objects.filter(clinic=clinic).count(),
        "calendar_rows": SubstanceUseDay.objects.count(),
        "responses": QuestionnaireResponse.objects.count(),
    }
    print(database, "built", result["build"]["pages"], flush=True)
    pid = long.patient_ids[0]
    sid = DosingSession.objects.filter(patient_id=pid).values_list("pk", flat=True).get()
    today = timezone.localdate()
    since = today - dt.timedelta(days=89)
    since_at = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    recent = today - dt.timedelta(days=30)
    recent_at = timezone.make_aware(dt.datetime.combine(recent, dt.time.min))

    page = Client()
    page.force_login(nurse)
    _, token = accounts.create_api_token(user=nurse, name="bench")
    api = Client(headers={"Authorization": f"Bearer {token}"})

    P, U = _table(Patient), _table(User)
    SUD, R, DR = _table(SubstanceUseDay), _table(QuestionnaireResponse), _table(DailyReport)
    LAB, A, AL = _table(LabResult), _table(Assignment), _table(SafetyAlert)
    S, V, SE = _table(DosingSession), _table(VitalSign), _table(SideEffect)
    M, BM, DX = _table(Medication), _table(BodyMeasurement), _table(SubstanceUseDisorder)
    cid = clinic.pk
    worklist_sql: list[tuple[str, Sequence[Any]]] = [
        (f"SELECT id, family_name, given_name, clinic_id FROM {P} WHERE clinic_id = %s", [cid]),
        (
            f"SELECT r.patient_id, r.instrument_id, MAX(r.answered_at) FROM {R} r JOIN {P} p "
            "ON p.id = r.patient_id WHERE p.clinic_id = %s AND r.status = 'final' AND NOT r.entered_in_error "
            "GROUP BY r.patient_id, r.instrument_id",
            [cid],
        ),
        (
            f"SELECT a.* FROM {A} a JOIN {P} p ON p.id = a.patient_id WHERE p.clinic_id = %s AND a.active",
            [cid],
        ),
        (
            "SELECT patient_id, instrument_id, answered_at, score_total, band_label FROM ("
            "SELECT r.patient_id, r.instrument_id, r.answered_at, r.score_total, r.band_label, ROW_NUMBER() "
            "OVER (PARTITION BY r.patient_id, r.instrument_id ORDER BY r.answered_at DESC, r.id DESC) AS n "
            f"FROM {R} r JOIN {P} p ON p.id = r.patient_id WHERE p.clinic_id = %s AND r.status = 'final' "
            "AND NOT r.entered_in_error AND r.score_total IS NOT NULL) t WHERE n <= 2",
            [cid],
        ),
        (
            f"SELECT l.patient_id, l.collected_at, l.kind, l.substance FROM {LAB} l JOIN {P} p "
            "ON p.id = l.patient_id WHERE p.clinic_id = %s AND l.positive AND NOT l.entered_in_error "
            "AND l.collected_at >= %s",
            [cid, recent_at],
        ),
        (
            f"SELECT d.patient_id, d.day, d.substance, d.used FROM {SUD} d WHERE NOT d.entered_in_error "
            f"AND d.day >= %s AND d.patient_id IN (SELECT l.patient_id FROM {LAB} l JOIN {P} p "
            "ON p.id = l.patient_id WHERE p.clinic_id = %s AND l.positive AND NOT l.entered_in_error "
            "AND l.collected_at >= %s)",
            [recent, cid, recent_at],
        ),
    ]
    one = [(f"SELECT * FROM {P} WHERE id = %s", [pid])]
    cases: list[tuple[str, Callable[[], Any], list[tuple[str, Sequence[Any]]]]] = [
        (
            "Fixed cost: a logged-in request of a list without data (instruments)",
            lambda: api.get("/api/v1/instruments"),
            [],
        ),
        (
            "Patient list page",
            lambda: page.get(reverse("patients:list")),
            [
                (
                    f"SELECT p.*, (SELECT weight_kg FROM {BM} b WHERE b.patient_id = p.id AND NOT "
                    f"b.entered_in_error ORDER BY measured_at DESC LIMIT 1) FROM {P} p WHERE clinic_id = %s "
                    "ORDER BY family_name, given_name LIMIT 25",
                    [cid],
                ),
                (f"SELECT COUNT(*) FROM {P} WHERE clinic_id = %s", [cid]),
            ],
        ),
        (
            "Patient record page",
            lambda: page.get(reverse("patients:detail", args=[pid])),
            [
                *one,
                (
                    f"SELECT b.*, u.username FROM {BM} b JOIN {U} u ON u.id = b.recorded_by_id "
                    "WHERE patient_id = %s ORDER BY measured_at DESC LIMIT 20",
                    [pid],
                ),
                (f"SELECT * FROM {M} WHERE patient_id = %s AND NOT entered_in_error", [pid]),
                (f"SELECT * FROM {DX} WHERE patient_id = %s AND NOT entered_in_error", [pid]),
            ],
        ),
        ("Worklist page (first 50)", lambda: page.get(reverse("outcomes:worklist")), worklist_sql),
        (
            "Outcomes page, 2-year patient (90 days)",
            lambda: page.get(reverse("outcomes:patient", args=[pid])),
            [
                *one,
                (f"SELECT * FROM {AL} WHERE patient_id = %s ORDER BY raised_at DESC LIMIT 20", [pid]),
                (f"SELECT * FROM {A} WHERE patient_id = %s AND active", [pid]),
                (
                    f"SELECT instrument_id, answered_at FROM {R} WHERE patient_id = %s AND status = 'final' "
                    "AND NOT entered_in_error",
                    [pid],
                ),
                (
                    f"SELECT r.*, u.username FROM {R} r JOIN {U} u ON u.id = r.recorded_by_id "
                    "WHERE patient_id = %s ORDER BY answered_at DESC LIMIT 50",
                    [pid],
                ),
                (
                    f"SELECT instrument_id, answered_at, score_total, band_label FROM {R} "
                    "WHERE patient_id = %s AND status = 'final' AND NOT entered_in_error "
                    "AND answered_at >= %s",
                    [pid, since_at],
                ),
                (f"SELECT * FROM {S} WHERE patient_id = %s AND started_at IS NOT NULL", [pid]),
                (f"SELECT * FROM {M} WHERE patient_id = %s AND NOT entered_in_error", [pid]),
                (
                    f"SELECT d.*, u.username FROM {DR} d JOIN {U} u ON u.id = d.recorded_by_id "
                    "WHERE patient_id = %s AND day >= %s",
                    [pid, since],
                ),
                (
                    f"SELECT * FROM {SUD} WHERE patient_id = %s AND day >= %s AND NOT entered_in_error",
                    [pid, since],
                ),
                (f"SELECT * FROM {LAB} WHERE patient_id = %s AND NOT entered_in_error", [pid]),
            ],
        ),
        (
            "Outcomes page, 2-year patient (whole history)",
            lambda: page.get(reverse("outcomes:patient", args=[pid]), {"window": "all"}),
            [],
        ),
        (
            "Session page",
            lambda: page.get(reverse("dosing:session", args=[sid])),
            [
                (f"SELECT s.*, p.* FROM {S} s JOIN {P} p ON p.id = s.patient_id WHERE s.id = %s", [sid]),
                (
                    f"SELECT v.*, u.username FROM {V} v JOIN {U} u ON u.id = v.recorded_by_id "
                    "WHERE session_id = %s ORDER BY measured_at",
                    [sid],
                ),
                (f"SELECT * FROM {SE} WHERE session_id = %s", [sid]),
            ],
        ),
        (
            "API patients (first 100)",
            lambda: api.get("/api/v1/patients"),
            [(f"SELECT * FROM {P} WHERE clinic_id = %s ORDER BY family_name, given_name LIMIT 100", [cid])],
        ),
        (
            f"API substance use, {args.long_days} days",
            lambda: api.get(f"/api/v1/patients/{pid}/substance-use"),
            [
                *one,
                (
                    f"SELECT d.*, u.username FROM {SUD} d JOIN {U} u ON u.id = d.recorded_by_id "
                    "WHERE patient_id = %s AND NOT entered_in_error ORDER BY day, substance",
                    [pid],
                ),
                (f"SELECT * FROM {LAB} WHERE patient_id = %s AND NOT entered_in_error", [pid]),
            ],
        ),
        (
            f"API responses, {args.long_days} days",
            lambda: api.get(f"/api/v1/patients/{pid}/responses"),
            [
                *one,
                (
                    f"SELECT r.*, u.username, n.id FROM {R} r JOIN {U} u ON u.id = r.recorded_by_id "
                    f"LEFT JOIN {R} n ON n.replaces_id = r.id WHERE r.patient_id = %s "
                    "ORDER BY r.answered_at DESC, r.id DESC",
                    [pid],
                ),
            ],
        ),
        (
            "API vitals",
            lambda: api.get(f"/api/v1/sessions/{sid}/vitals"),
            [
                (
                    f"SELECT v.*, u.username FROM {V} v JOIN {U} u ON u.id = v.recorded_by_id "
                    "WHERE session_id = %s ORDER BY measured_at",
                    [sid],
                )
            ],
        ),
    ]
    floors: dict[str, float] = {}
    for name, call, sql in cases:
        response = call()
        assert response.status_code == 200, (name, response.status_code)
        queries = _count_queries(call)
        ms = _median_ms(call, args.repeat)
        floor_ms = _median_ms(_floor(sql), args.repeat) if sql else None
        if floor_ms is not None:
            floors[name] = floor_ms
        row = {"name": name, "ms": ms, "queries": queries, "floor_ms": floor_ms}
        result["calls"].append(row)
        print(database, row, flush=True)

    if args.research_patients:
        result["research"] = _research(database, args, clinic_of_research=_research_clinic(args, nurse))
    if args.writers:
        result["vitals"] = _vitals(database, args, nurse, clinic)
    return result


def _research_clinic(args: argparse.Namespace, nurse: Any) -> Any:
    """A second clinic: `research-patients` x `research-days` calendar rows, in one INSERT ... SELECT."""
    import datetime as dt
    from decimal import Decimal

    from django.db import connection, transaction
    from django.utils import timezone

    from ketacare.accounts import services as accounts
    from ketacare.accounts.models import Clinic
    from ketacare.accounts.roles import Role
    from ketacare.dosing.models import DosingSession
    from ketacare.outcomes.models import SubstanceUseDay
    from ketacare.patients.models import Patient, SubstanceUseDisorder

    clinic = Clinic.objects.create(name="Research Clinic", slug="research")
    accounts.add_membership(user=nurse, clinic=clinic, role=Role.PRESCRIBER)
    started = time.perf_counter()
    Patient.objects.bulk_create(
        (
            Patient(
                clinic=clinic,
                medical_record_number=f"RS-{n:06d}",
                given_name=f"G{n}",
                family_name=f"F{n}",
                date_of_birth=dt.date(1960 + n % 40, 1 + n % 12, 1 + n % 28),
                sex_at_birth="female" if n % 2 else "male",
            )
            for n in range(args.research_patients)
        ),
        batch_size=5000,
    )
    SubstanceUseDisorder.objects.bulk_create(
        (
            SubstanceUseDisorder(
                patient_id=p, substance="alcohol", criteria_met=6, is_primary=True, recorded_by=nurse
            )
            for p in Patient.objects.filter(clinic=clinic).values_list("pk", flat=True)
        ),
        batch_size=5000,
    )
    first = timezone.localdate() - dt.timedelta(days=args.research_days + 1)
    # A first ketamine session 30 days into each calendar: the trials' endpoints count from it.
    first_session = dt.datetime.combine(first + dt.timedelta(days=30), dt.time(10), tzinfo=dt.UTC)
    DosingSession.objects.bulk_create(
        (
            DosingSession(
                patient_id=p,
                route="iv-infusion",
                dose_mg=Decimal("35"),
                status=DosingSession.Status.ENDED,
                created_by=nurse,
                consent_confirmed=True,
                fasting_confirmed=True,
                escort_confirmed=True,
                started_at=first_session,
                started_by=nurse,
                ended_at=first_session + dt.timedelta(hours=2),
                ended_by=nurse,
            )
            for p in Patient.objects.filter(clinic=clinic).values_list("pk", flat=True)
        ),
        batch_size=5000,
    )
    table, patients = SubstanceUseDay._meta.db_table, Patient._meta.db_table
    # Use on about three days in ten, drinks 1-9, from a hash of (patient, day): deterministic.
    used = "((p.id * 7 + k * 13 + (p.id * k) %% 11) %% 10) < 3"
    if connection.vendor == "postgresql":
        series = "generate_series(0, %s - 1) AS k"
        day = "(%s::date + k)"
        source = f"FROM {patients} p CROSS JOIN {series}"
        params: list[Any] = [first, args.research_days]
    else:
        series = "WITH RECURSIVE s(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM s WHERE k < %s - 1) "
        day = "date(%s, '+' || k || ' days')"
        source = f"FROM {patients} p CROSS JOIN s"
        params = [first]
    sql = (
        f"INSERT INTO {table} (patient_id, day, substance, used, standard_drinks, recorded_at, "
        f"recorded_by_id, entered_in_error, error_reason) "
        f"SELECT p.id, {day}, 'alcohol', {used}, CASE WHEN {used} THEN 1 + (p.id + k) %% 9 END, %s, %s, "
        f"FALSE, '' {source} WHERE p.clinic_id = %s"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(sql, [params[0], timezone.now(), nurse.pk, params[1], clinic.pk])
            cursor.execute(f"ANALYZE {table}")
        else:
            cursor.execute(
                series + sql, [args.research_days, first.isoformat(), timezone.now(), nurse.pk, clinic.pk]
            )
            cursor.execute("ANALYZE")
    print("research built in", round(time.perf_counter() - started, 1), "s", flush=True)
    return clinic


# The hand-written research SQL: the same endpoints (default 'any use' rule) in one statement.
RESEARCH_SQL = """
WITH days AS (
  SELECT d.patient_id, d.day, MAX(CASE WHEN d.used THEN 1 ELSE 0 END) AS used,
         SUM(CASE WHEN d.substance = 'alcohol' AND d.used THEN d.standard_drinks ELSE 0 END) AS drinks,
         MAX(CASE WHEN d.substance = 'alcohol' AND d.used THEN 1 ELSE 0 END) AS drank
  FROM {sud} d JOIN {p} p ON p.id = d.patient_id
  WHERE p.clinic_id = %s AND NOT d.entered_in_error GROUP BY d.patient_id, d.day
), per AS (
  SELECT days.patient_id, COUNT(*) AS assessed, SUM(1 - used) AS abstinent,
         SUM(CASE WHEN drank = 1 AND drinks > CASE WHEN p.sex_at_birth = 'male' THEN 4 ELSE 3 END
             THEN 1 ELSE 0 END) AS heavy,
         MIN(day) AS first_day, MAX(day) AS last_day,
         MIN(CASE WHEN used = 0 THEN day END) AS abstinent_from
  FROM days JOIN {p} p ON p.id = days.patient_id GROUP BY days.patient_id
), started AS (
  SELECT patient_id, MIN(started_at) AS first_session, COUNT(*) AS sessions FROM {s}
  WHERE started_at IS NOT NULL GROUP BY patient_id
), clock AS (
  SELECT per.*, started.sessions, COALESCE({session_day}, per.abstinent_from) AS start
  FROM per LEFT JOIN started ON started.patient_id = per.patient_id
), relapse AS (
  SELECT days.patient_id, MIN(days.day) AS relapse_on FROM days
  JOIN clock ON clock.patient_id = days.patient_id
  WHERE days.used = 1 AND days.day >= clock.start GROUP BY days.patient_id
)
SELECT p.id, p.date_of_birth, p.sex_at_birth, clock.assessed, clock.abstinent, clock.heavy,
       clock.first_day, clock.last_day, clock.start, clock.sessions, relapse.relapse_on,
       (SELECT x.substance FROM {dx} x WHERE x.patient_id = p.id AND NOT x.entered_in_error
        ORDER BY x.is_primary DESC, x.id LIMIT 1) AS primary_substance
FROM {p} p LEFT JOIN clock ON clock.patient_id = p.id LEFT JOIN relapse ON relapse.patient_id = p.id
WHERE p.clinic_id = %s ORDER BY p.id
"""


def _research(database: str, args: argparse.Namespace, clinic_of_research: Any) -> dict[str, Any]:
    import tracemalloc

    from django.db import connection
    from django.test import Client

    from ketacare.accounts.models import User
    from ketacare.dosing.models import DosingSession
    from ketacare.outcomes.models import SubstanceUseDay
    from ketacare.patients.models import Patient, SubstanceUseDisorder

    researcher = User.objects.get(username="researcher")
    from ketacare.accounts import services as accounts
    from ketacare.accounts.roles import Role

    accounts.add_membership(user=researcher, clinic=clinic_of_research, role=Role.RESEARCHER)
    client = Client()
    client.force_login(researcher)
    slug = clinic_of_research.slug
    session_day = (
        "CAST(started.first_session AT TIME ZONE 'UTC' AS date)"
        if connection.vendor == "postgresql"
        else "date(started.first_session)"
    )
    sql = RESEARCH_SQL.format(
        sud=SubstanceUseDay._meta.db_table,
        p=Patient._meta.db_table,
        s=DosingSession._meta.db_table,
        dx=SubstanceUseDisorder._meta.db_table,
        session_day=session_day,
    )
    floor = _floor([(sql, [clinic_of_research.pk, clinic_of_research.pk])])

    def page() -> Any:
        return client.get("/research/", {"clinic": slug})

    def csv() -> int:
        response = client.get("/research/export.csv", {"clinic": slug})
        chunks: Any = response.streaming_content  # type: ignore[attr-defined]
        size = sum(len(bytes(chunk)) for chunk in chunks)
        return size

    repeat = 1 if args.research_patients * args.research_days > 1_000_000 else max(1, min(args.repeat, 3))
    rows = SubstanceUseDay.objects.filter(patient__clinic=clinic_of_research).count()
    found: dict[str, Any] = {"rows": rows, "patients": args.research_patients}
    found["floor_ms"] = _median_ms(floor, repeat)
    found["page_ms"] = _median_ms(page, repeat)
    found["csv_ms"] = _median_ms(csv, repeat)

    def trials_page() -> Any:
        response = client.get("/research/trials/", {"clinic": slug})
        assert response.status_code == 200, response.status_code
        return response

    found["trials_ms"] = _median_ms(trials_page, repeat)
    found["trials_queries"] = _count_queries(trials_page)
    for name, call in (("page", page), ("csv", csv), ("trials", trials_page)):
        tracemalloc.start()
        call()
        found[f"{name}_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    print(database, "research", found, flush=True)
    return found


def _writer(
    port: int, token: str, session_id: int, posts: int, latencies: list[float], errors: list[str]
) -> None:
    """One nurse posting vitals on one session, one connection kept alive; times in ms."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    vital = {"systolic_mmhg": 128, "diastolic_mmhg": 82, "heart_rate_per_min": 76, "spo2_percent": 97}
    body = json.dumps(vital)
    for _ in range(posts):
        started = time.perf_counter()
        conn.request("POST", f"/api/v1/sessions/{session_id}/vitals", body, headers)
        response = conn.getresponse()
        response.read()
        latencies.append((time.perf_counter() - started) * 1000)  # list.append is atomic
        if response.status != 201:
            errors.append(str(response.status))
    conn.close()


def _vitals(database: str, args: argparse.Namespace, nurse: Any, clinic: Any) -> dict[str, Any]:
    """`writers` threads, each a nurse's client with its own session, post vitals to a waitress
    server in another process (threads and CONN_MAX_AGE varied); latency percentiles per set-up."""
    import datetime as dt
    import socket
    import threading
    from decimal import Decimal

    from django.conf import settings
    from django.utils import timezone

    from ketacare.accounts import services as accounts
    from ketacare.dosing.models import DosingSession
    from ketacare.patients.models import Patient

    now = timezone.now()
    patients = list(Patient.objects.filter(clinic=clinic).values_list("pk", flat=True)[: args.writers])
    sessions = []
    for pid in patients:
        sessions.append(
            DosingSession.objects.create(
                patient_id=pid,
                route="iv-infusion",
                dose_mg=Decimal("35"),
                created_by=nurse,
                consent_confirmed=True,
                fasting_confirmed=True,
                escort_confirmed=True,
                started_at=now - dt.timedelta(minutes=5),
                started_by=nurse,
                status=DosingSession.Status.IN_PROGRESS,
            ).pk
        )
    tokens = [accounts.create_api_token(user=nurse, name=f"writer {n}")[1] for n in range(args.writers)]
    env = dict(os.environ)
    env["KETACARE_ALLOWED_HOSTS"] = "127.0.0.1"
    if "DATABASE_URL" not in env:
        env["DATABASE_URL"] = f"sqlite:///{settings.DATABASES['default']['NAME']}"
    per_writer = 25
    found: dict[str, Any] = {}
    for threads, conn_max_age in ((8, 0), (8, 60), (4, 60), (20, 60)):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env["KETACARE_DB_CONN_MAX_AGE"] = str(conn_max_age)
        server = subprocess.Popen(
            [sys.executable, "-m", "ketacare.cli", "serve", "--port", str(port), "--threads", str(threads)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(300):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.2)
            latencies: list[float] = []
            errors: list[str] = []
            workers = [
                threading.Thread(
                    target=_writer,
                    args=(port, tokens[n], sessions[n], per_writer, latencies, errors),
                )
                for n in range(len(sessions))
            ]
            started = time.perf_counter()
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            wall = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
        latencies.sort()
        key = f"threads={threads}, CONN_MAX_AGE={conn_max_age}"
        found[key] = {
            "requests": len(latencies),
            "errors": len(errors),
            "median_ms": statistics.median(latencies) if latencies else None,
            "p95_ms": latencies[int(0.95 * (len(latencies) - 1))] if latencies else None,
            "per_s": len(latencies) / wall if wall else None,
        }
        print(database, "vitals", key, found[key], flush=True)
    return found


# --- the parent: each database in a child, then the report ------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale")
    parser.add_argument("--patients", type=int, default=10000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--long-days", type=int, default=730)
    parser.add_argument("--research-patients", type=int, default=10000)
    parser.add_argument("--research-days", type=int, default=360)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.one:
        found = run_one(args.one, args)
        with open(args.out, "w") as out:
            json.dump(found, out, default=str)
        return 0
    results = []
    for database in args.databases.split(","):
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
            path = out.name
        forwarded = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--no-write"]
        code = subprocess.call(
            [sys.executable, "-m", "benchmarks.scale", *forwarded, "--one", database, "--out", path]
        )
        if code != 0:
            print(f"{database}: the benchmark failed (exit {code})", file=sys.stderr)
            continue
        with open(path) as stored:
            results.append(json.load(stored))
    if not args.no_write and results:
        from benchmarks._report import write_section

        write_section(HEADING, INTRO, report(results, args))
    print(report(results, args))
    return 0


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} ms"


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    from benchmarks._report import machine

    lines = [
        f"### Run {time.strftime('%Y-%m-%d %H:%M')} UTC",
        "",
        f"{machine()}. {args.patients:,} patients with {args.days} days of check-ins each and one with "
        f"{args.long_days} days; research clinic {args.research_patients:,} patients x {args.research_days} "
        "days.",
        "",
    ]
    for found in results:
        db = found["database"]
        build = found.get("build", {}).get("pages", {})
        lines += [
            f"**{db}** (built in {build.get('seconds')} s: {build.get('patients')} patients, "
            f"{build.get('calendar_rows')} calendar rows, {build.get('responses')} responses)",
            "",
            "| Call | Server | SQL floor | Ratio | Queries | < 100 ms | <= 3x floor |",
            "|---|---|---|---|---|---|---|",
        ]
        for call in found["calls"]:
            floor = call["floor_ms"]
            ratio = call["ms"] / floor if floor else None
            lines.append(
                f"| {call['name']} | {_ms(call['ms'])} | {_ms(floor)} | "
                f"{'—' if ratio is None else f'{ratio:.1f}x'} | {call['queries']} | "
                f"{'yes' if call['ms'] < 100 else 'NO'} | "
                f"{'—' if ratio is None else ('yes' if ratio <= 3 else 'NO')} |"
            )
        research = found.get("research")
        if research:
            lines += [
                "",
                f"Research, {research['rows']:,} calendar rows of {research['patients']:,} patients: "
                f"hand SQL {_ms(research['floor_ms'])}; page {_ms(research['page_ms'])} "
                f"({research['page_ms'] / research['floor_ms']:.1f}x, Python peak "
                f"{research['page_peak_mb']:.0f} MB); CSV {_ms(research['csv_ms'])} "
                f"({research['csv_ms'] / research['floor_ms']:.1f}x, "
                f"Python peak {research['csv_peak_mb']:.0f} MB).",
            ]
            if "trials_ms" in research:
                lines[-1] += (
                    f" The trials' endpoints page (three trials' definitions over the same calendar, a "
                    f"first session per patient) {_ms(research['trials_ms'])} "
                    f"({research['trials_ms'] / research['floor_ms']:.1f}x the research SQL, "
                    f"{research['trials_queries']} queries, Python peak {research['trials_peak_mb']:.0f} MB)."
                )
        vitals = found.get("vitals")
        if vitals:
            lines += [
                "",
                f"Vitals, {args.writers} concurrent writers (waitress in its own process, 25 posts each):",
                "",
                "| Set-up | Requests | Errors | Median | p95 | Requests/s |",
                "|---|---|---|---|---|---|",
            ]
            for key, v in vitals.items():
                lines.append(
                    f"| {key} | {v['requests']} | {v['errors']} | {_ms(v['median_ms'])} | "
                    f"{_ms(v['p95_ms'])} | {(v['per_s'] or 0):.0f} |"
                )
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
