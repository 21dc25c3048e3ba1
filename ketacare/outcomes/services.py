"""Every write of outcomes: atomic, role-checked (patients.selectors.require), audited with the row.

Nothing is deleted. A final questionnaire is never edited: a correction marks it entered-in-error
and records the corrected answers as a new response that names it. Drafts may be edited until
they are submitted; their history keeps each version.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeAlias

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ketacare import instruments
from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Action, Role
from ketacare.accounts.selectors import require_in_clinic
from ketacare.audit.actions import AuditAction
from ketacare.instruments.model import Administration, Instrument
from ketacare.outcomes.models import (
    Assignment,
    ClinicOutcomeSettings,
    DailyReport,
    InstrumentPermission,
    LabResult,
    QuestionnaireResponse,
    Reminder,
    SafetyAlert,
    SubstanceUseDay,
)
from ketacare.outcomes.selectors import crisis_information, instrument_available, responsible_clinician
from ketacare.patients.models import Patient
from ketacare.patients.selectors import is_own_record, require
from ketacare.records import audit_row, mark_in_error_audited, save_audited

# The flags that alert the responsible clinician at once (named in the instruments core).
ALERTED_FLAGS = frozenset({instruments.FlagCode.SUICIDE_RISK})

Answers = Sequence[int | None]


# --- instruments and their licences -------------------------------------------------------------


def instrument_or_error(instrument_id: str) -> Instrument:
    try:
        return instruments.get_instrument(instrument_id)
    except instruments.UnknownInstrument:
        raise ValidationError({"instrument": f"There is no instrument '{instrument_id}'."}) from None


def _require_available(clinic: Clinic, instrument: Instrument) -> None:
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
    _require_available(patient.clinic, instrument)
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
        _require_available(patient.clinic, instrument)
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


def email_safety_alert(alert_id: int) -> None:
    """The email says only that there is an alert and where: no patient details leave the system."""
    alert = SafetyAlert.objects.select_related("patient__clinic").get(pk=alert_id)
    if not alert.emailed_to:
        return
    link = settings.KETACARE_BASE_URL + reverse("outcomes:alert", args=[alert.pk])
    send_mail(
        subject=f"KetaCare {alert.get_severity_display().lower()} safety alert ({alert.patient.clinic})",
        message=(
            f"A patient of {alert.patient.clinic} gave an answer that needs a clinician now "
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


# --- assignments and reminders ------------------------------------------------------------------


@transaction.atomic
def assign_instrument(
    *,
    by: User,
    patient: Patient,
    instrument_id: str,
    interval_days: int | None = None,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> Assignment:
    require(by, patient, Action.ASSIGN_INSTRUMENT)
    instrument = instrument_or_error(instrument_id)
    _require_available(patient.clinic, instrument)
    if instrument.administration == Administration.CLINICIAN_RATED:
        raise ValidationError(
            {"instrument": f"{instrument.abbreviation} is rated by a clinician; enter it at the visit."}
        )
    assignment = Assignment(
        patient=patient,
        instrument_id=instrument.id,
        interval_days=interval_days,
        starts_on=starts_on or timezone.localdate(),
        ends_on=ends_on,
        assigned_by=by,
    )
    save_audited(
        assignment,
        by=by,
        action=AuditAction.CREATE,
        patient=patient,
        detail={"instrument": instrument.id, "interval_days": interval_days},
    )
    return assignment


@transaction.atomic
def stop_assignment(*, by: User, assignment: Assignment) -> Assignment:
    require(by, assignment.patient, Action.ASSIGN_INSTRUMENT)
    if not assignment.active:
        raise ValidationError("This assignment is already stopped.")
    assignment.active = False
    assignment.stopped_at = timezone.now()
    assignment.stopped_by = by
    save_audited(
        assignment,
        by=by,
        action=AuditAction.UPDATE,
        patient=assignment.patient,
        detail={"fields": ["active"]},
    )
    return assignment


@transaction.atomic
def send_reminder(*, assignment: Assignment, due_on: dt.date) -> Reminder | None:
    """Email the patient once for one due occurrence; None when there is no address or it was sent."""
    patient = assignment.patient
    address = patient.email or (patient.portal_user.email if patient.portal_user else "")
    if not address or Reminder.objects.filter(assignment=assignment, due_on=due_on).exists():
        return None
    reminder = Reminder.objects.create(assignment=assignment, due_on=due_on, sent_to=address)
    audit_row(
        reminder,
        by=None,
        action=AuditAction.REMIND,
        patient=patient,
        detail={"instrument": assignment.instrument_id, "due_on": due_on.isoformat()},
    )
    transaction.on_commit(
        lambda: send_mail(
            subject=f"{patient.clinic}: a questionnaire is waiting for you",
            message="You have a questionnaire to fill in. Log in to KetaCare to answer it: "
            f"{settings.KETACARE_BASE_URL}{reverse('outcomes:portal')}\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[address],
        )
    )
    return reminder


# --- substance use, daily reports and tests -----------------------------------------------------


@transaction.atomic
def record_substance_use(
    *,
    by: User,
    patient: Patient,
    day: dt.date,
    substance: str,
    used: bool,
    standard_drinks: Decimal | None = None,
) -> SubstanceUseDay:
    """One day of the calendar. Reporting a day and substance again replaces the earlier report,
    which stays, marked entered-in-error."""
    require(by, patient, Action.RECORD_SUBSTANCE_USE)
    if substance == "alcohol" and used and not standard_drinks:
        raise ValidationError({"standard_drinks": "Say how many standard drinks."})
    if substance != "alcohol" and standard_drinks is not None:
        raise ValidationError({"standard_drinks": "Standard drinks are counted for alcohol only."})
    if not used and standard_drinks:
        raise ValidationError({"standard_drinks": "No use was reported, so there are no drinks to count."})
    entry = SubstanceUseDay(
        patient=patient,
        day=day,
        substance=substance,
        used=used,
        standard_drinks=standard_drinks if used else None,
        recorded_by=by,
    )
    earlier = SubstanceUseDay.objects.filter(
        patient=patient, day=day, substance=substance, entered_in_error=False
    ).first()
    if earlier is not None:
        earlier.entered_in_error = True
        earlier.error_reason = "Replaced by a later report for the same day."
        earlier.save(update_fields=["entered_in_error", "error_reason"])
        audit_row(
            earlier,
            by=by,
            action=AuditAction.ENTERED_IN_ERROR,
            patient=patient,
            detail={"reason": earlier.error_reason},
        )
    save_audited(
        entry,
        by=by,
        action=AuditAction.CREATE,
        patient=patient,
        detail={"day": day.isoformat(), "substance": substance},
    )
    return entry


def _noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


@transaction.atomic
def record_daily_report(
    *,
    by: User,
    patient: Patient,
    mood_0_10: int,
    craving_0_100: int,
    used_substance: str = "",
    standard_drinks: Decimal | None = None,
    day: dt.date | None = None,
) -> tuple[DailyReport, Recorded]:
    """The patient's daily check-in: a craving rating (the craving VAS), mood, and any use today."""
    require(by, patient, Action.RECORD_SUBSTANCE_USE)
    day = day or timezone.localdate()
    if DailyReport.objects.filter(patient=patient, day=day, entered_in_error=False).exists():
        raise ValidationError("Today's check-in is already done. Thank you! It opens again tomorrow.")
    # A report for an earlier day (entered late) is dated at noon of that day.
    answered_at = timezone.now() if day == timezone.localdate() else _noon(day)
    craving = record_response(
        by=by, patient=patient, instrument_id="craving-vas", answers=[craving_0_100], answered_at=answered_at
    )
    report = DailyReport(
        patient=patient, day=day, mood_0_10=mood_0_10, craving=craving.response, recorded_by=by
    )
    save_audited(report, by=by, action=AuditAction.CREATE, patient=patient, detail={"day": day.isoformat()})
    if used_substance:
        record_substance_use(
            by=by,
            patient=patient,
            day=day,
            substance=used_substance,
            used=True,
            standard_drinks=standard_drinks,
        )
    return report, craving


