"""Every read of patient data leaves an audit event: walk every API GET route and every page URL
pattern that can show patient data, fill in real ids, call it as staff who may see it, and check that
a read event by that person was written. A new route is walked automatically; one that shows no
patient data must be named, with its reason, in NO_PATIENT_DATA."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from ketacare.accounts import services as accounts
from ketacare.audit.models import AuditEvent
from ketacare.plans.testing import signed_order

pytestmark = pytest.mark.django_db

READ_ACTIONS = {"read", "search", "export"}

# Pages and routes that never show a patient's data, and why.
NO_PATIENT_DATA = {
    "accounts/login/": "the log-in form",
    "accounts/logout/": "logging out",
    "accounts/two-factor/": "the second-factor form",
    "accounts/two-factor/setup/": "enrolling the second factor",
    "accounts/staff/": "staff accounts, not patients (their changes are audited)",
    "accounts/staff/new/": "a blank form",
    "accounts/staff/<int:user_id>/credentials/new/": "a staff member's licence form",
    "accounts/staff/memberships/<int:membership_id>/role/": "a staff member's role (POST)",
    "accounts/staff/memberships/<int:membership_id>/end/": "ends a staff membership (POST)",
    "accounts/staff/memberships/<int:membership_id>/reactivate/": "reactivates a membership (POST)",
    "accounts/staff/memberships/<int:membership_id>/password-reset/": "issues a staff password-reset link",
    "accounts/reset/<str:secret>/": "sets a staff member's new password with a one-time link",
    "accounts/tokens/": "API tokens: names and dates, no patient data (creating and revoking are audited)",
    "accounts/tokens/<int:token_id>/revoke/": "revokes an API token (POST)",
    "patients/new/": "a blank registration form",
    "outcomes/settings/": "the clinic's settings",
    "outcomes/settings/permissions/<int:permission_id>/withdraw/": "a licence permission (POST)",
    "dosing/settings/": "the clinic's alert thresholds",
    "/api/v1/instruments": "the questionnaire registry",
    "/api/v1/tokens": "API tokens: names and dates, no patient data (creating and revoking are audited)",
    "/api/v1/instruments/{instrument_id}": "one questionnaire's definition",
    "/api/v1/protocols": "the protocol library (published regimens and the clinic's own)",
    "plans/protocols/": "the protocol library",
    "plans/settings/": "the clinic's safety limits",
    "ledger/stock-entry/": "a blank stock form (entries are audited when written)",
    "ledger/session-entry/": "a blank draw form without a session (with one, the session's read is audited)",
    "ledger/report/": "the period form; the dispensing record itself is audited as ledger.report",
    "privacy/settings/": "the clinic's Part 2 texts and policy",
    "integrations/": "the page for integrators",
    "accessibility/": "the accessibility statement",
}


def _api_get_paths() -> list[str]:
    from ketacare.api import api

    schema = api.get_openapi_schema()
    return [path for path, ops in schema["paths"].items() if "get" in ops]


def _page_patterns() -> list[str]:
    def walk(patterns: list[Any], prefix: str) -> list[str]:
        found = []
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                found += walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                found.append(prefix + str(pattern.pattern))
        return found

    # The API's routes are walked through its schema (above); its documentation pages are not data.
    return [p for p in walk(get_resolver().url_patterns, "") if not p.startswith("api/v1/")]


@pytest.fixture
def world(personas, patient, nurse, prescriber, clinic_admin) -> dict[str, Any]:
    from ketacare.dosing import services as dosing
    from ketacare.outcomes import services as outcomes

    session = dosing.plan_session(
        by=nurse,
        patient=patient,
        route="iv-infusion",
        dose_mg=Decimal("30"),
        order=signed_order(patient, route="iv-infusion", dose_mg=Decimal("30")),
    )
    session = dosing.start_session(
        by=nurse,
        session=session,
        consent_confirmed=True,
        fasting_confirmed=True,
        escort_confirmed=True,
        identity_identifiers=["full_name", "date_of_birth"],
    )
    vital = dosing.record_vital_sign(
        by=nurse,
        session=session,
        systolic_mmhg=120,
        diastolic_mmhg=80,
        heart_rate_per_min=70,
        spo2_percent=98,
    ).vital
    effect = dosing.record_side_effect(by=nurse, session=session, kind="nausea", severity="mild")
    recorded = outcomes.record_response(
        by=prescriber, patient=patient, instrument_id="phq-9", answers=[2, 2, 1, 2, 1, 1, 1, 0, 1]
    )
    from ketacare.plans import services as plans

    plan = plans.create_plan(
        by=nurse, patient=patient, title="Walk", substances=["alcohol"], goals=["Walk the walk"]
    )
    return {
        "patient_id": patient.pk,
        "plan_id": plan.pk,
        "session_id": session.pk,
        "vital_id": vital.pk,
        "side_effect_id": effect.pk,
        "entry_id": vital.pk,
        "response_id": recorded.response.pk,
        "alert_id": recorded.alerts[0].pk,
        "instrument_id": "phq-9",
        "kind": "vital",
        "order_id": session.order_id,
    }


def _fill(pattern: str, ids: dict[str, Any]) -> str:
    # A parameter the world has no record for gets an id that exists nowhere: that route answers
    # 404 and is not counted as walked (the apps' own tests read their records).
    def value(match: re.Match[str]) -> str:
        return str(ids.get(match.group(1), 999999))

    filled = re.sub(r"<(?:\w+:)?(\w+)>", value, pattern)
    return re.sub(r"\{(\w+)\}", value, filled)


def _reads_by(user: Any) -> int:
    return AuditEvent.objects.filter(
        actor=user, action__in=READ_ACTIONS, outcome=AuditEvent.Outcome.SUCCESS
    ).count()


def test_every_api_get_route_with_patient_data_writes_a_read_event(world, personas) -> None:
    staff = [personas[name] for name in ("prescriber", "nurse", "clinic_admin")]
    tokens = {user.pk: accounts.create_api_token(user=user, name="walk")[1] for user in staff}
    walked, silent = [], []
    for path in _api_get_paths():
        if path in NO_PATIENT_DATA:
            continue
        url = _fill(path, world)
        for user in staff:
            before = _reads_by(user)
            response = Client().get(url, headers={"Authorization": f"Bearer {tokens[user.pk]}"})
            if response.status_code == 200:
                walked.append(path)
                if _reads_by(user) == before:
                    silent.append(path)
                break
    assert silent == [], f"API reads that left no audit event: {silent}"
    assert len(walked) >= 10, walked


def test_every_page_with_patient_data_writes_a_read_event(world, personas) -> None:
    staff = [personas[name] for name in ("prescriber", "nurse", "clinic_admin", "researcher")]
    walked, silent = [], []
    for pattern in _page_patterns():
        if pattern in NO_PATIENT_DATA or pattern.startswith("outcomes/me/") or pattern == "patients/me/":
            continue  # the portal pages are the patient's own record: walked below
        url = "/" + _fill(pattern, world)
        for user in staff:
            client = Client()
            client.force_login(user)
            before = _reads_by(user)
            response = client.get(url)
            if response.status_code == 200:
                walked.append(pattern)
                if _reads_by(user) == before:
                    silent.append(pattern)
                break
    assert silent == [], f"pages that showed patient data without an audit event: {silent}"
    assert len(walked) >= 10, walked


def test_the_patients_own_portal_pages_write_a_read_event(world, personas) -> None:
    user = personas["patient"]
    client = Client()
    client.force_login(user)
    silent = []
    for pattern in _page_patterns():
        if pattern.startswith("outcomes/me/") or pattern == "patients/me/":
            before = _reads_by(user)
            response = client.get("/" + _fill(pattern, world))
            if response.status_code == 200 and _reads_by(user) == before:
                silent.append(pattern)
    assert silent == [], silent
