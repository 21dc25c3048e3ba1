"""API token policy: tokens expire, are listed and revoked by their owner and by the administrators
of the clinics where the owner works, and are refused while the account is locked out.

- Lifetime: API_TOKEN_DAYS (settings, default 90); a token may be made shorter, never longer.
- A bearer token is a single factor, so it may not mint another token: creating one (page or API)
  needs a browser session that has passed the second factor where it is required (VerifiedSession,
  TwoFactorMiddleware), and the current authenticator code again where the user has an authenticator
  (services.create_own_api_token): a token outlives the session that made it.
- Refused: revoked, expired, the account deactivated (is_active False), its owner without an active
  membership of any clinic (selectors.user_for_api_token), or locked out by django-axes after failed
  log-ins (ketacare/api.py BearerToken).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from ketacare.accounts.models import ApiToken, Membership, User
from ketacare.accounts.roles import Action
from ketacare.accounts.selectors import clinics_where
from ketacare.audit.actions import AuditAction
from ketacare.audit.models import AuditEvent
from ketacare.audit.services import record_event, record_refusal


def lifetime_days() -> int:
    return int(getattr(settings, "API_TOKEN_DAYS", 90))


def expiry_for(days: int | None) -> dt.datetime:
    allowed = lifetime_days()
    if days is not None and not 1 <= days <= allowed:
        raise ValidationError({"days": f"A token lasts between 1 and {allowed} days."})
    return timezone.now() + dt.timedelta(days=days or allowed)


def expires_at(token: ApiToken) -> dt.datetime:
    return token.expires_at or token.created_at + dt.timedelta(days=lifetime_days())


def is_expired(token: ApiToken) -> bool:
    return expires_at(token) <= timezone.now()


def is_locked_out(request: HttpRequest, user: User) -> bool:
    """django-axes' lockout after failed log-ins (by username) also stops the user's tokens."""
    from axes.handlers.proxy import AxesProxyHandler

    return bool(AxesProxyHandler.is_locked(request, credentials={"username": user.get_username()}))


def tokens_visible_to(user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, and those of everyone working in a clinic they administer."""
    clinics = clinics_where(user, Action.MANAGE_STAFF)
    staff = Membership.objects.filter(clinic__in=clinics).values("user")
    return (
        ApiToken.objects.filter(Q(user=user) | Q(user__in=staff))
        .select_related("user")
        .order_by("-created_at", "-id")
    )


def token_for(user: User, token_id: int) -> ApiToken:
    """A token this user may manage (their own, or their clinics' staff's); any other answers 404,
    audited, so that it does not leak whether it exists."""
    token = tokens_visible_to(user).filter(pk=token_id).first()
    if token is None:
        record_refusal(
            actor=user,
            action=AuditAction.UPDATE,
            entity_type="accounts.apitoken",
            entity_id=token_id,
            outcome=AuditEvent.Outcome.NOT_FOUND,
        )
        raise Http404("No such token.")
    return token


@transaction.atomic
def revoke(*, by: User, token: ApiToken) -> ApiToken:
    if token.user_id != by.pk and not tokens_visible_to(by).filter(pk=token.pk).exists():
        raise PermissionDenied("You may revoke only your own tokens and those of your clinics' staff.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(actor=by, action=AuditAction.UPDATE, entity=token, detail={"revoked": True})
    return token