@transaction.atomic
def record_lab_result(
    *,
    by: User,
    patient: Patient,
    kind: str,
    substance: str,
    positive: bool,
    collected_at: dt.datetime,
    reading: str = "",
) -> LabResult:
    require(by, patient, Action.RECORD_LAB_RESULT)
    if kind != LabResult.Kind.URINE_TOX and substance != "alcohol":
        raise ValidationError({"substance": "EtG and breath tests detect alcohol only."})
    result = LabResult(
        patient=patient,
        kind=kind,
        substance=substance,
        positive=positive,
        collected_at=collected_at,
        reading=reading.strip(),
        recorded_by=by,
    )
    save_audited(
        result,
        by=by,
        action=AuditAction.CREATE,
        patient=patient,
        detail={"kind": kind, "substance": substance},
    )
    return result


Entry: TypeAlias = SubstanceUseDay | LabResult | DailyReport


def entered_in_error_action(kind: type[Entry]) -> Action:
    """The action a user needs to mark an entry of this kind entered in error (pages check it too)."""
    if kind is LabResult:
        return Action.RECORD_LAB_RESULT
    if kind is DailyReport:
        # A daily report is the patient's self-rated mood and craving, not a substance-use report
        # (use reported at the same check-in is its own SubstanceUseDay, withdrawn on its own). Its
        # craving rating is a questionnaire response, withdrawn under outcomes.record_response, so the
        # same action covers both rows. Today it allows the same roles as outcomes.record_use.
        return Action.RECORD_RESPONSE
    return Action.RECORD_SUBSTANCE_USE


def _live_version(response: QuestionnaireResponse) -> QuestionnaireResponse:
    """The response as it stands now: the last correction of it, or itself."""
    while response.entered_in_error:
        correction = QuestionnaireResponse.objects.filter(replaces=response).first()
        if correction is None:
            break
        response = correction
    return response


@transaction.atomic
def mark_entry_entered_in_error(*, by: User, entry: Entry, reason: str) -> None:
    """Withdraw a reported day, a test result or a daily report: it stays, marked with the reason.
    A daily report takes its craving rating with it, so neither the mood nor the craving trend
    counts it any more."""
    patient: Patient = entry.patient
    if is_own_record(by, patient):
        raise PermissionDenied("Tell your care team if something you reported is wrong.")
    require(by, patient, entered_in_error_action(type(entry)))
    mark_in_error_audited(entry, reason, field="reason", by=by, patient=patient)
    if isinstance(entry, DailyReport) and entry.craving is not None:
        craving = _live_version(entry.craving)
        if not craving.entered_in_error:
            mark_response_entered_in_error(
                by=by,
                response=craving,
                reason=f"Daily check-in of {entry.day:%Y-%m-%d} entered in error: {entry.error_reason}",
            )
