"""Substance use by day, the patient's daily check-in, test results, and withdrawing any of them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TypeAlias

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.accounts.models import User
from ketacare.accounts.roles import Action
from ketacare.audit.actions import AuditAction
from ketacare.outcomes.models import (
    DailyReport,
    LabResult,
    QuestionnaireResponse,
    SubstanceUseDay,
)
from ketacare.outcomes.services.responses import Recorded, mark_response_entered_in_error, record_response
from ketacare.patients.models import Patient
from ketacare.patients.selectors import is_own_record, require
from ketacare.records import audit_row, mark_in_error_audited, save_audited

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
        by=by,
        patient=patient,
        instrument_id=DailyReport.CRAVING_INSTRUMENT,
        answers=[craving_0_100],
        answered_at=answered_at,
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
