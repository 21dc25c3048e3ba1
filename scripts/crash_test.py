"""Crash test: kill the server under write load, restart it, check that nothing acknowledged is lost.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kc_crash python scripts/crash_test.py

Uses the database DATABASE_URL names (PostgreSQL is the point; SQLite works too when it is unset) and
a temporary data folder. It migrates, makes a clinic, a nurse with an API token and a patient, starts
`ketacare serve` in its own process group, lets WRITERS threads post body measurements for that
patient, kills the server with SIGKILL mid-load, starts it again, and then checks that every
measurement the server acknowledged (201 with an id) is in the database and that `ketacare audit
verify` passes. Exit status 0 when all holds. Options: --writers, --seconds, --port.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _ketacare(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "ketacare.cli", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603


SEED = """
import datetime as dt
from ketacare.accounts import services as accounts
from ketacare.accounts.models import Clinic
from ketacare.patients import services
clinic = Clinic.objects.create(name="Crash Clinic", slug="crash")
nurse = accounts.create_user(username="crashnurse", password="correct horse battery")
accounts.add_membership(user=nurse, clinic=clinic, role="nurse")
patient = services.register_patient(by=nurse, clinic=clinic, medical_record_number="CRASH-1",
    given_name="Crash", family_name="Test", date_of_birth=dt.date(1980, 1, 1), sex_at_birth="unknown")
print(patient.pk, accounts.create_api_token(user=nurse, name="crash test")[1])
"""

CHECK = """
import json, os
from ketacare.patients.models import BodyMeasurement
wanted = set(json.load(open(os.environ["KETACARE_CRASH_IDS"])))
present = set(BodyMeasurement.objects.filter(pk__in=wanted).values_list("pk", flat=True))
print(len(wanted - present))
"""


def _start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "ketacare.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)  # noqa: S310
            return server
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    os.killpg(server.pid, signal.SIGKILL)
    raise SystemExit("the server did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="ketacare-crash-"))
    env = {**os.environ, "KETACARE_DATA_DIR": str(data_dir), "KETACARE_REQUIRE_MFA": "0"}
    migrated = _ketacare(["manage", "migrate", "-v0"], env)
    if migrated.returncode != 0:
        raise SystemExit(migrated.stderr)
    seeded = _ketacare(["manage", "shell", "--no-imports", "-c", SEED], env)
    patient_id, token = seeded.stdout.strip().splitlines()[-1].split()

    acknowledged: list[int] = []
    failed = 0
    lock = threading.Lock()
    stop = threading.Event()
    url = f"http://127.0.0.1:{args.port}/api/v1/patients/{patient_id}/measurements"

    def write() -> None:
        nonlocal failed
        while not stop.is_set():
            body = json.dumps({"weight_kg": "70.0", "measured_at": dt.datetime.now(dt.UTC).isoformat()})
            request = urllib.request.Request(  # noqa: S310
                url,
                data=body.encode(),
                method="POST",
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
                    if answer.status == 201:
                        with lock:
                            acknowledged.append(json.load(answer)["id"])
            except (urllib.error.URLError, OSError, ValueError):
                with lock:
                    failed += 1  # not acknowledged: may or may not be stored, never promised
                time.sleep(0.05)

    server = _start(env, args.port)
    threads = [threading.Thread(target=write) for _ in range(args.writers)]
    for thread in threads:
        thread.start()
    time.sleep(args.seconds)
    os.killpg(server.pid, signal.SIGKILL)  # mid-load, no clean shutdown
    server.wait()
    stop.set()
    for thread in threads:
        thread.join()

    server = _start(env, args.port)  # restart: the database recovers on its own
    try:
        ids_file = data_dir / "acknowledged.json"
        ids_file.write_text(json.dumps(acknowledged))
        check_env = {**env, "KETACARE_CRASH_IDS": str(ids_file)}
        checked = _ketacare(["manage", "shell", "--no-imports", "-c", CHECK], check_env)
        missing = int(checked.stdout.split()[-1])
        verified = _ketacare(["audit", "verify"], env)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
    print(f"{len(acknowledged)} writes acknowledged, {failed} cut off by the kill, {missing} of them missing")
    print(verified.stdout.strip() or verified.stderr.strip())
    return 0 if missing == 0 and verified.returncode == 0 and acknowledged else 1


if __name__ == "__main__":
    sys.exit(main())
