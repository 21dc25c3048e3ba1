"""The API-token page: staff list, create (with the second factor again where they have one) and
revoke their own tokens; clinic administrators list and revoke their clinics' staff's tokens, not
another clinic's (404, audited)."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketacare.accounts import services as accounts
from ketacare.accounts.models import ApiToken
from ketacare.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
PAGE = "/accounts/tokens/"


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The authenticator's code, `steps_ahead` time steps later (django-otp accepts one step of drift
    and never the same step twice)."""
    return (
        f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead):06d}"
    )


def logged_in(user, device: TOTPDevice | None = None) -> Client:
    client = Client()
    client.force_login(user)
    if device is not None:
        assert client.post("/accounts/two-factor/", {"token": code(device)}).status_code == 302
    return client


def api_reads(secret: str) -> int:
    return Client().get("/api/v1/patients", headers={"Authorization": f"Bearer {secret}"}).status_code


def test_a_nurse_creates_a_token_sees_its_secret_once_and_it_works(nurse) -> None:
    client = logged_in(nurse)
    created = client.post(PAGE, {"name": "Lab import 7", "days": "30"})
    assert created.status_code == 200
    token = ApiToken.objects.get(user=nurse)
    secret = created.context["created"]["secret"]
    assert secret.startswith(token.prefix) and secret.encode() in created.content
    assert api_reads(secret) == 200
    listed = client.get(PAGE)
    assert b"Lab import 7" in listed.content and secret.encode() not in listed.content
    assert AuditEvent.objects.filter(action="create", entity_type="accounts.apitoken").exists()


def test_a_token_longer_than_the_policy_is_refused_with_a_message(nurse, settings) -> None:
    settings.API_TOKEN_DAYS = 30
    answer = logged_in(nurse).post(PAGE, {"name": "forever", "days": "31"})
    assert "days" in answer.context["form"].errors
    assert b"There is a problem" in answer.content
    assert not ApiToken.objects.exists()


def test_creating_a_token_asks_for_the_authenticator_code_again(nurse) -> None:
    device = TOTPDevice.objects.create(user=nurse, name="phone", confirmed=True)
    client = logged_in(nurse, device)
    page = client.get(PAGE)
    assert "otp_token" in page.context["form"].fields
    missing = client.post(PAGE, {"name": "t", "days": "5"})
    assert "otp_token" in missing.context["form"].errors
    replayed = client.post(PAGE, {"name": "t", "days": "5", "otp_token": code(device)})  # used at log-in
    assert "otp_token" in replayed.context["form"].errors
    assert not ApiToken.objects.exists()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp makes the next try wait after a wrong code
    created = client.post(PAGE, {"name": "t", "days": "5", "otp_token": code(device, 1)})
    assert created.context["created"] is not None
    assert ApiToken.objects.filter(user=nurse).count() == 1


def test_the_api_asks_for_the_authenticator_code_too(nurse) -> None:
    device = TOTPDevice.objects.create(user=nurse, name="phone", confirmed=True)
    client = logged_in(nurse, device)
    without = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert without.status_code == 400 and not ApiToken.objects.exists()
    device.refresh_from_db()
    device.throttle_reset()
    body = {"name": "x", "otp_token": code(device, 1)}
    assert client.post("/api/v1/tokens", body, content_type="application/json").status_code == 201


def test_staff_without_the_required_second_factor_are_sent_to_enrol_not_to_the_page(nurse, settings) -> None:
    settings.REQUIRE_MFA = True
    answer = logged_in(nurse).post(PAGE, {"name": "t", "days": "5"})
    assert answer.status_code == 302 and "/accounts/two-factor/" in answer["Location"]
    assert not ApiToken.objects.exists()


def test_an_owner_revokes_their_token_and_it_stops_working(nurse) -> None:
    token, secret = accounts.create_api_token(user=nurse, name="Lab import 7")
    client = logged_in(nurse)
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    assert api_reads(secret) == 401
    assert "Revoked" in client.get(PAGE).content.decode()
    assert AuditEvent.objects.filter(entity_type="accounts.apitoken", detail__revoked=True).exists()


def test_a_clinic_administrator_lists_and_revokes_their_staffs_tokens(nurse, clinic_admin) -> None:
    token, secret = accounts.create_api_token(user=nurse, name="Lab import 7")
    client = logged_in(clinic_admin)
    page = client.get(PAGE)
    assert [row["token"].name for row in page.context["staff"]] == ["Lab import 7"]
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    assert api_reads(secret) == 401


def test_another_clinics_token_answers_404_audited_and_stays(nurse, outsider, other_clinic) -> None:
    from conftest import make_staff

    other_admin = make_staff("otheradmin", other_clinic, "clinic_admin")
    token, secret = accounts.create_api_token(user=nurse, name="Lab import 7")
    client = logged_in(other_admin)
    assert "Lab import 7" not in client.get(PAGE).content.decode()
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert logged_in(outsider).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert api_reads(secret) == 200
    assert AuditEvent.objects.filter(
        actor=other_admin, entity_type="accounts.apitoken", outcome="not_found"
    ).exists()


def test_a_colleague_who_is_not_an_administrator_cannot_see_or_revoke_my_token(nurse, prescriber) -> None:
    token, secret = accounts.create_api_token(user=nurse, name="Lab import 7")
    client = logged_in(prescriber)
    assert "Lab import 7" not in client.get(PAGE).content.decode()
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert api_reads(secret) == 200


def test_the_page_is_for_staff_and_logged_in_users_only(patient_user) -> None:
    assert Client().get(PAGE).status_code == 302  # to log in
    assert logged_in(patient_user).get(PAGE).status_code == 403


def test_revoking_needs_a_post(nurse) -> None:
    token, _ = accounts.create_api_token(user=nurse, name="t")
    assert logged_in(nurse).get(f"/accounts/tokens/{token.pk}/revoke/").status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None
