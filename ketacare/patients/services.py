"""Every write to the patient record: atomic, checked against the actor's role, audited.

Nothing is deleted. A correction of a clinical entry marks it entered-in-error with a reason and,
where it replaces it, records the new entry in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Action
from ketacare.accounts.selectors import require_in_clinic, role_in
from ketacare.audit.actions import AuditAction
from ketacare.patients.models import (
    Allergy,
    BodyMeasurement,
    CareTeamMember,
    ClinicalEntry,
    HistoryFlag,
    Medication,
    Patient,
    SubstanceUseDisorder,
)
from ketacare.records import mark_in_error_audited, save_audited

DEMOGRAPHIC_FIELDS = (
    "medical_record_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex_at_birth",
    "gender",
    "phone",
    "email",
    "address",
    "emergency_contact",
)


@transaction.atomic
def register_patient(
    *,
    by: User,
    clinic: Clinic,
    weight_kg: Decimal | None = None,
    height_cm: Decimal | None = None,
    **demographics: Any,
) -> Patient:
    """Register a patient, with a first weight and height when given. All or nothing."""
    require_in_clinic(by, clinic, Action.CREATE_PATIENT)
    unknown = set(demographics) - set(DEMOGRAPHIC_FIELDS)
    if unknown:
        raise TypeError(f"Unknown patient fields: {sorted(unknown)}")
    patient = Patient(clinic=clinic, **demographics)
    save_audited(
        patient, by=by, action=AuditAction.CREATE, patient=patient, clinic=clinic, validate_constraints=True
    )
    if weight_kg is not None:
        record_body_measurement(by=by, patient=patient, weight_kg=weight_kg, height_cm=height_cm)
    return patient


@transaction.atomic
def update_demographics(*, by: User, patient: Patient, **changes: Any) -> list[str]:
    """Change name, contact and identifiers; returns the fields that changed. History keeps the old."""
    require_in_clinic(by, patient.clinic, Action.EDIT_DEMOGRAPHICS)
    unknown = set(changes) - set(DEMOGRAPHIC_FIELDS)
    if unknown:
        raise TypeError(f"Unknown patient fields: {sorted(unknown)}")
    changed = [name for name, value in changes.items() if getattr(patient, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(patient, name, changes[name])
    save_audited(
        patient,
        by=by,
        action=AuditAction.UPDATE,
        patient=patient,
        detail={"fields": changed},
        validate_constraints=True,
    )
    return changed


def _record_entry(by: User, patient: Patient, entry: ClinicalEntry, detail: dict[str, Any]) -> None:
    require_in_clinic(by, patient.clinic, Action.EDIT_CLINICAL)
    entry.recorded_by = by
    save_audited(
        entry, by=by, action=AuditAction.CREATE, patient=patient, detail=detail, validate_constraints=True
    )


@transaction.atomic
def record_body_measurement(
    *,
    by: User,
    patient: Patient,
    weight_kg: Decimal,
    height_cm: Decimal | None = None,
    measured_at: dt.datetime | None = None,
    confirmed: bool = False,
) -> BodyMeasurement:
    """A weight (and height). One that differs from the last by more than the clinic's percentage
    (plans' clinic-set limit, issue 10) asks "is this right?" and is saved only when `confirmed`."""
    _ask_if_weight_jumped(patient, weight_kg, confirmed)
    measurement = BodyMeasurement(
        patient=patient, weight_kg=weight_kg, height_cm=height_cm, measured_at=measured_at or timezone.now()
    )
    _record_entry(by, patient, measurement, {})
    return measurement


def _ask_if_weight_jumped(patient: Patient, weight_kg: Decimal, confirmed: bool) -> None:
    from django.apps import apps

    from ketacare.rules.dose_checks import weight_change_percent, weight_needs_confirmation

    if confirmed:
        return
    # The clinic's limit lives with the other safety limits in `plans`, which sits above this app:
    # read by name, not imported.
    limit = (
        apps.get_model("plans", "ClinicSafetySettings")
        .objects.filter(clinic_id=patient.clinic_id)
        .values_list("weight_change_percent_max", flat=True)
        .first()
    )
    last = patient.measurements.filter(entered_in_error=False).order_by("-measured_at", "-id").first()
    previous = last.weight_kg if last else None
    if last is not None and weight_needs_confirmation(previous, Decimal(weight_kg), limit):
        change = weight_change_percent(last.weight_kg, Decimal(weight_kg))
        raise ValidationError(
            {
                "weight_kg": (
                    f"Is this right? {weight_kg} kg is {change}% away from the last weight, "
                    f"{last.weight_kg} kg on {last.measured_at:%Y-%m-%d} (your clinic asks above {limit}%). "
                    "Weigh again, or confirm."
                )
            },
            code="confirm",
        )


@transaction.atomic
def add_allergy(
    *, by: User, patient: Patient, substance: str, reaction: str = "", severity: str = "unknown"
) -> Allergy:
    allergy = Allergy(patient=patient, substance=substance, reaction=reaction, severity=severity)
    _record_entry(by, patient, allergy, {})
    return allergy


@transaction.atomic
def add_medication(
    *,
    by: User,
    patient: Patient,
    name: str,
    drug_class: str,
    dose_text: str = "",
    started_on: dt.date | None = None,
    stopped_on: dt.date | None = None,
) -> Medication:
    medication = Medication(
        patient=patient,
        name=name,
        drug_class=drug_class,
        dose_text=dose_text,
        started_on=started_on,
        stopped_on=stopped_on,
    )
    _record_entry(by, patient, medication, {"kind": drug_class})
    return medication


@transaction.atomic
def stop_medication(*, by: User, medication: Medication, stopped_on: dt.date) -> Medication:
    require_in_clinic(by, medication.patient.clinic, Action.EDIT_CLINICAL)
    medication.stopped_on = stopped_on
    save_audited(
        medication,
        by=by,
        action=AuditAction.UPDATE,
        patient=medication.patient,
        detail={"fields": ["stopped_on"]},
        validate_constraints=True,
    )
    return medication


@transaction.atomic
def add_history_flag(*, by: User, patient: Patient, flag: str, note: str = "") -> HistoryFlag:
    entry = HistoryFlag(patient=patient, flag=flag, note=note)
    _record_entry(by, patient, entry, {"flag": flag})
    return entry


@transaction.atomic
def record_substance_use_disorder(
    *,
    by: User,
    patient: Patient,
    substance: str,
    criteria_met: int,
    last_use_on: dt.date | None = None,
    is_primary: bool = False,
) -> SubstanceUseDisorder:
    disorder = SubstanceUseDisorder(
        patient=patient,
        substance=substance,
        criteria_met=criteria_met,
        last_use_on=last_use_on,
        is_primary=is_primary,
    )
    _record_entry(by, patient, disorder, {"substance": substance})
    return disorder


@transaction.atomic
def mark_entered_in_error(*, by: User, entry: ClinicalEntry, reason: str) -> None:
    """Withdraw a wrong entry. It stays in the record, struck through, with who, when and why."""
    patient: Patient = entry.patient  # type: ignore[attr-defined]
    require_in_clinic(by, patient.clinic, Action.EDIT_CLINICAL)
    mark_in_error_audited(entry, reason, by=by, patient=patient)


@transaction.atomic
def add_care_team_member(
    *, by: User, patient: Patient, member: User, is_responsible: bool = False
) -> CareTeamMember:
    require_in_clinic(by, patient.clinic, Action.EDIT_DEMOGRAPHICS)
    if role_in(member, patient.clinic) is None:
        raise ValidationError(f"{member} is not on the staff of {patient.clinic}.")
    if is_responsible:
        for previous in patient.care_team.filter(is_responsible=True):
            previous.is_responsible = False
            previous.save(update_fields=["is_responsible"])
    entry = CareTeamMember(patient=patient, user=member, is_responsible=is_responsible)
    save_audited(
        entry,
        by=by,
        action=AuditAction.CREATE,
        patient=patient,
        detail={"member": member.get_username(), "responsible": is_responsible},
        validate_constraints=True,
    )
    return entry


@transaction.atomic
def link_portal_user(*, by: User, patient: Patient, user: User) -> None:
    require_in_clinic(by, patient.clinic, Action.EDIT_DEMOGRAPHICS)
    patient.portal_user = user
    save_audited(
        patient,
        by=by,
        action=AuditAction.UPDATE,
        patient=patient,
        detail={"fields": ["portal_user"]},
        validate_constraints=True,
    )
