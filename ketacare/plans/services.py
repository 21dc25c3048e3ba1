"""Every write of screening, overrides, clinic protocols, orders and the clinic's safety limits:
atomic, checked against the actor's role (and, for orders, valid credentials), audited.

The rules themselves live in ketacare.rules (eligibility, dose_checks, protocols); this module
gathers the record into their inputs and stores what they answered. Audit details carry codes and
ids only, never doses, scores or results.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Action
from ketacare.accounts.selectors import may_administer_ketamine, require_in_clinic
from ketacare.audit.actions import AuditAction
from ketacare.audit.services import record_event
from ketacare.instruments.model import FlagCode
from ketacare.outcomes.models import QuestionnaireResponse, SubstanceUseDay
from ketacare.patients.models import Patient
from ketacare.patients.selectors import latest_measurement
from ketacare.pharmacology.units import DoseError
from ketacare.plans.models import (
    LIMIT_ROUTES,
    ClinicProtocol,
    ClinicSafetySettings,
    Order,
    Screening,
    ScreeningOverride,
)
from ketacare.records import save_checked
from ketacare.rules import dose_checks, protocols
from ketacare.rules import eligibility as rules

GATED_SUBSTANCES = ("alcohol", "opioids", "cocaine", "amphetamines", "sedatives")
SETTINGS_FIELDS = tuple(
    f.name for f in ClinicSafetySettings._meta.get_fields() if f.name not in ("id", "clinic", "updated_at")
)
SUICIDE_INSTRUMENTS = {"phq-9": "PHQ-9", "c-ssrs-screener": "C-SSRS screener"}
MAX_TEXT = 2000


def _clean_text(value: str, field: str, *, limit: int = MAX_TEXT, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise ValidationError({field: "Write it in words; it cannot be empty."})
    if len(value) > limit:
        raise ValidationError({field: f"Keep it to {limit} characters (it has {len(value)})."})
    if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
        raise ValidationError({field: "Remove the control characters from the text."})
    return value


# --- Clinic settings ------------------------------------------------------------------------------


def settings_of(clinic: Clinic) -> ClinicSafetySettings:
    """The clinic's limits (an unsaved empty row when none are set)."""
    return ClinicSafetySettings.objects.filter(clinic=clinic).first() or ClinicSafetySettings(clinic=clinic)


def clinic_limits(row: ClinicSafetySettings) -> rules.ClinicLimits:
    gate = {s: getattr(row, f"{s}_gate_hours") for s in GATED_SUBSTANCES}
    return rules.ClinicLimits(
        predose_systolic_max_mmhg=row.predose_systolic_max_mmhg,
        predose_diastolic_max_mmhg=row.predose_diastolic_max_mmhg,
        gate_hours={k: v for k, v in gate.items() if v is not None},
        ciwa_ar_max=row.ciwa_ar_max,
        cows_max=row.cows_max,
    )


@transaction.atomic
def update_safety_settings(*, by: User, clinic: Clinic, **values: Any) -> ClinicSafetySettings:
    require_in_clinic(by, clinic, Action.MANAGE_SAFETY_SETTINGS)
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"Unknown settings: {sorted(unknown)}")
    row = ClinicSafetySettings.objects.select_for_update().filter(clinic=clinic).first()
    row = row or ClinicSafetySettings(clinic=clinic)
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name, value in values.items():
        setattr(row, name, value)
    save_checked(row)
    record_event(
        actor=by,
        action=Action.MANAGE_SAFETY_SETTINGS,
        entity=row,
        clinic=clinic,
        detail={"changed": changed},
    )
    return row


# --- Screening ------------------------------------------------------------------------------------


