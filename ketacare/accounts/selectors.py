"""Reads about users and their clinics."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from ketacare.accounts.models import Clinic, Membership, User
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
