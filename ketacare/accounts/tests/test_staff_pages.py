"""The clinic administrator's staff page: credentials, and who may administer ketamine today."""

from __future__ import annotations

import pytest
from django.test import Client

from ketacare.accounts.models import Credential


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("nurse", 403), ("prescriber", 403), ("outsider", 403), ("clinic_admin", 200)],
)
def test_only_a_clinic_administrator_opens_the_staff_page(personas, persona, expected) -> None:
    client = Client()
    if persona != "anonymous":
        client.force_login(personas[persona])
    assert client.get("/accounts/staff/").status_code == expected


def test_the_staff_page_says_who_may_administer_and_why_not(personas) -> None:
    client = Client()
    client.force_login(personas["clinic_admin"])
    page = client.get("/accounts/staff/").content.decode()
    assert "No ACLS certificate is on file" in page  # the therapist's row
    assert "Outsider" not in page  # another clinic's staff are not listed


def test_an_administrator_records_a_credential_for_their_staff(personas) -> None:
    client = Client()
    client.force_login(personas["clinic_admin"])
    therapist = personas["therapist"]
    response = client.post(
        f"/accounts/staff/{therapist.pk}/credentials/new/", {"kind": "bls", "expires_on": "2030-01-31"}
    )
    assert response.status_code == 302
    assert Credential.objects.filter(user=therapist, kind="bls").exists()


def test_a_licence_without_number_is_refused_with_a_message(personas) -> None:
    client = Client()
    client.force_login(personas["clinic_admin"])
    response = client.post(
        f"/accounts/staff/{personas['nurse'].pk}/credentials/new/",
        {"kind": "licence", "licence_type": "registered_nurse", "expires_on": "2030-01-31"},
    )
    assert response.status_code == 200
    assert "licence_has_type_number_and_jurisdiction" not in response.content.decode()
    assert Credential.objects.filter(user=personas["nurse"]).count() == 2


def test_an_administrator_cannot_record_credentials_for_another_clinics_staff(personas) -> None:
    client = Client()
    client.force_login(personas["clinic_admin"])
    response = client.post(
        f"/accounts/staff/{personas['outsider'].pk}/credentials/new/",
        {"kind": "bls", "expires_on": "2030-01-31"},
    )
    assert response.status_code == 404
