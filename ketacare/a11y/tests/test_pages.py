"""The integrators' and accessibility pages, and the form markup a screen reader relies on."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("path", ["/integrations/", "/accessibility/"])
@pytest.mark.parametrize("who", [None, "nurse", "patient_user", "outsider"])
def test_the_integrations_and_accessibility_pages_hold_no_patient_data_and_open_to_everyone(
    request, path, who
) -> None:
    user = request.getfixturevalue(who) if who else None
    response = client_for(user).get(path)
    assert response.status_code == 200
    assert "<main" in response.content.decode()


def test_the_api_reference_is_out_of_the_clinical_menu_and_linked_from_the_integrations_page(nurse) -> None:
    client = client_for(nurse)
    menu = client.get("/patients/").content.decode().split('<nav aria-label="Main">')[1].split("</nav>")[0]
    assert "/api/v1/docs" not in menu
    assert 'href="/integrations/"' in client.get("/patients/").content.decode()
    assert 'href="/api/v1/docs"' in client.get("/integrations/").content.decode()


def test_every_page_has_a_skip_link_first_and_the_four_landmarks(nurse) -> None:
    page = client_for(nurse).get("/patients/").content.decode()
    body = page.split("<body>")[1]
    assert body.lstrip().startswith('<a class="skip-link" href="#main">')
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in page
    # One polite live region, not one per message.
    assert page.count('role="status"') == 1 and 'id="announce-polite"' in page


def test_a_refused_form_ties_its_errors_and_help_to_the_field_and_says_error_in_the_title(
    nurse, patient
) -> None:
    response = client_for(nurse).post(f"/patients/{patient.pk}/weight/new/", {"weight_kg": "7"})
    page = response.content.decode()
    assert re.search(r"<title>Error: ", page)
    assert 'class="error-summary" tabindex="-1"' in page
    assert '<a href="#id_weight_kg">' in page
    field = re.search(r"<input[^>]*id=\"id_weight_kg\"[^>]*>", page)
    assert field is not None
    assert 'aria-invalid="true"' in field.group(0)
    assert 'aria-describedby="id_weight_kg_error"' in field.group(0)
    assert 'id="id_weight_kg_error"' in page
    # Help text has the id the widget points at.
    measured = re.search(r"<input[^>]*id=\"id_measured_at\"[^>]*>", page)
    assert measured is not None and 'aria-describedby="id_measured_at_helptext"' in measured.group(0)
    assert 'id="id_measured_at_helptext"' in page


def test_a_form_shown_for_the_first_time_has_no_error_summary_and_no_error_title(nurse, patient) -> None:
    page = client_for(nurse).get(f"/patients/{patient.pk}/weight/new/").content.decode()
    assert "error-summary" not in page and "<title>Error:" not in page
