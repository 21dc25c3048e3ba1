"""Questionnaire responses and the safety alerts they raise. Nothing is deleted: a final questionnaire
is never edited; a correction marks it entered-in-error and records the corrected answers as a new
response that names it. Drafts may be edited until submitted; their history keeps each version.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ketacare import instruments
from ketacare.accounts.models import User
from ketacare.accounts.roles import Action, Role
from ketacare.audit.actions import AuditAction
from ketacare.instruments.model import Administration, Instrument
from ketacare.outcomes.models import (
    Assignment,
    QuestionnaireResponse,
    SafetyAlert,
)
from ketacare.outcomes.selectors import crisis_information, responsible_clinician
from ketacare.outcomes.services.licences import instrument_or_error, require_available
from ketacare.patients.models import Patient
from ketacare.patients.selectors import is_own_record, require
from ketacare.records import audit_row, mark_in_error_audited, save_audited

# The flags that alert the responsible clinician at once (named in the instruments core).
ALERTED_FLAGS = frozenset({instruments.FlagCode.SUICIDE_RISK})

Answers = Sequence[int | None]


# --- questionnaire responses --------------------------------------------------------------------


def _answer_errors(instrument: Instrument, exc: instruments.InstrumentError) -> ValidationError:
    """An instruments error as a ValidationError that names the item, in words a patient follows."""
    if isinstance(exc, instruments.IncompleteAnswers):
        return ValidationError(
            {
                f"answers.{m.position}": f"Question {m.label} ({m.item_text}) has no answer. Answer every "
                "question, or save as a draft to finish later."
                for m in exc.missing
            }
        )
    if isinstance(exc, instruments.AnswerError):
        return ValidationError(
            {f"answers.{exc.position}": f"Question {exc.label} ({exc.item_text}): {exc.problem}."}
        )
    if isinstance(exc, instruments.WrongAnswerCount):
        return ValidationError(
            {
                "answers": f"{instrument.abbreviation} has {exc.expected} questions; "
                f"{exc.got} answers were sent."
            }
        )
    return ValidationError({"answers": str(exc)})


def _check_answers_shape(answers: Any) -> list[int | None]:
    if not isinstance(answers, list | tuple):
        raise ValidationError({"answers": "Answers must be a list, one per question."})
    return list(answers)


def _require_may_record(by: User, patient: Patient, instrument: Instrument) -> None:
    if instrument.administration == Administration.CLINICIAN_RATED:
        if is_own_record(by, patient):
            raise PermissionDenied(f"{instrument.abbreviation} is rated by a clinician, not by the patient.")
        require(by, patient, Action.RATE_CLINICIAN_SCALE)
    else:
        require(by, patient, Action.RECORD_RESPONSE)


def _sex_for_scoring(patient: Patient) -> str | None:
    return patient.sex_at_birth if patient.sex_at_birth in ("female", "male") else None


def _score(instrument: Instrument, patient: Patient, answers: Answers) -> instruments.ScoreResult:
    try:
        return instruments.score(
            instrument.id, answers, sex=_sex_for_scoring(patient) if instrument.uses_sex else None
        )
    except instruments.InstrumentError as exc:
        raise _answer_errors(instrument, exc) from None


def _apply_score(response: QuestionnaireResponse, result: instruments.ScoreResult) -> None:
    response.status = QuestionnaireResponse.Status.FINAL
    response.score_total = result.total
    response.band_label = result.band.label if result.band else ""
    response.result = result.to_dict()
    response.flag_codes = [str(flag.code) for flag in result.flags]


@dataclass
class Recorded:
    """What a recorded response caused: the response and the safety alerts it raised."""

    response: QuestionnaireResponse
    alerts: list[SafetyAlert] = field(default_factory=list)

    @property
    def crisis_information(self) -> str | None:
        if instruments.FlagCode.SUICIDE_RISK in self.response.flag_codes:
            return crisis_information(self.response.patient.clinic)
        return None


@transaction.atomic
def record_response(
    *,
    by: User,
    patient: Patient,
    instrument_id: str,
    answers: Answers,
    draft: bool = False,
    answered_at: dt.datetime | None = None,
    assignment: Assignment | None = None,
) -> Recorded:
    """Store a questionnaire. Complete answers are scored; a draft is checked for impossible answers
    only, stored, and never scored. Alarming flags alert the responsible clinician at once."""
    instrument = instrument_or_error(instrument_id)
    _require_may_record(by, patient, instrument)
    require_available(patient.clinic, instrument)
    answers = _check_answers_shape(answers)
    if assignment is not None and (
        assignment.patient_id != patient.pk or assignment.instrument_id != instrument.id
    ):
        raise ValidationError({"assignment": "That assignment is for another patient or questionnaire."})
    response = QuestionnaireResponse(
        patient=patient,
        instrument_id=instrument.id,
        assignment=assignment,
        answers=answers,
        answered_at=answered_at or timezone.now(),
        status=QuestionnaireResponse.Status.DRAFT,
        recorded_by=by,
    )
    if draft:
        try:
            instruments.validate_answers(instrument.id, answers)
        except instruments.InstrumentError as exc:
            raise _answer_errors(instrument, exc) from None
    else:
        _apply_score(response, _score(instrument, patient, answers))
    save_audited(
        response,
        by=by,
        action=AuditAction.CREATE,
        patient=patient,
        detail={"instrument": instrument.id, "status": response.status},
    )
    return Recorded(response, _raise_alerts(response))


@transaction.atomic
def update_draft(
    *, by: User, response: QuestionnaireResponse, answers: Answers, draft: bool = True
) -> Recorded:
    """Change a draft's answers; with draft=False submit it (scored, final). History keeps the draft."""
    instrument = instrument_or_error(response.instrument_id)
    patient = response.patient
    _require_may_record(by, patient, instrument)
    if response.status != QuestionnaireResponse.Status.DRAFT or response.entered_in_error:
        raise ValidationError("Only a draft can be changed; correct a submitted questionnaire instead.")
    answers = _check_answers_shape(answers)
    response.answers = answers
    if draft:
        try:
            instruments.validate_answers(instrument.id, answers)
        except instruments.InstrumentError as exc:
            raise _answer_errors(instrument, exc) from None
    else:
        require_available(patient.clinic, instrument)
        _apply_score(response, _score(instrument, patient, answers))
        response.answered_at = timezone.now()
    save_audited(
        response,
        by=by,
        action=AuditAction.UPDATE if draft else AuditAction.SUBMIT,
        patient=patient,
        detail={"status": response.status},
    )
    return Recorded(response, _raise_alerts(response))


