"""API tokens: they expire, are listed and revoked by their owner and their clinics' administrators
(API and command line), stop working while the account is locked out or deactivated, and cannot be
minted with a token (one factor): only from a browser session that passed the second factor."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from ketacare.accounts import services as accounts
from ketacare.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def reads(token: str) -> int:
    return Client().get("/api/v1/patients", headers=bearer(token)).status_code


def test_a_token_works_until_it_expires(nurse, settings) -> None:
    token, plain = accounts.create_api_token(user=nurse, name="ward tablet", days=1)
    assert reads(plain) == 200
    assert token.expires_at - timezone.now() <= dt.timedelta(days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert reads(plain) == 401


def test_a_token_may_not_outlive_the_policy(nurse, settings) -> None:
    from django.core.exceptions import ValidationError

    settings.API_TOKEN_DAYS = 30
    with pytest.raises(ValidationError):
        accounts.create_api_token(user=nurse, name="forever", days=31)
    token, _ = accounts.create_api_token(user=nurse, name="default")
    assert dt.timedelta(days=29) < token.expires_at - timezone.now() <= dt.timedelta(days=30)


def test_a_token_is_refused_while_its_account_is_locked_out(nurse, settings) -> None:
    _, plain = accounts.create_api_token(user=nurse, name="t")
    assert reads(plain) == 200
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post("/accounts/login/", {"username": "nurse", "password": "wrong password!"})
    assert reads(plain) == 401


def test_a_token_is_refused_once_its_account_is_deactivated(nurse) -> None:
    _, plain = accounts.create_api_token(user=nurse, name="t")
    nurse.is_active = False
    nurse.save()
    assert reads(plain) == 401


def test_a_token_is_refused_while_its_owner_works_in_no_clinic(nurse, clinic_admin) -> None:
    from ketacare.accounts.models import Membership

    _, plain = accounts.create_api_token(user=nurse, name="t")
    membership = Membership.objects.get(user=nurse)
    accounts.end_membership(by=clinic_admin, membership=membership, reason="left the clinic")
    assert reads(plain) == 401
    accounts.reactivate_membership(by=clinic_admin, membership=membership)
    assert reads(plain) == 200


def test_owners_and_clinic_administrators_list_and_revoke_tokens_others_get_404(
    nurse, clinic_admin, outsider
) -> None:
    token, plain = accounts.create_api_token(user=nurse, name="ward tablet")
    _, admin_plain = accounts.create_api_token(user=clinic_admin, name="admin")
    _, outsider_plain = accounts.create_api_token(user=outsider, name="other")
    own = Client().get("/api/v1/tokens", headers=bearer(plain)).json()
    assert [t["name"] for t in own["items"]] == ["ward tablet"]
    assert own["items"][0]["last_used_at"] is not None
    seen = {t["name"] for t in Client().get("/api/v1/tokens", headers=bearer(admin_plain)).json()["items"]}
    assert {"ward tablet", "admin"} <= seen
    refused = Client().post(
        f"/api/v1/tokens/{token.pk}/revoke", content_type="application/json", headers=bearer(outsider_plain)
    )
    assert refused.status_code == 404
    revoked = Client().post(
        f"/api/v1/tokens/{token.pk}/revoke", content_type="application/json", headers=bearer(admin_plain)
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert reads(plain) == 401


def test_a_token_cannot_mint_another_but_a_verified_session_can(nurse) -> None:
    _, plain = accounts.create_api_token(user=nurse, name="t")
    body = json.dumps({"name": "new"})
    minted = Client().post("/api/v1/tokens", body, content_type="application/json", headers=bearer(plain))
    assert minted.status_code == 401
    browser = Client(enforce_csrf_checks=False)
    browser.force_login(nurse)
    created = browser.post("/api/v1/tokens", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert reads(created.json()["token"]) == 200


def test_a_session_without_the_required_second_factor_cannot_create_a_token(nurse, settings) -> None:
    settings.REQUIRE_MFA = True
    browser = Client()
    browser.force_login(nurse)
    created = browser.post("/api/v1/tokens", json.dumps({"name": "x"}), content_type="application/json")
    assert created.status_code == 401
    assert not ApiToken.objects.filter(user=nurse).exists()


def test_the_command_line_lists_and_revokes_tokens(nurse, capsys) -> None:
    token, plain = accounts.create_api_token(user=nurse, name="ward tablet")
    call_command("token", "list", "nurse")
    listed = capsys.readouterr().out
    assert "ward tablet" in listed and "expires" in listed
    call_command("token", "revoke", str(token.pk))
    assert "revoked" in capsys.readouterr().out
    assert reads(plain) == 401
