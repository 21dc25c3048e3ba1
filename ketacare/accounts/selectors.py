"""Reads about users and their clinics."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.models import ApiToken, Clinic, Credential, Membership, User
from ketacare.accounts.roles import PERMISSIONS, STAFF_ROLES, Action, Role, role_may


def active_memberships(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, active=True, clinic__isnull=False).select_related("clinic")


def clinics_where(user: User, action: Action) -> QuerySet[Clinic]:
    """Clinics in which the user's role allows the action."""
    if not user.is_authenticated:
        return Clinic.objects.none()
    roles = [str(r) for r in PERMISSIONS[action]]
    return Clinic.objects.filter(
        memberships__user=user, memberships__active=True, memberships__role__in=roles
    )


def role_in(user: User, clinic: Clinic | int) -> Role | None:
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    membership = Membership.objects.filter(user=user, clinic_id=clinic_id, active=True).first()
    return Role(membership.role) if membership else None


def is_staff_member(user: User) -> bool:
    return (
        user.is_authenticated and active_memberships(user).exclude(role=Role.PATIENT).exists()  # type: ignore[union-attr]
    )


def second_factor_missing(user: User) -> str | None:
    """Why this logged-in user may not act yet: 'verify' (has a device, not used this session),
    'enrol' (staff, MFA required, no device), or None."""
    from django.conf import settings
    from django_otp import devices_for_user

    if user.is_verified():  # type: ignore[attr-defined]
        return None
    if any(True for _ in devices_for_user(user, confirmed=True)):
        return "verify"
    if settings.REQUIRE_MFA and is_staff_member(user):
        return "enrol"
    return None


def require_in_clinic(user: User, clinic: Clinic, action: Action) -> None:
    """Raise PermissionDenied unless the user's role in this clinic allows the action."""
    role = role_in(user, clinic)
    if role is None or not role_may(role, action):
        raise PermissionDenied(f"You may not {Action(action).label.lower()} in {clinic}.")


def staff_memberships_managed_by(user: User) -> QuerySet[Membership]:
    """Staff memberships, active and ended, of the clinics where the user manages staff.
    Patients' memberships are not staff and stay with the patient record."""
    return Membership.objects.filter(
        clinic__in=clinics_where(user, Action.MANAGE_STAFF), role__in=[str(r) for r in STAFF_ROLES]
    ).select_related("user", "clinic")


def get_staff_membership_for(user: User, membership_id: int) -> Membership:
    """A staff membership this user manages; any other answers 404 so that it does not leak."""
    membership = staff_memberships_managed_by(user).filter(pk=membership_id).first()
    if membership is None:
        raise Http404("No such staff member.")
    return membership


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


def user_for_api_token(plain: str) -> User | None:
    """The user a bearer token belongs to, or None: refused once revoked or expired, while the account
    is deactivated, and while the owner has no active membership of any clinic (everyone who left:
    reactivating a membership lets the token work again, within its expiry)."""
    if not plain.startswith(TOKEN_PREFIX):
        return None
    works_somewhere = Exists(Membership.objects.filter(user=OuterRef("user"), active=True))
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=_hash_token(plain), revoked_at__isnull=True, user__is_active=True)
        .filter(works_somewhere)
        .first()
    )
    if token is None:
        return None
    from ketacare.accounts.tokens import is_expired

    if is_expired(token):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


TOKEN_PREFIX = "kc_"


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