@transaction.atomic
def mark_response_entered_in_error(*, by: User, response: QuestionnaireResponse, reason: str) -> None:
    patient = response.patient
    instrument = instrument_or_error(response.instrument_id)
    if is_own_record(by, patient):
        raise PermissionDenied(
            "Tell your care team if a submitted questionnaire is wrong; they can correct it."
        )
    _require_may_record(by, patient, instrument)
    mark_in_error_audited(response, reason, what="questionnaire", field="reason", by=by, patient=patient)


@transaction.atomic
def correct_response(*, by: User, response: QuestionnaireResponse, answers: Answers, reason: str) -> Recorded:
    """Replace a submitted questionnaire: the earlier one stays, marked entered-in-error with the
    reason, and the corrected one names it."""
    if response.status != QuestionnaireResponse.Status.FINAL:
        raise ValidationError("A draft is changed, not corrected.")
    mark_response_entered_in_error(by=by, response=response, reason=reason)
    recorded = record_response(
        by=by,
        patient=response.patient,
        instrument_id=response.instrument_id,
        answers=answers,
        answered_at=response.answered_at,
        assignment=response.assignment,
    )
    recorded.response.replaces = response
    save_audited(
        recorded.response,
        by=by,
        action=AuditAction.CORRECT,
        patient=response.patient,
        detail={"replaces": response.pk},
    )
    return recorded


# --- safety alerts ------------------------------------------------------------------------------