def _end_of(day: dt.date) -> dt.datetime:
    """A use recorded by date only is taken as late as it can have been: the end of that day."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=timezone.get_current_timezone())


def gather_inputs(patient: Patient, *, today: dt.date | None = None) -> rules.Inputs:
    """The record, as the rules read it; each row named by its table and id."""
    today = today or timezone.localdate()
    allergies = [
        rules.Row(f"allergy:{a.pk}", a.substance) for a in patient.allergies.filter(entered_in_error=False)
    ]
    flags = [
        (f.flag, rules.Row(f"history:{f.pk}", f.flag))
        for f in patient.history_flags.filter(entered_in_error=False)
    ]
    medications = [
        rules.Medication(f"medication:{m.pk}", m.drug_class, m.name)
        for m in patient.medications.filter(entered_in_error=False)
        if m.stopped_on is None or m.stopped_on > today
    ]
    # The latest recorded blood pressure (a dosing session's vital sign), read by name: dosing sits
    # above this app and imports it.
    vital_model = apps.get_model("dosing", "VitalSign")
    vital = (
        vital_model.objects.filter(session__patient=patient, entered_in_error=False)
        .order_by("-measured_at", "-id")
        .first()
    )
    bp = (
        rules.BloodPressure(f"vital:{vital.pk}", vital.systolic_mmhg, vital.diastolic_mmhg) if vital else None
    )
    responses = QuestionnaireResponse.objects.filter(
        patient=patient, entered_in_error=False, status=QuestionnaireResponse.Status.FINAL
    )
    suicide: list[rules.Row] = []
    for instrument, label in SUICIDE_INSTRUMENTS.items():
        latest = responses.filter(instrument_id=instrument).order_by("-answered_at", "-id").first()
        if latest is not None and FlagCode.SUICIDE_RISK in latest.flag_codes:
            suicide.append(rules.Row(f"response:{latest.pk}", label))
    scores = []
    for instrument in rules.WITHDRAWAL_INSTRUMENTS:
        latest = responses.filter(instrument_id=instrument).order_by("-answered_at", "-id").first()
        if latest is not None and latest.score_total is not None:
            scores.append(
                rules.Score(f"response:{latest.pk}", instrument, latest.score_total, latest.answered_at)
            )
    last_use = []
    for disorder in patient.substance_use_disorders.filter(
        entered_in_error=False, substance__in=GATED_SUBSTANCES
    ):
        day = disorder.last_use_on
        ref = f"substance-use-disorder:{disorder.pk}"
        used = (
            SubstanceUseDay.objects.filter(
                patient=patient, substance=disorder.substance, used=True, entered_in_error=False
            )
            .order_by("-day", "-id")
            .first()
        )
        if used is not None and (day is None or used.day > day):
            day, ref = used.day, f"substance-use-day:{used.pk}"
        last_use.append(rules.LastUse(ref, disorder.substance, _end_of(day) if day else None))
    return rules.Inputs(
        allergies=allergies,
        history_flags=flags,
        medications=medications,
        blood_pressure=bp,
        suicide_risk=suicide,
        last_use=last_use,
        withdrawal_scores=scores,
    )


def evaluate(patient: Patient, *, now: dt.datetime | None = None) -> tuple[rules.Inputs, rules.Screening]:
    """Run the rules on the record as it is now, without storing anything."""
    now = now or timezone.now()
    inputs = gather_inputs(patient, today=timezone.localdate(now))
    return inputs, rules.screen(inputs, clinic_limits(settings_of(patient.clinic)), now)


def _jsonable(inputs: rules.Inputs) -> dict[str, Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [convert(v) for v in value]
        return value

    return convert(dataclasses.asdict(inputs))  # type: ignore[no-any-return]


def reason_dicts(screening: rules.Screening) -> list[dict[str, str]]:
    return [
        {"code": r.code, "class": r.klass, "message": r.message, "source": r.source, "input": r.input}
        for r in screening.reasons
    ]


def active_overrides(patient: Patient) -> dict[tuple[str, str], ScreeningOverride]:
    return {
        (o.code, o.input_ref): o
        for o in patient.screening_overrides.filter(active=True).select_related("overridden_by")
    }


def effective_result(screening: Screening) -> str:
    """The stored result with the prescriber's active overrides of relative reasons applied."""
    overrides = active_overrides(screening.patient)
    reasons = [
        rules.Reason(r["code"], r["class"], r["message"], r["source"], r.get("input", ""))
        for r in screening.reasons
    ]
    overridden = frozenset(
        r.code for r in reasons if (r.code, r.input) in overrides and r.klass == rules.RELATIVE
    )
    # An override holds only for the reason and the row it was written about.
    pending = [
        r
        for r in reasons
        if not (r.klass == rules.RELATIVE and r.code in overridden and (r.code, r.input) in overrides)
    ]
    return rules.result_of(pending)


@transaction.atomic
def run_screening(*, by: User, patient: Patient, trigger: str = "manual") -> Screening:
    """Screen the patient now and store who, when, the inputs read, the result and every reason."""
    require_in_clinic(by, patient.clinic, Action.SCREEN_ELIGIBILITY)
    now = timezone.now()
    inputs, answer = evaluate(patient, now=now)
    screening = Screening(
        patient=patient,
        run_at=now,
        run_by=by,
        trigger=trigger,
        result=answer.result,
        reasons=reason_dicts(answer),
        inputs=_jsonable(inputs),
    )
    save_checked(screening)
    record_event(
        actor=by,
        action=Action.SCREEN_ELIGIBILITY,
        entity=screening,
        clinic=patient.clinic,
        patient_id=patient.pk,
        detail={"trigger": trigger},
    )
    return screening


