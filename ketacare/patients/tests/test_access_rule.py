"""One access rule: `patients.selectors.get_patient_for` decides for staff and for a patient's own record."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from ketacare.accounts.roles import PATIENT_SELF_ACTIONS, Action
from ketacare.audit.models import AuditEvent
from ketacare.patients.selectors import get_patient_for, may


def test_a_patient_reaches_their_own_record_for_the_self_report_actions_only(patient, patient_user) -> None:
    for action in Action:
        if action in PATIENT_SELF_ACTIONS:
            assert get_patient_for(patient_user, patient.pk, action) == patient
            assert may(patient_user, patient, action)
        else:
            with pytest.raises(PermissionDenied):
                get_patient_for(patient_user, patient.pk, action)
            assert not may(patient_user, patient, action)


def test_a_refusal_of_a_patients_own_record_is_audited_as_denied(patient, patient_user) -> None:
    with pytest.raises(PermissionDenied):
        get_patient_for(patient_user, patient.pk, Action.EDIT_CLINICAL)
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.outcome, event.patient_id) == ("patient.edit_clinical", "denied", patient.pk)


def test_another_clinics_record_is_not_found_and_audited(patient, outsider) -> None:
    with pytest.raises(Http404):
        get_patient_for(outsider, patient.pk)
    event = AuditEvent.objects.latest("id")
    assert (event.outcome, event.clinic_id) == ("not_found", patient.clinic_id)  # its auditor sees it


def test_a_read_for_another_action_is_audited_when_asked(patient, nurse) -> None:
    before = AuditEvent.objects.filter(action="read", patient_id=patient.pk).count()
    get_patient_for(nurse, patient.pk, Action.PLAN_DOSE)
    get_patient_for(nurse, patient.pk, Action.PLAN_DOSE, read=True)
    assert AuditEvent.objects.filter(action="read", patient_id=patient.pk).count() == before + 1
