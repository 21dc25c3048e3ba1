"""Password reset by a clinic administrator: a one-time link, shown once (and e-mailed on request),
audited when issued and used, for the staff of the administrator's own clinics only; it sets a password
the validators accept, works once, expires, ends the person's open sessions and keeps their second factor."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import make_staff
from ketacare.accounts import services as accounts
from ketacare.accounts.models import ApiToken, Membership, PasswordResetLink
from ketacare.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "quiet meadow lantern 42"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def issue(admin, user, **choices) -> str:
    """The one-time link's path, as the administrator is shown it."""
    membership = Membership.objects.get(user=user)
    answer = logged_in(admin).post(f"/accounts/staff/memberships/{membership.pk}/password-reset/", choices)
    assert answer.status_code == 200, answer.content
    url = answer.context["url"]
    return re.sub(r"^https?://[^/]+", "", url)


def set_password(path: str, password: str = NEW_PASSWORD, client: Client | None = None):
    return (client or Client()).post(path, {"password": password, "password_again": password})


def can_log_in(username: str, password: str) -> bool:
    answer = Client().post("/accounts/login/", {"username": username, "password": password})
    return answer.status_code == 302


def test_an_administrator_issues_a_link_and_the_nurse_sets_a_new_password_with_it(
    nurse, clinic_admin
) -> None:
    path = issue(clinic_admin, nurse)
    assert Client().get(path).status_code == 200
    done = set_password(path)
    assert done.status_code == 302 and done["Location"] == "/accounts/login/"
    assert can_log_in("nurse", NEW_PASSWORD) and not can_log_in("nurse", "correct horse battery")
    issued = AuditEvent.objects.get(action="password-reset.issued")
    used = AuditEvent.objects.get(action="password-reset.used")
    assert issued.actor == clinic_admin and issued.detail["user"] == "nurse"
    assert used.actor == nurse and used.outcome == "success"
    secret = path.rstrip("/").rsplit("/", 1)[1]
    assert PasswordResetLink.objects.get().token_hash == hashlib.sha256(secret.encode()).hexdigest()


def test_the_link_works_once(nurse, clinic_admin) -> None:
    path = issue(clinic_admin, nurse)
    set_password(path)
    again = set_password(path, "another fine password 7")
    assert again.status_code == 410
    assert can_log_in("nurse", NEW_PASSWORD)
    assert Client().get(path).status_code == 410


def test_a_refused_use_is_audited(nurse, clinic_admin) -> None:
    from django.core.exceptions import ValidationError

    from ketacare.accounts import password_reset

    path = issue(clinic_admin, nurse)
    secret = path.rstrip("/").rsplit("/", 1)[1]
    password_reset.use_link(secret=secret, password=NEW_PASSWORD)
    with pytest.raises(ValidationError):
        password_reset.use_link(secret=secret, password="another fine password 7")
    assert AuditEvent.objects.filter(action="password-reset.used", outcome="failed").count() == 1


def test_an_expired_link_is_refused(nurse, clinic_admin) -> None:
    path = issue(clinic_admin, nurse)
    PasswordResetLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert Client().get(path).status_code == 410
    assert set_password(path).status_code == 410
    assert can_log_in("nurse", "correct horse battery")


def test_a_link_lasts_the_configured_hours(nurse, clinic_admin, settings) -> None:
    settings.PASSWORD_RESET_LINK_HOURS = 2
    issue(clinic_admin, nurse)
    left = PasswordResetLink.objects.get().expires_at - timezone.now()
    assert dt.timedelta(hours=1, minutes=59) < left <= dt.timedelta(hours=2)


def test_a_newer_link_cancels_the_older_one(nurse, clinic_admin) -> None:
    first = issue(clinic_admin, nurse)
    second = issue(clinic_admin, nurse)
    assert set_password(first).status_code == 410
    assert set_password(second).status_code == 302


def test_an_unknown_link_answers_404(db) -> None:
    assert Client().get("/accounts/reset/not-a-real-link/").status_code == 404