@transaction.atomic
def override_reason(*, by: User, screening: Screening, code: str, justification: str) -> ScreeningOverride:
    """A prescriber overrides one relative reason of this screening, in writing. Absolute and gate
    reasons cannot be overridden by anyone."""
    patient = screening.patient
    require_in_clinic(by, patient.clinic, Action.OVERRIDE_SCREENING)
    justification = _clean_text(justification, "justification")
    reason = next((r for r in screening.reasons if r["code"] == code), None)
    if reason is None:
        raise ValidationError({"code": "This screening has no such reason."})
    if reason["class"] != rules.RELATIVE:
        raise ValidationError(
            {"code": "Only a relative contraindication can be overridden; this one cannot, by anyone."}
        )
    if patient.screening_overrides.filter(active=True, code=code, input_ref=reason.get("input", "")).exists():
        raise ValidationError({"code": "This reason is already overridden."})
    override = ScreeningOverride(
        patient=patient,
        screening=screening,
        code=code,
        input_ref=reason.get("input", ""),
        justification=justification,
        overridden_by=by,
    )
    save_checked(override)
    record_event(
        actor=by,
        action=Action.OVERRIDE_SCREENING,
        entity=override,
        clinic=patient.clinic,
        patient_id=patient.pk,
        detail={"code": code, "screening": screening.pk},
    )
    return override


# --- Protocols ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Resolved:
    id: str
    title: str
    route: str
    max_mg_per_kg: Decimal | None
    max_mg: Decimal | None
    duration_min: Decimal | None
    sessions: int | None
    min_spacing_days: int | None = None


def resolve_protocol(clinic: Clinic, protocol_id: str) -> Resolved:
    if protocol_id.startswith("clinic-"):
        pk = protocol_id.removeprefix("clinic-")
        own = ClinicProtocol.objects.filter(
            clinic=clinic, active=True, pk=int(pk) if pk.isdigit() else -1
        ).first()
        if own is None:
            raise ValidationError({"protocol": f"No protocol '{protocol_id}' in this clinic."})
        return Resolved(
            own.library_id,
            own.name,
            own.route,
            own.mg_per_kg_max,
            None,
            own.duration_min,
            own.sessions,
            own.min_spacing_days,
        )
    try:
        p = protocols.get(protocol_id)
    except KeyError as exc:
        raise ValidationError({"protocol": str(exc.args[0])}) from None
    sessions = int(p.sessions.value) if p.sessions.value is not None else None
    return Resolved(
        p.id,
        f"{p.citation.split(';')[0]}: {p.title}",
        p.route,
        p.dose_max if p.per_kg else None,
        None if p.per_kg else p.dose_max,
        p.duration_min.value,
        sessions,
    )


@transaction.atomic
def add_clinic_protocol(
    *,
    by: User,
    clinic: Clinic,
    name: str,
    route: str,
    mg_per_kg_min: Decimal,
    mg_per_kg_max: Decimal,
    sessions: int,
    min_spacing_days: int,
    duration_min: Decimal | None = None,
    rationale: str = "",
) -> ClinicProtocol:
    """A clinic's own regimen, within the bounds the rules check (route, mg/kg range, spacing)."""
    require_in_clinic(by, clinic, Action.ORDER_KETAMINE)
    name = _clean_text(name, "name", limit=120)
    rationale = _clean_text(rationale, "rationale", limit=500, required=False)
    row = settings_of(clinic)
    group = LIMIT_ROUTES.get(route)
    errors = protocols.check_clinic_protocol(
        route=route,
        mg_per_kg_min=mg_per_kg_min,
        mg_per_kg_max=mg_per_kg_max,
        min_spacing_days=min_spacing_days,
        clinic_max_mg_per_kg=getattr(row, f"max_mg_per_kg_{group}") if group else None,
        sanity_max_mg_per_kg=dose_checks.SANITY_MAX_MG_PER_KG,
    )
    if errors:
        raise ValidationError(errors)
    protocol = ClinicProtocol(
        clinic=clinic,
        name=name,
        route=route,
        mg_per_kg_min=mg_per_kg_min,
        mg_per_kg_max=mg_per_kg_max,
        duration_min=duration_min,
        sessions=sessions,
        min_spacing_days=min_spacing_days,
        rationale=rationale,
        created_by=by,
    )
    save_checked(protocol)
    record_event(actor=by, action=AuditAction.CREATE, entity=protocol, clinic=clinic)
    return protocol


