"""Password reset by a clinic administrator: a one-time link, shown once, audited when issued and used.

- Who: an administrator of a clinic where the staff member has an active staff membership (another
  clinic's staff answers 404, a non-administrator 403). Patients' logins are not reset here.
- The link: a random secret in the URL, kept only as a SHA-256 hash; it works once, for at most
  PASSWORD_RESET_LINK_HOURS (settings, default 24); a newer link for the same person cancels older ones.
  No e-mail server is assumed: the administrator is shown the link once to hand over, and may also
  have it e-mailed to the address on file.
- Using it sets a new password (Django's validators apply), lifts a log-in lockout, and ends every
  open session of that person (Django checks each session against the password it was opened with).
  Their authenticator app is kept: the second factor still applies at the next log-in. Their API
  tokens are kept unless the administrator chose to revoke them when issuing the link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from axes.utils import reset as reset_lockout
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from ketacare.accounts.models import ApiToken, Membership, PasswordResetLink, User
from ketacare.accounts.roles import Action
from ketacare.accounts.selectors import require_in_clinic
from ketacare.audit.actions import AuditAction
from ketacare.audit.models import AuditEvent
from ketacare.audit.services import record_event

INVALID_LINK = (
    "This password-reset link is not valid: it has been used, has expired, or a newer one was "
    "issued. Ask your clinic administrator for a new link."
)


def lifetime() -> dt.timedelta:
    return dt.timedelta(hours=int(getattr(settings, "PASSWORD_RESET_LINK_HOURS", 24)))


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def is_usable(link: PasswordResetLink) -> bool:
    return link.used_at is None and link.cancelled_at is None and link.expires_at > timezone.now()


def link_for(secret: str) -> PasswordResetLink | None:
    """The link this secret belongs to, whatever its state (None when there is none)."""
    if not secret or len(secret) > 200:
        return None
    return PasswordResetLink.objects.select_related("user").filter(token_hash=_hash(secret)).first()


@transaction.atomic
def issue_link(
    *, by: User, membership: Membership, revoke_tokens: bool = False, send_email: bool = False
) -> tuple[PasswordResetLink, str]:
    """A new one-time link for the staff member of `membership`; returns it with its secret (shown once).
    Older unused links of that person are cancelled."""
    require_in_clinic(by, membership.clinic, Action.MANAGE_STAFF)
    membership = Membership.objects.select_related("user", "clinic").get(pk=membership.pk)
    user = membership.user
    if not membership.active or membership.role == "patient":
        raise ValidationError("Only an active staff member's password can be reset here.")
    if not user.is_active:
        raise ValidationError(f"The login {user.get_username()} is deactivated.")
    if send_email and not user.email:
        raise ValidationError({"send_email": f"{user} has no e-mail address on file."})
    now = timezone.now()
    PasswordResetLink.objects.filter(user=user, used_at__isnull=True, cancelled_at__isnull=True).update(
        cancelled_at=now
    )
    secret = secrets.token_urlsafe(32)
    link = PasswordResetLink.objects.create(
        user=user,
        clinic=membership.clinic,
        issued_by=by,
        token_hash=_hash(secret),
        expires_at=now + lifetime(),
    )
    revoked = 0
    if revoke_tokens:
        revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    detail: dict[str, object] = {"user": user.get_username(), "revoked": revoked}
    if send_email:
        detail["to"] = "e-mail"
    record_event(
        actor=by,
        action=AuditAction.PASSWORD_RESET_ISSUED,
        entity=link,
        clinic=membership.clinic,
        detail=detail,
    )
    return link, secret


def email_link(*, link: PasswordResetLink, url: str) -> None:
    """Send the link to the address on file once the transaction that issued it has committed."""
    hours = int(lifetime().total_seconds() // 3600)
    body = (
        f"An administrator of {link.clinic} issued this one-time link to set a new KetaCare password "
        f"for {link.user.get_username()}:\n\n{url}\n\nIt works once, for {hours} hours. "
        "You will still be asked for the code from your authenticator app when you log in.\n"
        "If you did not expect it, tell your clinic administrator."
    )
    address = link.user.email
    transaction.on_commit(
        lambda: send_mail("Your KetaCare password-reset link", body, None, [address], fail_silently=False)
    )


def use_link(*, secret: str, password: str) -> User:
    """Set the new password with a usable link, once. A refused link (used, expired, cancelled) is
    audited; a password the validators refuse is not a use (the link keeps working)."""
    link = link_for(secret)
    if link is None:
        raise ValidationError(INVALID_LINK)
    with transaction.atomic():
        link = PasswordResetLink.objects.select_for_update().select_related("user", "clinic").get(pk=link.pk)
        user = link.user
        if is_usable(link) and user.is_active:
            try:
                validate_password(password, user=user)
            except ValidationError as exc:
                raise ValidationError({"password": exc.error_list}) from exc
            user.set_password(password)  # changes the session hash: every open session of theirs ends
            user.save(update_fields=["password"])
            link.used_at = timezone.now()
            link.save(update_fields=["used_at"])
            reset_lockout(username=user.get_username())
            record_event(
                actor=user,
                action=AuditAction.PASSWORD_RESET_USED,
                entity=link,
                clinic=link.clinic,
                detail={"user": user.get_username()},
            )
            return user
        # Committed with the refusal, which is raised after the transaction.
        record_event(
            actor=None,
            action=AuditAction.PASSWORD_RESET_USED,
            entity=link,
            clinic=link.clinic,
            detail={"user": user.get_username()},
            outcome=AuditEvent.Outcome.FAILED,
        )
    raise ValidationError(INVALID_LINK)