def test_the_password_validators_apply_and_a_refused_password_keeps_the_link(nurse, clinic_admin) -> None:
    path = issue(clinic_admin, nurse)
    weak = set_password(path, "password")
    assert weak.status_code == 200 and "password" in weak.context["form"].errors
    differ = Client().post(path, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "x"})
    assert "password_again" in differ.context["form"].errors
    assert set_password(path).status_code == 302


def test_using_the_link_ends_the_persons_open_sessions(nurse, clinic_admin) -> None:
    open_session = logged_in(nurse)
    assert open_session.get("/patients/").status_code == 200
    set_password(issue(clinic_admin, nurse))
    assert open_session.get("/patients/").status_code == 302  # to log in


def test_the_second_factor_still_applies_after_a_reset(nurse, clinic_admin) -> None:
    TOTPDevice.objects.create(user=nurse, name="phone", confirmed=True)
    set_password(issue(clinic_admin, nurse))
    client = Client()
    logged = client.post("/accounts/login/", {"username": "nurse", "password": NEW_PASSWORD})
    assert logged.status_code == 302
    assert "/accounts/two-factor/" in client.get("/patients/")["Location"]
    assert TOTPDevice.objects.filter(user=nurse, confirmed=True).exists()


def test_using_the_link_lifts_a_lockout(nurse, clinic_admin, settings) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post("/accounts/login/", {"username": "nurse", "password": "wrong password!"})
    locked = Client().post("/accounts/login/", {"username": "nurse", "password": "correct horse battery"})
    assert locked.status_code != 302
    set_password(issue(clinic_admin, nurse))
    assert (
        Client().post("/accounts/login/", {"username": "nurse", "password": NEW_PASSWORD}).status_code == 302
    )


def test_api_tokens_are_kept_unless_the_administrator_revokes_them(nurse, clinic_admin) -> None:
    _, kept = accounts.create_api_token(user=nurse, name="kept")
    set_password(issue(clinic_admin, nurse))
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()
    issue(clinic_admin, nurse, revoke_tokens="on")
    assert ApiToken.objects.get().revoked_at is not None
    assert AuditEvent.objects.filter(action="password-reset.issued", detail__revoked=1).exists()


def test_the_link_can_also_be_emailed(nurse, clinic_admin, django_capture_on_commit_callbacks) -> None:
    nurse.email = "nurse@example.org"
    nurse.save()
    with django_capture_on_commit_callbacks(execute=True):
        path = issue(clinic_admin, nurse, send_email="on")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nurse@example.org"]
    assert path in mail.outbox[0].body


def test_a_colleague_who_is_not_an_administrator_gets_403(nurse, prescriber) -> None:
    membership = Membership.objects.get(user=nurse)
    answer = logged_in(prescriber).post(f"/accounts/staff/memberships/{membership.pk}/password-reset/")
    assert answer.status_code == 403
    assert not PasswordResetLink.objects.exists()


def test_another_clinics_administrator_gets_404(nurse, other_clinic) -> None:
    other_admin = make_staff("otheradmin", other_clinic, "clinic_admin")
    membership = Membership.objects.get(user=nurse)
    url = f"/accounts/staff/memberships/{membership.pk}/password-reset/"
    assert logged_in(other_admin).get(url).status_code == 404
    assert logged_in(other_admin).post(url).status_code == 404
    assert not PasswordResetLink.objects.exists()


def test_an_ended_membership_gets_no_link(nurse, clinic_admin) -> None:
    membership = Membership.objects.get(user=nurse)
    accounts.end_membership(by=clinic_admin, membership=membership, reason="left")
    answer = logged_in(clinic_admin).post(f"/accounts/staff/memberships/{membership.pk}/password-reset/")
    assert answer.status_code == 200 and answer.context["form"].errors
    assert not PasswordResetLink.objects.exists()


def test_the_staff_page_offers_the_reset(nurse, clinic_admin) -> None:
    membership = Membership.objects.get(user=nurse)
    page = logged_in(clinic_admin).get("/accounts/staff/").content.decode()
    assert f"/accounts/staff/memberships/{membership.pk}/password-reset/" in page