# --- Orders ---------------------------------------------------------------------------------------


def _require_prescriber(by: User, clinic: Clinic) -> None:
    require_in_clinic(by, clinic, Action.ORDER_KETAMINE)
    decision = may_administer_ketamine(by, clinic)
    if not decision:
        raise ValidationError(["You may not order ketamine today:", *decision.reasons])


def weight_is_stale(measured_at: dt.datetime, row: ClinicSafetySettings, now: dt.datetime) -> bool:
    days = row.weight_max_age_days
    return days is not None and (now - measured_at) > dt.timedelta(days=days)


def dose_limits(
    patient: Patient, resolved: Resolved, route: str, row: ClinicSafetySettings
) -> dose_checks.Limits:
    group = LIMIT_ROUTES.get(route)
    previous = (
        Order.objects.filter(patient=patient, status=Order.Status.SIGNED)
        .order_by("-signed_at", "-id")
        .first()
    )
    return dose_checks.Limits(
        protocol_max_mg_per_kg=resolved.max_mg_per_kg,
        protocol_max_mg=resolved.max_mg,
        protocol_name=resolved.id,
        clinic_max_mg_per_kg=getattr(row, f"max_mg_per_kg_{group}") if group else None,
        clinic_max_total_mg=getattr(row, f"max_total_mg_{group}") if group else None,
        previous_mg_per_kg=previous.mg_per_kg if previous else None,
        increase_factor_max=row.dose_increase_factor_max,
    )


@dataclasses.dataclass(frozen=True)
class DoseCheck:
    """What the checks said about a dose, before anything is saved (the form shows it)."""

    checked: dose_checks.Checked
    weight_kg: Decimal
    weight_measured_at: dt.datetime
    weight_stale: bool


def check_order_dose(
    *, patient: Patient, protocol: str, route: str, dose: str, salt: str = "base"
) -> tuple[Resolved, dose_checks.OrderedDose, DoseCheck]:
    """Read and check a dose for this patient (the same code for the form, the API and the CLI)."""
    resolved = resolve_protocol(patient.clinic, protocol)
    if route != resolved.route:
        raise ValidationError(
            {"route": f"{resolved.id} is given by the route {resolved.route}, not {route}."}
        )
    try:
        ordered = dose_checks.parse(dose, salt)
    except DoseError as exc:
        raise ValidationError(
            {"dose": f"Cannot read the dose: {exc}. Write e.g. 0.71mg/kg or 50mg."}
        ) from None
    measurement = latest_measurement(patient)
    if measurement is None:
        raise ValidationError({"dose": "Record the patient's weight first: the dose is computed from it."})
    row = settings_of(patient.clinic)
    checked = dose_checks.check_dose(
        ordered, measurement.weight_kg, route, dose_limits(patient, resolved, route, row)
    )
    stale = weight_is_stale(measurement.measured_at, row, timezone.now())
    return resolved, ordered, DoseCheck(checked, measurement.weight_kg, measurement.measured_at, stale)


def finding_messages(findings: list[dose_checks.Finding]) -> list[str]:
    return [f"{f.code}: {f.message}" for f in findings]