def _alert_addresses(patient: Patient, recipient: User | None) -> list[str]:
    if recipient is not None:
        return [recipient.email] if recipient.email else []
    # No responsible clinician: every active prescriber of the clinic hears of it.
    prescribers = User.objects.filter(
        memberships__clinic=patient.clinic, memberships__role=Role.PRESCRIBER, memberships__active=True
    ).exclude(email="")
    return sorted(prescribers.values_list("email", flat=True))


def _raise_alerts(response: QuestionnaireResponse) -> list[SafetyAlert]:
    if response.status != QuestionnaireResponse.Status.FINAL:
        return []
    patient = response.patient
    recipient = responsible_clinician(patient)
    alerts: list[SafetyAlert] = []
    for flag in response.result.get("flags", []):
        if flag["code"] not in ALERTED_FLAGS:
            continue
        alert = SafetyAlert.objects.create(
            patient=patient,
            response=response,
            flag_code=flag["code"],
            severity=flag["severity"],
            message=flag["message"][:500],
            recipient=recipient,
            emailed_to=_alert_addresses(patient, recipient),
        )
        audit_row(
            alert,
            by=None,
            action=AuditAction.ALERT,
            patient=patient,
            detail={"flag": alert.flag_code, "to": alert.emailed_to},
        )
        # Sent once the response is safely stored, so no alert mails about a rolled-back answer.
        transaction.on_commit(functools.partial(email_safety_alert, alert.pk))
        alerts.append(alert)
    return alerts


@transaction.atomic
def request_contact(*, by: User, patient: Patient) -> SafetyAlert:
    """The patient asks, from the crisis page, to be contacted now: an urgent alert to the responsible
    clinician (or the clinic's prescribers), on the worklist and by email, audited. Only the patient
    themselves may ask; a second press while an alert is still open returns that alert."""
    if not is_own_record(by, patient):
        raise PermissionDenied("Only the patient asks for contact from the crisis page.")
    recipient = responsible_clinician(patient)
    open_request = patient.safety_alerts.filter(
        flag_code=SafetyAlert.PATIENT_REQUEST, acknowledged_at__isnull=True
    ).first()
    if open_request is not None:
        return open_request
    alert = SafetyAlert(
        patient=patient,
        flag_code=SafetyAlert.PATIENT_REQUEST,
        severity=SafetyAlert.Severity.URGENT,
        message="The patient asked, from the crisis page, to be contacted by their care team now.",
        recipient=recipient,
        emailed_to=_alert_addresses(patient, recipient),
    )
    save_audited(
        alert,
        by=by,
        action=AuditAction.ALERT,
        patient=patient,
        detail={"flag": alert.flag_code, "to": alert.emailed_to},
    )
    transaction.on_commit(functools.partial(email_safety_alert, alert.pk))
    return alert


def email_safety_alert(alert_id: int) -> None:
    """The email says only that there is an alert and where: no patient details leave the system."""
    alert = SafetyAlert.objects.select_related("patient__clinic").get(pk=alert_id)
    if not alert.emailed_to:
        return
    link = settings.KETACARE_BASE_URL + reverse("outcomes:alert", args=[alert.pk])
    send_mail(
        subject=f"KetaCare {alert.get_severity_display().lower()} safety alert ({alert.patient.clinic})",
        message=(
            f"A patient of {alert.patient.clinic} "
            + (
                "asked to be contacted now"
                if alert.response_id is None
                else "gave an answer that needs a clinician now"
            )
            + " "
            f"({alert.flag_code}). Log in to KetaCare to see it and record what you did: {link}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=list(alert.emailed_to),
    )


@transaction.atomic
def acknowledge_alert(*, by: User, alert: SafetyAlert, action_taken: str) -> SafetyAlert:
    require(by, alert.patient, Action.ACKNOWLEDGE_ALERT)
    if alert.acknowledged_at is not None:
        raise ValidationError("This alert was already acknowledged.")
    if not action_taken.strip():
        raise ValidationError(
            {"action_taken": "Say what was done (for example: called the patient, safety plan)."}
        )
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = by
    alert.action_taken = action_taken.strip()[:500]
    save_audited(alert, by=by, action=AuditAction.ACKNOWLEDGE, patient=alert.patient)
    return alert
