"""Writes to accounts: each one atomic and audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ketacare.accounts.models import ApiToken, Clinic, Credential, Membership, User
from ketacare.accounts.roles import Action, Role, role_may
from ketacare.audit.services import record_event

TOKEN_PREFIX = "kc_"


@transaction.atomic
def create_user(
    *,
    username: str,
    password: str | None,
    display_name: str = "",
    email: str = "",
    by: User | None = None,
) -> User:
    user = User(username=username, display_name=display_name, email=email)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    record_event(actor=by, action="create", entity=user, detail={"username": username})
    return user


@transaction.atomic
def add_membership(*, user: User, clinic: Clinic, role: Role, by: User | None = None) -> Membership:
    membership = Membership(user=user, clinic=clinic, role=role)
    membership.full_clean()
    membership.save()
    record_event(actor=by, action="create", entity=membership, clinic=clinic, detail={"role": str(role)})
    return membership


@transaction.atomic
def record_credential(
    *,
    user: User,
    kind: str,
    expires_on: dt.date,
    licence_type: str = "",
    number: str = "",
    jurisdiction: str = "",
    by: User | None = None,
) -> Credential:
    if by is not None and not staff_managed_by(by).filter(pk=user.pk).exists():
        raise PermissionDenied(
            "Only a clinic administrator of this clinician's clinic may record credentials."
        )
    credential = Credential(
        user=user,
        kind=kind,
        licence_type=licence_type,
        number=number,
        jurisdiction=jurisdiction,
        expires_on=expires_on,
    )
    credential.full_clean()
    credential.save()
    record_event(
        actor=by, action="create", entity=credential, detail={"kind": kind, "expires_on": str(expires_on)}
    )
    return credential


# Licence types allowed to administer ketamine; a therapist's licence is not one of them.
ADMINISTERING_LICENCES = frozenset(
    {
        Credential.LicenceType.PHYSICIAN,
        Credential.LicenceType.NURSE_PRACTITIONER,
        Credential.LicenceType.REGISTERED_NURSE,
    }
)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.allowed


def may_administer_ketamine(user: User, clinic: Clinic, *, on: dt.date | None = None) -> Decision:
    """May this user administer ketamine in this clinic on this day? If not, every reason why."""
    today = on or timezone.localdate()
    reasons: list[str] = []
    membership = Membership.objects.filter(user=user, clinic=clinic, active=True).first()
    if membership is None:
        return Decision(False, [f"{user} is not on the staff of {clinic}."])
    if not role_may(membership.role, Action.ADMINISTER_KETAMINE):
        reasons.append(f"The role {membership.get_role_display()} does not administer ketamine.")

    valid = Credential.objects.filter(user=user, revoked=False, expires_on__gte=today)
    licences = [c for c in user.credentials.filter(kind=Credential.Kind.LICENCE, revoked=False)]
    if not valid.filter(kind=Credential.Kind.LICENCE, licence_type__in=ADMINISTERING_LICENCES).exists():
        expired = [c for c in licences if c.expires_on < today and c.licence_type in ADMINISTERING_LICENCES]
        if expired:
            latest = max(expired, key=lambda c: c.expires_on)
            reasons.append(
                f"The professional licence {latest.number} expired on {latest.expires_on:%d %b %Y}."
            )
        else:
            reasons.append(
                "No professional licence (physician, nurse practitioner or registered nurse) is on file."
            )

    required = clinic.administering_requires
    if not valid.filter(kind=required).exists():
        label = Clinic.LifeSupport(required).label
        last = user.credentials.filter(kind=required, revoked=False).order_by("-expires_on").first()
        if last is not None:
            reasons.append(f"The {label} certificate expired on {last.expires_on:%d %b %Y}.")
        else:
            reasons.append(f"No {label} certificate is on file; {clinic} requires one.")
    return Decision(not reasons, reasons)


def staff_managed_by(admin: User) -> QuerySet[User]:
    """The users who belong to a clinic where `admin` manages staff."""
    clinics = Membership.objects.filter(user=admin, active=True, role=Role.CLINIC_ADMIN).values("clinic")
    return User.objects.filter(memberships__clinic__in=clinics, memberships__active=True).distinct()


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_api_token(*, user: User, name: str, by: User | None = None) -> tuple[ApiToken, str]:
    """Create a token; the plain token is returned once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=plain[:10], token_hash=_hash_token(plain))
    record_event(actor=by or user, action="create", entity=token, detail={"name": name})
    return token, plain


def user_for_api_token(plain: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    if not plain.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=_hash_token(plain), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def revoke_api_token(*, token: ApiToken, by: User) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_event(actor=by, action="update", entity=token, detail={"revoked": True})
