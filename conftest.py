"""Shared test set-up: personas built with the real services, database selection, browser checks.

Personas (STYLE.md): a prescriber, a nurse, a therapist, a clinic administrator, a researcher and a
patient in one clinic, and an outsider prescriber in another.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from ketacare.testing import Persona, Personas
from ketacare.testing import act_as as _act_as

CHROMIUM = "/usr/bin/chromium"
# Playwright's sync API runs an event loop in the test thread; Django must still allow ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # On the PostgreSQL pass only tests that touch the database run again.
    if os.environ.get("KETACARE_DATABASE_TESTS_ONLY"):
        keep = [
            item
            for item in items
            if "django_db_setup" in getattr(item, "fixturenames", ()) or item.get_closest_marker("django_db")
        ]
        config.hook.pytest_deselected(items=[item for item in items if item not in keep])
        items[:] = keep
    # Browser tests last: they empty the database between tests, which needs the audit triggers off.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
    # Under pytest-xdist (`make test`: -n auto --dist loadgroup) the browser tests share one worker, so
    # one Chromium runs at a time and that worker's ordinary tests still run before them. Each worker
    # has its own test database (test_<name>_gw0, ...), so lifting the triggers there touches no other.
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))
    if not os.path.exists(CHROMIUM):
        if os.environ.get("KETACARE_REQUIRE_BROWSER"):
            raise pytest.UsageError(f"KETACARE_REQUIRE_BROWSER is set but {CHROMIUM} is missing.")
        skip = pytest.mark.skip(
            reason=f"{CHROMIUM} not found: install Debian's chromium to run browser tests"
        )
        for item in items:
            if item.get_closest_marker("browser"):
                item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "chromium" in str(r.longrepr)]
    if skipped:
        terminalreporter.write_sep(
            "!", f"BROWSER TESTS SKIPPED ({len(skipped)}): {CHROMIUM} is not installed", red=True
        )


@pytest.fixture(autouse=True)
def test_settings(settings: Any, tmp_path: Any) -> None:
    """Argon2 is deliberately slow; tests that are not about hashing use a fast hasher.
    test_security.py checks that the real settings hash with Argon2."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Two-factor login has its own tests (accounts/tests/test_login.py), which turn it on.
    settings.REQUIRE_MFA = False
    # Each test keeps its own audit checkpoints (the test database is new each time).
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "audit_checkpoints.jsonl"


@pytest.fixture
def clinic(db: None) -> Any:
    from ketacare.accounts.models import Clinic

    return Clinic.objects.create(name="Test Clinic", slug="test")


@pytest.fixture
def other_clinic(db: None) -> Any:
    from ketacare.accounts.models import Clinic

    return Clinic.objects.create(name="Other Clinic", slug="other")


def make_staff(username: str, clinic: Any, role: str, *, licence: str = "", acls: bool = False) -> Any:
    from ketacare.accounts import services
    from ketacare.accounts.models import Credential

    user = services.create_user(
        username=username, password="correct horse battery", display_name=username.title()
    )
    services.add_membership(user=user, clinic=clinic, role=role)
    future = dt.date.today() + dt.timedelta(days=365)
    if licence:
        services.record_credential(
            user=user,
            kind=Credential.Kind.LICENCE,
            licence_type=licence,
            number=f"L-{username}",
            jurisdiction="Test State",
            expires_on=future,
        )
    if acls:
        services.record_credential(user=user, kind=Credential.Kind.ACLS, expires_on=future)
    return user


@pytest.fixture
def prescriber(clinic: Any) -> Any:
    return make_staff("prescriber", clinic, "prescriber", licence="physician", acls=True)


@pytest.fixture
def nurse(clinic: Any) -> Any:
    return make_staff("nurse", clinic, "nurse", licence="registered_nurse", acls=True)


@pytest.fixture
def therapist(clinic: Any) -> Any:
    return make_staff("therapist", clinic, "therapist", licence="counsellor")


@pytest.fixture
def clinic_admin(clinic: Any) -> Any:
    return make_staff("clinicadmin", clinic, "clinic_admin")


@pytest.fixture
def researcher(clinic: Any) -> Any:
    return make_staff("researcher", clinic, "researcher")


@pytest.fixture
def outsider(other_clinic: Any) -> Any:
    return make_staff("outsider", other_clinic, "prescriber", licence="physician", acls=True)


@pytest.fixture
def patient(clinic: Any, nurse: Any) -> Any:
    from ketacare.patients import services

    return services.register_patient(
        by=nurse,
        clinic=clinic,
        medical_record_number="MRN-1",
        given_name="Ada",
        family_name="Lovelace",
        date_of_birth=dt.date(1985, 12, 10),
        sex_at_birth="female",
        phone="+44 20 7946 0958",
        weight_kg=Decimal("64.5"),
        height_cm=Decimal("168"),
    )


@pytest.fixture
def patient_user(clinic: Any, patient: Any, clinic_admin: Any) -> Any:
    """The portal login of `patient`."""
    from ketacare.accounts import services as accounts
    from ketacare.patients import services

    user = accounts.create_user(username="ada", password="correct horse battery")
    accounts.add_membership(user=user, clinic=clinic, role="patient")
    services.link_portal_user(by=clinic_admin, patient=patient, user=user)
    return user


@pytest.fixture
def personas(
    prescriber: Any,
    nurse: Any,
    therapist: Any,
    clinic_admin: Any,
    researcher: Any,
    patient_user: Any,
    outsider: Any,
) -> Personas:
    return {
        "prescriber": prescriber,
        "nurse": nurse,
        "therapist": therapist,
        "clinic_admin": clinic_admin,
        "researcher": researcher,
        "patient": patient_user,
        "outsider": outsider,
    }


@pytest.fixture
def act_as(db: None) -> Callable[[Any], Persona]:
    """`act_as(user).client` is a web client logged in as `user`; `.api` sends their bearer token;
    `act_as(None)` is anonymous. The one way tests act as a persona (ketacare/testing.py)."""
    return _act_as


@pytest.fixture
def audit_triggers(db: None) -> None:
    """Make sure the append-only triggers are in place (browser tests lift them to empty the database)."""
    from django.db import connection

    from ketacare.audit import triggers

    triggers.install(connection)


@pytest.fixture
def browser_page(live_server: Any, transactional_db: None) -> Any:
    """A Chromium page (Debian's build, through Playwright) that fails the test on any console error."""
    from django.db import connection
    from playwright.sync_api import sync_playwright

    from ketacare.audit import triggers

    triggers.install(connection)
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--no-first-run",
            ],
        )
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.console_errors = errors  # type: ignore[attr-defined]
        yield page
        context.close()
        browser.close()
    # The test database is emptied after each browser test; the audit table refuses that unless lifted.
    triggers.remove(connection)
    assert errors == [], f"console errors: {errors}"
