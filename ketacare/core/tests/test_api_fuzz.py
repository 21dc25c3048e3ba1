"""API fuzzing: schemathesis generates requests from the OpenAPI schema and sends them, with a staff
member's bearer token, through the WSGI application; no answer may be a 5xx or break the schema.

Derandomized (a fixed seed) so a run is repeatable and its cost known: EXAMPLES generated examples per
operation, with schemathesis' own phases (schema examples, coverage) about 2,500 cases over the 41
operations, on SQLite and again on PostgreSQL (about 90 seconds each on two cores). Checked: no 5xx,
every answer matches its schema (the schema's two `AlertOut`s are now `AlertOut` and `VitalAlertOut`)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from ketacare.accounts import services as accounts

EXAMPLES = 15

CASES: list[str] = []

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def staff_token(personas: dict[str, Any], patient: Any) -> Any:
    # Requests go straight to the WSGI handler, inside the test's transaction: like Django's test
    # client, keep the start and end of each request from closing the connection (and the transaction).
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield accounts.create_api_token(user=personas["prescriber"], name="fuzz")[1]
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_causes_a_server_error_or_breaks_the_schema(case: Any, staff_token: str) -> None:
    CASES.append(case.operation.label)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {staff_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )


@pytest.fixture(scope="module", autouse=True)
def cases_report() -> Any:
    yield
    if len({*CASES}) > 30:  # the whole schema ran (not a -k selection)
        print(f"\nschemathesis: {len(CASES)} cases over {len({*CASES})} operations")