@transaction.atomic
def create_order(
    *,
    by: User,
    patient: Patient,
    protocol: str,
    route: str,
    dose: str,
    salt: str = "base",
    duration_min: Decimal | None = None,
    loading_amount: Decimal | None = None,
    loading_duration_min: Decimal | None = None,
    sessions: int = 1,
    interval_days: int | None = None,
    start_on: dt.date | None = None,
    confirm_reason: str = "",
) -> Order:
    """A prescriber's order (a draft until signed). The dose checks run here: a hard stop refuses; a
    check above a protocol or clinic limit needs `confirm_reason`. The patient must be eligible now
    (screening re-run, with the prescriber's overrides)."""
    _require_prescriber(by, patient.clinic)
    resolved, ordered, result = check_order_dose(
        patient=patient, protocol=protocol, route=route, dose=dose, salt=salt
    )
    checked = result.checked
    if checked.hard_stops:
        raise ValidationError({"dose": finding_messages(checked.hard_stops)})
    confirm_reason = _clean_text(confirm_reason, "confirm_reason", limit=1000, required=False)
    if checked.to_confirm and not confirm_reason:
        raise ValidationError(
            {"confirm_reason": ["Confirm with a reason:", *finding_messages(checked.to_confirm)]}
        )
    if route == "iv-infusion" and not duration_min:
        raise ValidationError({"duration_min": "An IV infusion needs its duration in minutes."})
    if loading_amount is not None and loading_amount >= ordered.amount:
        raise ValidationError({"loading_amount": "The loading part must be smaller than the whole dose."})
    if sessions > 1 and not interval_days:
        raise ValidationError({"interval_days": "Say how many days apart the sessions are."})
    if resolved.min_spacing_days and interval_days and interval_days < resolved.min_spacing_days:
        raise ValidationError(
            {
                "interval_days": (
                    f"{resolved.id} asks for at least {resolved.min_spacing_days} days between sessions."
                )
            }
        )
    today = timezone.localdate()
    start_on = start_on or today
    if start_on < today:
        raise ValidationError({"start_on": "An order cannot start in the past."})
    screening = run_screening(by=by, patient=patient, trigger="order")
    if effective_result(screening) != rules.ELIGIBLE:
        raise ValidationError(
            "The patient is not eligible now: see the screening (override relative reasons first, with a "
            "justification)."
        )
    order = Order(
        patient=patient,
        protocol_id=resolved.id,
        protocol_title=resolved.title[:200],
        route=route,
        dose_amount=ordered.amount,
        dose_per_kg=ordered.per_kg,
        salt=ordered.salt,
        dose_mg=checked.base_mg,
        mg_per_kg=checked.mg_per_kg,
        weight_kg=result.weight_kg,
        weight_measured_at=result.weight_measured_at,
        weight_stale=result.weight_stale,
        duration_min=duration_min,
        loading_amount=loading_amount,
        loading_duration_min=loading_duration_min,
        sessions=sessions,
        interval_days=interval_days,
        start_on=start_on,
        findings=[{"code": f.code, "message": f.message} for f in checked.to_confirm],
        confirm_reason=confirm_reason if checked.to_confirm else "",
        screening=screening,
        created_by=by,
    )
    save_checked(order)
    record_event(
        actor=by,
        action=Action.ORDER_KETAMINE,
        entity=order,
        clinic=patient.clinic,
        patient_id=patient.pk,
        detail={"protocol": resolved.id, "route": route, "checks": [f.code for f in checked.to_confirm]},
    )
    return order


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update().select_related("patient__clinic").get(pk=order.pk)


@transaction.atomic
def sign_order(*, by: User, order: Order) -> Order:
    order = _locked(order)
    _require_prescriber(by, order.patient.clinic)
    if order.status != Order.Status.DRAFT:
        raise ValidationError("Only a draft order can be signed.")
    order.status = Order.Status.SIGNED
    order.signed_at = timezone.now()
    order.signed_by = by
    save_checked(order)
    record_event(
        actor=by,
        action=AuditAction.ORDER_SIGN,
        entity=order,
        clinic=order.patient.clinic,
        patient_id=order.patient_id,
    )
    return order


@transaction.atomic
def discontinue_order(*, by: User, order: Order, reason: str) -> Order:
    order = _locked(order)
    require_in_clinic(by, order.patient.clinic, Action.ORDER_KETAMINE)
    reason = _clean_text(reason, "reason", limit=300)
    if order.status == Order.Status.DISCONTINUED:
        raise ValidationError("This order is already discontinued.")
    order.status = Order.Status.DISCONTINUED
    order.discontinued_at = timezone.now()
    order.discontinued_by = by
    order.discontinue_reason = reason
    save_checked(order)
    record_event(
        actor=by,
        action=AuditAction.ORDER_DISCONTINUE,
        entity=order,
        clinic=order.patient.clinic,
        patient_id=order.patient_id,
    )
    return order


def check_session_against_order(*, order: Order, patient: Patient, route: str, dose_mg: Decimal) -> None:
    """A session is planned only from a signed order of this patient, by its route and dose, and no
    more sessions than it orders (dosing.services.plan_session calls this). The order is read again,
    locked, so that a discontinuation or signature elsewhere counts."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.patient_id != patient.pk:
        raise ValidationError({"order": "This order is for another patient."})
    if order.status != Order.Status.SIGNED:
        raise ValidationError({"order": "A session can only be planned from a signed order."})
    if route != order.route:
        raise ValidationError({"route": f"The order is for {order.get_route_display()}."})
    if dose_mg != order.dose_mg:
        raise ValidationError(
            {"dose_mg": f"The order is for {order.dose_mg} mg (ketamine base) per session."}
        )
    planned = apps.get_model("dosing", "DosingSession").objects.filter(order=order).count()
    if planned >= order.sessions:
        raise ValidationError(
            {"order": f"All {order.sessions} session(s) of this order are already planned."}
        )
