"""Every page and list call costs the same number of queries for the 10th patient and the 200th, and
for 10 days of history and 1,000 (issue 14). Counts, never times: the machine is shared.

Data comes from ketacare.scale_data (bulk inserts). Each call is made once to warm up (a token's
last-used stamp, the session), then counted; the two counts must be equal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketacare import scale_data
from ketacare.accounts import services as accounts
from ketacare.dosing.models import DosingSession

Call = Callable[[int, int], Any]  # (patient id, session id) -> response


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user: Any) -> Callable[[str], Any]:
    _, token = accounts.create_api_token(user=user, name="query counts")
    client = Client()
    return lambda path: client.get(f"/api/v1/{path}", headers={"Authorization": f"Bearer {token}"})


def _calls(staff: Any, researcher: Any) -> dict[str, Call]:
    page = _client(staff)
    research = _client(researcher)
    api = _api(staff)
    return {
        "patient list page": lambda p, s: page.get(reverse("patients:list")),
        "patient record page": lambda p, s: page.get(reverse("patients:detail", args=[p])),
        "worklist page": lambda p, s: page.get(reverse("outcomes:worklist")),
        "outcomes page (90 days)": lambda p, s: page.get(reverse("outcomes:patient", args=[p])),
        "outcomes page (whole history)": lambda p, s: page.get(
            reverse("outcomes:patient", args=[p]), {"window": "all"}
        ),
        "session list page": lambda p, s: page.get(reverse("dosing:sessions", args=[p])),
        "session page": lambda p, s: page.get(reverse("dosing:session", args=[s])),
        "research page": lambda p, s: research.get(reverse("research:cohort")),
        "research CSV": lambda p, s: research.get(reverse("research:csv")),
        "trials' endpoints page": lambda p, s: research.get(reverse("research:trials")),
        "booster forecast page": lambda p, s: page.get(reverse("outcomes:forecast", args=[p])),
        "API patients": lambda p, s: api("patients"),
        "API patient": lambda p, s: api(f"patients/{p}"),
        "API measurements": lambda p, s: api(f"patients/{p}/measurements"),
        "API responses": lambda p, s: api(f"patients/{p}/responses"),
        "API alerts": lambda p, s: api(f"patients/{p}/alerts"),
        "API assignments": lambda p, s: api(f"patients/{p}/assignments"),
        "API substance use": lambda p, s: api(f"patients/{p}/substance-use"),
        "API sessions": lambda p, s: api(f"sessions?patient_id={p}"),
        "API session": lambda p, s: api(f"sessions/{s}"),
        "API vitals": lambda p, s: api(f"sessions/{s}/vitals"),
        "API FHIR everything": lambda p, s: api(f"fhir/Patient/{p}/$everything"),
        "API forecast": lambda p, s: api(f"patients/{p}/forecast?instrument=craving-vas&threshold=60"),
    }


def _read(response: Any) -> bytes:
    """The whole body: a streamed response runs its queries as it is read."""
    if getattr(response, "streaming", False):
        # The test client closes the response once its content is read (signals held back).
        return b"".join(response.streaming_content)
    return bytes(response.content)


def _count(calls: dict[str, Call], patient_id: int, session_id: int) -> dict[str, int]:
    counts = {}
    for name, call in calls.items():
        warm = call(patient_id, session_id)
        assert warm.status_code == 200, (name, warm.status_code)
        _read(warm)
        with CaptureQueriesContext(connection) as queries:
            _read(call(patient_id, session_id))
        counts[name] = len(queries.captured_queries)
    return counts


def _session_of(patient_id: int) -> int:
    return DosingSession.objects.filter(patient_id=patient_id).values_list("pk", flat=True).get()


@pytest.mark.django_db
def test_every_page_and_list_costs_the_same_queries_for_10_and_200_patients(
    clinic, prescriber, researcher
) -> None:
    grown = scale_data.grow(clinic=clinic, by=prescriber, patients=10, days=20)
    first = grown.patient_ids[0]
    calls = _calls(prescriber, researcher)
    few = _count(calls, first, _session_of(first))
    scale_data.grow(clinic=clinic, by=prescriber, patients=190, days=20, seed=15)
    many = _count(calls, first, _session_of(first))
    assert many == few


@pytest.mark.django_db
def test_every_page_and_list_costs_the_same_queries_for_10_and_1000_days_of_history(
    clinic, prescriber, researcher
) -> None:
    short = scale_data.grow(clinic=clinic, by=prescriber, patients=1, days=10, prefix="SHORT")
    long = scale_data.grow(clinic=clinic, by=prescriber, patients=1, days=1000, prefix="LONG")
    calls = _calls(prescriber, researcher)
    short_counts = _count(calls, short.patient_ids[0], _session_of(short.patient_ids[0]))
    long_counts = _count(calls, long.patient_ids[0], _session_of(long.patient_ids[0]))
    assert long_counts == short_counts
