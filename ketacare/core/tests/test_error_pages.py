"""No raw error page anywhere: a 400, 403, 404, 405, 500 or a failed CSRF check gets KetaCare's own page
(issue 11), on the pages; the API answers its own JSON shape for 4xx."""

from __future__ import annotations

import pytest
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

from ketacare.testing import client_for

pytestmark = pytest.mark.django_db


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


def _suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("tampered")


urlpatterns = [
    path("boom/", _boom),
    path("suspicious/", _suspicious),
    path("", include("ketacare.urls")),
]


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_server_error_gets_ketacares_page_not_djangos(nurse) -> None:
    client = client_for(nurse)
    client.raise_request_exception = False
    answer = client.get("/boom/")
    text = answer.content.decode()
    assert answer.status_code == 500 and 'data-error-page="500"' in text and "Back to the start" in text
    assert "Traceback" not in text and "Server Error (500)" not in text


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_bad_request_gets_ketacares_page(nurse) -> None:
    answer = client_for(nurse).get("/suspicious/")
    assert answer.status_code == 400 and 'data-error-page="400"' in answer.content.decode()


def test_a_missing_page_and_a_refused_role_get_ketacares_pages(therapist) -> None:
    missing = client_for(therapist).get("/no/such/page/")
    assert missing.status_code == 404 and "There is nothing here" in missing.content.decode()
    refused = client_for(therapist).get("/dosing/today/")
    assert refused.status_code == 403 and "Not allowed" in refused.content.decode()
    anonymous = Client().get("/no/such/page/")
    assert anonymous.status_code == 404 and "KetaCare" in anonymous.content.decode()


def test_the_api_answers_json_for_a_missing_route_and_a_missing_record(nurse) -> None:
    from ketacare.testing import api_client

    api = api_client(nurse)
    missing = api.get("/api/v1/sessions/999999")
    assert missing.status_code == 404 and missing["Content-Type"].startswith("application/json")
