"""Every read of patient data, scoped to the user: the one place where access to a record is decided.

`may` is the rule (staff by role in the patient's clinic; a portal user on their own record only,
and only the self-report actions of `PATIENT_SELF_ACTIONS`); `get_patient_for` applies it when a
record is fetched: a record the user may not know about (another clinic's, or another patient's for
a portal user) answers 404 so that its existence does not leak; a known record with too little role
answers 403. Both are audited (`audit.services.record_refusal`), as is every successful read.
Services check the same rule inside their transaction with `require`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from ketacare.accounts.models import User
from ketacare.accounts.roles import PATIENT_SELF_ACTIONS, Action, Role, role_may
from ketacare.accounts.selectors import clinics_where, role_in
from ketacare.audit.actions import AuditAction
from ketacare.audit.models import AuditEvent
from ketacare.audit.services import record_event, record_refusal
from ketacare.patients.models import BodyMeasurement, Patient


def patients_visible_to(user: User, action: Action = Action.VIEW_PATIENT) -> QuerySet[Patient]:
    return Patient.objects.filter(clinic__in=clinics_where(user, action)).select_related("clinic")


def search_patients(user: User, query: str = "", *, audit: bool = False) -> QuerySet[Patient]:
    """The patients a staff member may see, filtered by name, record number or date of birth; with
    `audit` the search is audited (the API's; the list page audits nothing today)."""
    if audit:
        record_event(
            actor=user, action=AuditAction.SEARCH, entity_type="patients.patient", detail={"query": query}
        )
    patients = patients_visible_to(user)
    for term in query.split():
        patients = patients.filter(
            Q(given_name__icontains=term)
            | Q(family_name__icontains=term)
            | Q(medical_record_number__icontains=term)
            | Q(date_of_birth__icontains=term)
        )
    return patients.order_by("family_name", "given_name", "id")


def is_own_record(user: User, patient: Patient) -> bool:
    return patient.portal_user_id is not None and patient.portal_user_id == user.pk


def may(user: User, patient: Patient, action: Action) -> bool:
    """The access rule: staff by their role in the patient's clinic; a portal user on their own
    record only, and only the self-report actions."""
    if is_own_record(user, patient):
        return action in PATIENT_SELF_ACTIONS
    role = role_in(user, patient.clinic_id)
    return role is not None and role != Role.PATIENT and role_may(role, action)


def require(user: User, patient: Patient, action: Action) -> None:
    """The same rule inside a service's transaction (not audited: the page or route already was)."""
    if not may(user, patient, action):
        raise PermissionDenied(f"You may not {Action(action).label.lower()} for this patient.")


def get_patient_for(
    user: User, patient_id: int, action: Action = Action.VIEW_PATIENT, *, read: bool = False
) -> Patient:
    """The patient, if this user may do this action on them; otherwise Http404 or PermissionDenied.
    Viewing the record is audited as a read; so is any other action when the caller shows what it
    read from the record (`read=True`)."""
    patient = Patient.objects.select_related("clinic").filter(pk=patient_id).first()
    if patient is None:
        _refuse(user, patient_id, None, action, AuditEvent.Outcome.NOT_FOUND)
        raise Http404("No such patient.")

    if is_own_record(user, patient):
        if action not in PATIENT_SELF_ACTIONS:
            _refuse(user, patient_id, patient, action, AuditEvent.Outcome.DENIED)
            raise PermissionDenied("Patients can read their record but not change it here.")
    else:
        role = role_in(user, patient.clinic)
        if role is None or role == Role.PATIENT:
            _refuse(user, patient_id, patient, action, AuditEvent.Outcome.NOT_FOUND)
            raise Http404("No such patient.")
        if not role_may(role, action):
            _refuse(user, patient_id, patient, action, AuditEvent.Outcome.DENIED)
            raise PermissionDenied(f"Your role ({role.label}) may not do this.")

    if action == Action.VIEW_PATIENT or read:
        record_event(
            actor=user, action=AuditAction.READ, entity=patient, clinic=patient.clinic, patient_id=patient.pk
        )
    return patient


def own_patient_record(user: User) -> Patient:
    """A portal user's own record."""
    patient = Patient.objects.select_related("clinic").filter(portal_user=user).first()
    if patient is None:
        raise Http404("No patient record is linked to this login.")
    record_event(
        actor=user, action=AuditAction.READ, entity=patient, clinic=patient.clinic, patient_id=patient.pk
    )
    return patient


def _refuse(user: User, patient_id: int, patient: Patient | None, action: Action, outcome: str) -> None:
    record_refusal(
        actor=user,
        action=action,
        entity_type="patients.patient",
        entity_id=patient_id,
        clinic=patient.clinic if patient is not None else None,
        patient_id=patient.pk if patient is not None else None,
        outcome=outcome,
    )


def latest_measurement(patient: Patient) -> BodyMeasurement | None:
    return patient.measurements.filter(entered_in_error=False).order_by("-measured_at", "-id").first()


def record_sections(patient: Patient) -> dict[str, QuerySet]:  # type: ignore[type-arg]
    """The lists shown on a patient's page, current entries first, each in one query."""
    return {
        "measurements": patient.measurements.select_related("recorded_by").order_by("-measured_at", "-id")[
            :20
        ],
        "allergies": patient.allergies.filter(entered_in_error=False),
        "medications": patient.medications.filter(entered_in_error=False).order_by("stopped_on", "name"),
        "history_flags": patient.history_flags.filter(entered_in_error=False),
        "substance_use_disorders": patient.substance_use_disorders.filter(entered_in_error=False),
        "care_team": patient.care_team.filter(active=True).select_related("user"),
    }


def with_latest_weight(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """Annotate each patient with their latest valid weight, in the same query."""
    latest = BodyMeasurement.objects.filter(patient=OuterRef("pk"), entered_in_error=False).order_by(
        "-measured_at", "-id"
    )
    return patients.annotate(latest_weight_kg=Subquery(latest.values("weight_kg")[:1]))
