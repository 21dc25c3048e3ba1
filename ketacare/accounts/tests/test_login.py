"""Log-in: Argon2 passwords, lockout after repeated failures, two factors for staff, secure headers."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketacare.audit.models import AuditEvent

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "correct horse battery"


def log_in(client: Client, username: str, password: str = PASSWORD) -> object:
    return client.post("/accounts/login/", {"username": username, "password": password})


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_passwords_are_hashed_with_argon2_in_the_real_settings() -> None:
    real = importlib.import_module("ketacare.settings")
    assert real.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_a_correct_password_logs_in_and_is_audited(nurse) -> None:
    client = Client()
    response = log_in(client, "nurse")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(actor=nurse, action="login", outcome="success").exists()


def test_a_wrong_password_is_refused_and_audited(nurse) -> None:
    response = log_in(Client(), "nurse", "wrong")
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    assert AuditEvent.objects.filter(action="login", outcome="failed", detail__username="nurse").exists()


def test_after_five_failures_even_the_right_password_is_refused(nurse, settings) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "nurse", "wrong")
    response = log_in(client, "nurse")
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_locked_username_does_not_lock_out_colleagues(nurse, prescriber, settings) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(Client(), "nurse", "wrong")
    assert log_in(Client(), "prescriber").status_code == 302


def test_staff_must_set_up_two_factors_when_mfa_is_required(nurse, settings) -> None:
    settings.REQUIRE_MFA = True
    client = Client()
    log_in(client, "nurse")
    response = client.get("/patients/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/setup/")
    assert client.get("/api/v1/patients").status_code == 401


def test_enrolling_an_authenticator_app_then_gives_access(nurse, settings) -> None:
    settings.REQUIRE_MFA = True
    client = Client()
    log_in(client, "nurse")
    page = client.get("/accounts/two-factor/setup/")
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=nurse, confirmed=False)
    response = client.post("/accounts/two-factor/setup/?next=/patients/", {"token": current_code(device)})
    assert response["Location"] == "/patients/"
    assert client.get("/patients/").status_code == 200
    assert TOTPDevice.objects.get(pk=device.pk).confirmed


def test_staff_with_a_device_are_asked_for_the_code_at_every_log_in(nurse, settings) -> None:
    device = TOTPDevice.objects.create(user=nurse, name="phone", confirmed=True)
    client = Client()
    log_in(client, "nurse")
    assert client.get("/patients/")["Location"].startswith("/accounts/two-factor/")
    assert client.post("/accounts/two-factor/", {"token": current_code(device)}).status_code == 302
    assert client.get("/patients/").status_code == 200


def test_a_wrong_code_is_refused_and_keeps_the_user_out(nurse) -> None:
    TOTPDevice.objects.create(user=nurse, name="phone", confirmed=True)
    client = Client()
    log_in(client, "nurse")
    wrong = client.post("/accounts/two-factor/", {"token": "123456"})
    assert "not right" in wrong.content.decode()
    assert client.get("/patients/")["Location"].startswith("/accounts/two-factor/")
    assert AuditEvent.objects.filter(action="login-second-factor", outcome="failed", actor=nurse).exists()


def test_patients_are_not_asked_for_two_factors(patient_user, settings) -> None:
    settings.REQUIRE_MFA = True
    client = Client()
    log_in(client, "ada")
    assert client.get("/patients/me/").status_code == 200


def test_the_session_ends_after_fifteen_idle_minutes(settings) -> None:
    real = importlib.import_module("ketacare.settings")
    assert real.SESSION_COOKIE_AGE == 15 * 60
    assert real.SESSION_SAVE_EVERY_REQUEST  # each request restarts the idle clock


def test_an_expired_session_must_log_in_again(nurse) -> None:
    client = Client()
    client.force_login(nurse)
    session = client.session
    session.set_expiry(-1)
    session.save()
    assert client.get("/patients/")["Location"].startswith("/accounts/login/")


def test_pages_carry_a_strict_content_security_policy(client) -> None:
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.skipif(sys.platform == "win32", reason="subprocess environment")
def test_deploy_check_is_clean_under_production_settings(tmp_path) -> None:
    env = {
        **os.environ,
        "KETACARE_HTTPS": "1",
        "KETACARE_DEBUG": "0",
        "KETACARE_REQUIRE_MFA": "1",
        "KETACARE_SECRET_KEY": "x" * 20 + "-production-secret-with-enough-variety-0123456789-ABCDEFG",
        "KETACARE_ALLOWED_HOSTS": "clinic.example.org",
        "KETACARE_DATA_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set only for the browser tests
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
