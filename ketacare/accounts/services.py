"""Writes to accounts: each one atomic and audited."""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ketacare.accounts.models import ApiToken, Clinic, Credential, Membership, User
from ketacare.accounts.roles import STAFF_ROLES, Action, Role
from ketacare.accounts.selectors import TOKEN_PREFIX, _hash_token, require_in_clinic, staff_managed_by
from ketacare.audit.actions import AuditAction
from ketacare.audit.services import record_event


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
    record_event(actor=by, action=AuditAction.CREATE, entity=user, detail={"username": username})
    return user


@transaction.atomic
def add_membership(*, user: User, clinic: Clinic, role: Role, by: User | None = None) -> Membership:
    membership = Membership(user=user, clinic=clinic, role=role)
    membership.full_clean()
    membership.save()
    record_event(
        actor=by, action=AuditAction.CREATE, entity=membership, clinic=clinic, detail={"role": str(role)}
    )
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
        actor=by,
        action=AuditAction.CREATE,
        entity=credential,
        detail={"kind": kind, "expires_on": str(expires_on)},
    )
    return credential


# --- staff management by clinic administrators -------------------------------------------------

# Says only that the name is taken: nothing about whose it is or where they work.
USERNAME_TAKEN = "This username is already taken. Choose another."


def _require_staff_role(role: str) -> None:
    if role not in STAFF_ROLES:
        raise ValidationError({"role": "Choose a staff role; patients get their login from their record."})


def _staff_membership_of(membership: Membership) -> Membership:
    """The membership read again under a row lock (so two administrators do not race on it),
    refused if it is a patient's: those belong to the patient record, not the staff pages."""
    locked = Membership.objects.select_for_update().select_related("user", "clinic").get(pk=membership.pk)
    if locked.role not in STAFF_ROLES:
        raise ValidationError("This is a patient's membership; it is managed from the patient record.")
    return locked


def _refuse_if_last_admin(membership: Membership, by: User) -> None:
    """Refuse to end or demote the clinic's last active administrator: nobody could manage its staff."""
    if membership.role != Role.CLINIC_ADMIN or not membership.active:
        return
    # Lock every active administrator row of the clinic, so two administrators who step down at
    # the same moment cannot each see the other and leave the clinic with none (PostgreSQL; SQLite
    # already runs one write transaction at a time).
    admins = list(
        Membership.objects.select_for_update()
        .filter(clinic=membership.clinic, role=Role.CLINIC_ADMIN, active=True)
        .values_list("pk", flat=True)
    )
    if admins == [membership.pk]:
        who = "You are" if membership.user_id == by.pk else f"{membership.user} is"
        raise ValidationError(
            f"{who} the last active clinic administrator of {membership.clinic}: make someone else a "
            "clinic administrator first, or nobody could manage its staff."
        )


@transaction.atomic
def add_staff_member(
    *,
    by: User,
    clinic: Clinic,
    username: str,
    display_name: str,
    email: str,
    role: str,
    password: str,
) -> Membership:
    """A new login and its membership of the clinic, both or neither. The password is the initial
    one the administrator sets; two-factor enrolment follows at first log-in (TwoFactorMiddleware)."""
    require_in_clinic(by, clinic, Action.MANAGE_STAFF)
    _require_staff_role(role)
    # Case-insensitive, as Django's own user-creation form: "Nurse" and "nurse" would confuse people.
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": USERNAME_TAKEN})
    candidate = User(username=username, display_name=display_name, email=email)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from exc
    try:
        with transaction.atomic():
            user = create_user(
                username=username, password=password, display_name=display_name, email=email, by=by
            )
    except IntegrityError as exc:  # taken between the check above and the insert
        raise ValidationError({"username": USERNAME_TAKEN}) from exc
    return add_membership(user=user, clinic=clinic, role=Role(role), by=by)


