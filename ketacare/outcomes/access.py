"""Who may do what on a patient's outcomes: staff by role in the patient's clinic, a portal user
only on their own record and only the self-report actions. Used by services (writes) and
selectors (reads), so the rule lives in one place."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from ketacare.accounts.models import User
from ketacare.accounts.roles import PATIENT_SELF_ACTIONS, Action, Role, role_may
from ketacare.accounts.selectors import require_in_clinic, role_in
from ketacare.patients.models import Patient


def is_own_record(user: User, patient: Patient) -> bool:
    return patient.portal_user_id is not None and patient.portal_user_id == user.pk


def may(user: User, patient: Patient, action: Action) -> bool:
    if is_own_record(user, patient):
        return action in PATIENT_SELF_ACTIONS
    role = role_in(user, patient.clinic_id)
    return role is not None and role != Role.PATIENT and role_may(role, action)


def require(user: User, patient: Patient, action: Action) -> None:
    if not may(user, patient, action):
        raise PermissionDenied(f"You may not {Action(action).label.lower()} for this patient.")


__all__ = ["is_own_record", "may", "require", "require_in_clinic"]  # require_in_clinic lives in accounts
