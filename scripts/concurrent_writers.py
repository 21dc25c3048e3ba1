"""Concurrent writers against a real database: `python scripts/concurrent_writers.py [WRITERS]`.

Uses the configured database (KETACARE_DATA_DIR's SQLite file, or DATABASE_URL), which must be
migrated. Builds one clinic, one nurse and one patient, then starts WRITERS threads (default 20), each
with its own connection, all writing at once to that patient through the real services (a body
measurement, a substance-use day, a new patient). Exits non-zero if any write failed ("database is
locked", deadlock), if any write is missing or doubled, or if the audit chain does not verify.
ketacare/tests/test_concurrency.py runs it on a SQLite file; the same suite runs on PostgreSQL there.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
from decimal import Decimal


def main(writers: int) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketacare.settings")
    import django

    django.setup()
    from django.db import connections
    from django.utils import timezone

    from ketacare.accounts import services as accounts
    from ketacare.accounts.models import Clinic
    from ketacare.accounts.roles import Role
    from ketacare.audit.selectors import verify_chain
    from ketacare.outcomes import services as outcomes
    from ketacare.outcomes.models import SubstanceUseDay
    from ketacare.patients import services as patients
    from ketacare.patients.models import BodyMeasurement, Patient

    clinic = Clinic.objects.create(name=f"Concurrency {os.getpid()}", slug=f"conc-{os.getpid()}")
    nurse = accounts.create_user(username=f"conc-nurse-{os.getpid()}", password="correct horse battery")
    accounts.add_membership(user=nurse, clinic=clinic, role=Role.NURSE)
    patient = patients.register_patient(
        by=nurse,
        clinic=clinic,
        medical_record_number="CONC-0",
        given_name="Con",
        family_name="Current",
        date_of_birth=dt.date(1980, 1, 1),
        sex_at_birth="unknown",
    )
    failures: list[str] = []
    barrier = threading.Barrier(writers)
    lock = threading.Lock()

    def work(i: int) -> None:
        try:
            barrier.wait()
            patients.record_body_measurement(by=nurse, patient=patient, weight_kg=Decimal("70.0"))
            outcomes.record_substance_use(
                by=nurse,
                patient=patient,
                day=timezone.localdate() - dt.timedelta(days=i + 1),
                substance="cannabis",
                used=False,
            )
            patients.register_patient(
                by=nurse,
                clinic=clinic,
                medical_record_number=f"CONC-{i + 1}",
                given_name="Con",
                family_name=f"Current {i}",
                date_of_birth=dt.date(1980, 1, 1),
                sex_at_birth="unknown",
            )
        except Exception as exc:
            with lock:
                failures.append(f"writer {i}: {exc!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    measured = BodyMeasurement.objects.filter(patient=patient).count()
    registered = Patient.objects.filter(clinic=clinic).count()
    days = SubstanceUseDay.objects.filter(patient=patient).count()
    problems = list(failures)
    if measured != writers:
        problems.append(f"{measured} measurements for {writers} writes")
    if registered != writers + 1:
        problems.append(f"{registered} patients for {writers + 1} registrations")
    if days != writers:
        problems.append(f"{days} substance-use days for {writers} writes")
    report = verify_chain()
    if not report.ok:
        problems.append(f"audit chain broken at {report.first_broken_id}: {report.problem}")
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{writers} concurrent writers: {len(failures)} failed, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