@transaction.atomic
def change_staff_role(*, by: User, membership: Membership, role: str) -> Membership:
    require_in_clinic(by, membership.clinic, Action.MANAGE_STAFF)
    _require_staff_role(role)
    membership = _staff_membership_of(membership)
    if not membership.active:
        raise ValidationError("This membership has ended. Reactivate it before changing the role.")
    before = membership.role
    if before == role:
        return membership
    if role != Role.CLINIC_ADMIN:
        _refuse_if_last_admin(membership, by)
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    record_event(
        actor=by,
        action=AuditAction.UPDATE,
        entity=membership,
        clinic=membership.clinic,
        detail={"user": membership.user.get_username(), "role_before": before, "role_after": role},
    )
    return membership


@transaction.atomic
def end_membership(*, by: User, membership: Membership, reason: str) -> Membership:
    """End a staff member's work in one clinic: from the next request they see none of its patients.
    The row stays (never deleted) and can be reactivated; the user keeps other clinics' memberships."""
    require_in_clinic(by, membership.clinic, Action.MANAGE_STAFF)
    membership = _staff_membership_of(membership)
    if not membership.active:
        raise ValidationError("This membership has already ended.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why this membership ends."})
    _refuse_if_last_admin(membership, by)
    membership.active = False
    membership.ended_at = timezone.now()
    membership.end_reason = reason
    membership.full_clean()
    membership.save(update_fields=["active", "ended_at", "end_reason"])
    record_event(
        actor=by,
        action=AuditAction.UPDATE,
        entity=membership,
        clinic=membership.clinic,
        detail={
            "user": membership.user.get_username(),
            "active_before": True,
            "active_after": False,
            "role": membership.role,
            "reason": reason,
        },
    )
    return membership


@transaction.atomic
def reactivate_membership(*, by: User, membership: Membership) -> Membership:
    require_in_clinic(by, membership.clinic, Action.MANAGE_STAFF)
    membership = _staff_membership_of(membership)
    if membership.active:
        raise ValidationError("This membership is already active.")
    membership.active = True
    membership.ended_at = None
    membership.end_reason = ""
    membership.full_clean()
    membership.save(update_fields=["active", "ended_at", "end_reason"])
    record_event(
        actor=by,
        action=AuditAction.UPDATE,
        entity=membership,
        clinic=membership.clinic,
        detail={
            "user": membership.user.get_username(),
            "active_before": False,
            "active_after": True,
            "role": membership.role,
        },
    )
    return membership


@transaction.atomic
def create_api_token(
    *, user: User, name: str, by: User | None = None, days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a token that expires after `days` (the configured lifetime by default, never more);
    the plain token is returned once and never stored."""
    from ketacare.accounts.tokens import expiry_for

    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=plain[:10],
        token_hash=_hash_token(plain),
        expires_at=expiry_for(days),
    )
    record_event(actor=by or user, action=AuditAction.CREATE, entity=token, detail={"name": name})
    return token, plain


def revoke_api_token(*, token: ApiToken, by: User) -> None:
    """Kept for callers of the services module; the policy (who may revoke) is tokens.revoke's."""
    from ketacare.accounts.tokens import revoke

    revoke(by=by, token=token)


def confirm_second_factor(*, user: User, code: str, field: str = "otp_token") -> None:
    """Step-up check before an act that outlives the session (minting an API token): the current code
    from the user's authenticator app when they have one; refused outright when two-factor login is
    required of them and they have none. A code is accepted once (django-otp refuses a replay)."""
    from django.conf import settings
    from django_otp import devices_for_user

    from ketacare.accounts.selectors import is_staff_member

    devices = list(devices_for_user(user, confirmed=True))
    if not devices:
        if settings.REQUIRE_MFA and is_staff_member(user):
            raise ValidationError({field: "Set up two-factor login before creating an API token."})
        return
    if not any(device.verify_token((code or "").replace(" ", "")) for device in devices):
        raise ValidationError({field: "Enter the current code from your authenticator app."})


def create_own_api_token(
    *, user: User, name: str, days: int | None = None, otp_token: str = ""
) -> tuple[ApiToken, str]:
    """A token the user makes for themselves (page and API): a token lasts longer than a session, so
    its creation asks for the second factor again where the user has one (confirm_second_factor).
    The check runs outside the token's transaction, so that django-otp's count of failed codes stays."""
    confirm_second_factor(user=user, code=otp_token)
    return create_api_token(user=user, name=name, days=days)
