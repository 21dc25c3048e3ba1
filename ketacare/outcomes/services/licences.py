"""Instruments and their licences (permissions a clinic records and withdraws), and the clinic's
outcome settings: writes of a clinic administrator.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare import instruments
from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Action
from ketacare.accounts.selectors import require_in_clinic
from ketacare.audit.actions import AuditAction
from ketacare.instruments.model import Instrument
from ketacare.outcomes.models import (
    ClinicOutcomeSettings,
    InstrumentPermission,
)
from ketacare.outcomes.selectors import instrument_available
from ketacare.records import save_audited

# --- instruments and their licences -------------------------------------------------------------


def instrument_or_error(instrument_id: str) -> Instrument:
    try:
        return instruments.get_instrument(instrument_id)
    except instruments.UnknownInstrument:
        raise ValidationError({"instrument": f"There is no instrument '{instrument_id}'."}) from None


def require_available(clinic: Clinic, instrument: Instrument) -> None:
    if instrument_available(clinic, instrument):
        return
    withdrawn = (
        InstrumentPermission.objects.filter(clinic=clinic, instrument_id=instrument.id)
        .order_by("-withdrawn_at")
        .first()
    )
    if withdrawn is not None and withdrawn.withdrawn_at is not None:
        why = f"{clinic} withdrew its permission on {withdrawn.withdrawn_at:%Y-%m-%d}"
    else:
        why = f"{clinic} has not recorded it"
    raise ValidationError(
        {
            "instrument": f"{instrument.abbreviation} may be used only with its rights holder's "
            f"permission, and {why}. A clinic administrator can record it."
        }
    )


@transaction.atomic
def record_instrument_permission(
    *, by: User, clinic: Clinic, instrument_id: str, granted_by: str, reference: str
) -> InstrumentPermission:
    """Record the rights holder's permission; after a withdrawal a new permission may be recorded
    (the withdrawn one stays as it was)."""
    require_in_clinic(by, clinic, Action.MANAGE_OUTCOME_SETTINGS)
    instrument = instrument_or_error(instrument_id)
    if not instrument.licence.requires_permission:
        raise ValidationError({"instrument": f"{instrument.abbreviation} needs no permission."})
    if instrument_available(clinic, instrument):
        raise ValidationError(
            {"instrument": f"{clinic} already has a permission for {instrument.abbreviation}."}
        )
    permission = InstrumentPermission(
        clinic=clinic,
        instrument_id=instrument.id,
        granted_by=granted_by.strip(),
        reference=reference.strip(),
        recorded_by=by,
    )
    save_audited(
        permission, by=by, action=AuditAction.CREATE, clinic=clinic, detail={"instrument": instrument.id}
    )
    return permission


@transaction.atomic
def withdraw_instrument_permission(
    *, by: User, permission: InstrumentPermission, reason: str
) -> InstrumentPermission:
    """End a permission (the rights holder withdrew it, the licence lapsed, it was recorded by
    mistake). The row stays with who, when and why; the instrument is no longer offered for new
    assignments or responses in that clinic. Responses already recorded are not touched."""
    require_in_clinic(by, permission.clinic, Action.MANAGE_OUTCOME_SETTINGS)
    # Read the row again under a lock so two administrators cannot both withdraw it.
    permission.refresh_from_db(from_queryset=InstrumentPermission.objects.select_for_update())
    if permission.withdrawn_at is not None:
        raise ValidationError("This permission was already withdrawn.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the permission is withdrawn (for example: licence ended)."})
    permission.withdrawn_at = timezone.now()
    permission.withdrawn_by = by
    permission.withdrawal_reason = reason.strip()[:300]
    save_audited(
        permission,
        by=by,
        action=AuditAction.WITHDRAW,
        clinic=permission.clinic,
        detail={"instrument": permission.instrument_id, "reason": permission.withdrawal_reason},
    )
    return permission


@transaction.atomic
def update_outcome_settings(
    *,
    by: User,
    clinic: Clinic,
    relapse_definition: str,
    regular_use_days: int | None = None,
    crisis_information: str = "",
) -> ClinicOutcomeSettings:
    require_in_clinic(by, clinic, Action.MANAGE_OUTCOME_SETTINGS)
    current = ClinicOutcomeSettings.objects.filter(clinic=clinic).first() or ClinicOutcomeSettings(
        clinic=clinic
    )
    current.relapse_definition = relapse_definition
    current.regular_use_days = regular_use_days
    current.crisis_information = crisis_information.strip()
    current.updated_by = by
    if relapse_definition == ClinicOutcomeSettings.RelapseDefinition.REGULAR_USE and not regular_use_days:
        raise ValidationError(
            {"regular_use_days": "Say how many consecutive days of use count as regular use."}
        )
    save_audited(
        current,
        by=by,
        action=AuditAction.UPDATE,
        clinic=clinic,
        detail={"relapse_definition": relapse_definition, "regular_use_days": regular_use_days},
    )
    return current
