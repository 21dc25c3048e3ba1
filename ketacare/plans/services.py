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
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Action, Role
from ketacare.accounts.selectors import may_administer_ketamine, require_in_clinic
from ketacare.audit.actions import AuditAction
from ketacare.audit.services import record_event
from ketacare.instruments.model import FlagCode
from ketacare.outcomes.booster import booster_forecast
from ketacare.outcomes.models import QuestionnaireResponse, SubstanceUseDay
from ketacare.outcomes.services.licences import instrument_or_error
from ketacare.patients.models import Patient, SubstanceUseDisorder
from ketacare.patients.selectors import latest_measurement, require
from ketacare.pharmacology.units import DoseError
from ketacare.plans.models import (
    LIMIT_ROUTES,
    MAINTENANCE_SCALE_MAX,
    BoosterDecision,
    ClinicProtocol,
    ClinicSafetySettings,
    MatDoseChange,
    MatOrder,
    Order,
    PlanChange,
    PlanGoal,
    PlanTherapy,
    Screening,
    ScreeningOverride,
    TherapyModality,
    TherapySession,
    TreatmentPlan,
)
from ketacare.records import mark_in_error_audited, save_audited, save_checked
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
    low, high = row.integration_min_hours, row.integration_max_hours
    if low is not None and high is not None and low > high:
        raise ValidationError({"integration_max_hours": "The latest hour must come after the earliest."})
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
    # MAT ordered here counts as a current medication too (its CNS-depressant interaction).
    medications += [
        rules.Medication(f"mat-order:{o.pk}", o.drug, o.get_drug_display())
        for o in MatOrder.objects.filter(patient=patient, status=MatOrder.Status.ACTIVE)
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


# --- Treatment plans (issue 12) -------------------------------------------------------------------

PLAN_TRANSITIONS: dict[str, frozenset[str]] = {
    TreatmentPlan.Status.DRAFT: frozenset({TreatmentPlan.Status.ACTIVE, TreatmentPlan.Status.DISCONTINUED}),
    TreatmentPlan.Status.ACTIVE: frozenset(
        {TreatmentPlan.Status.ON_HOLD, TreatmentPlan.Status.COMPLETED, TreatmentPlan.Status.DISCONTINUED}
    ),
    TreatmentPlan.Status.ON_HOLD: frozenset({TreatmentPlan.Status.ACTIVE, TreatmentPlan.Status.DISCONTINUED}),
    TreatmentPlan.Status.COMPLETED: frozenset(),
    TreatmentPlan.Status.DISCONTINUED: frozenset(),
}
OPEN_PLAN_STATUSES = (TreatmentPlan.Status.DRAFT, TreatmentPlan.Status.ACTIVE, TreatmentPlan.Status.ON_HOLD)
PLAN_SUBSTANCES = dict(SubstanceUseDisorder.Substance.choices)
PLAN_FIELDS = (
    "title",
    "substances",
    "protocol_id",
    "protocol_title",
    "order",
    "induction_sessions",
    "induction_spacing_days",
    "maintenance_instrument",
    "maintenance_weeks",
    "preparation_visits",
    "integration_after_each_dose",
    "measurements",
)


@dataclasses.dataclass(frozen=True)
class TherapyLine:
    """A therapy a plan includes, as a form or the API gives it."""

    modality: str
    every_days: int
    therapist_id: int | None = None


def _plan_values(
    *,
    patient: Patient,
    title: str,
    substances: list[str],
    protocol: str,
    order_id: int | None,
    induction_sessions: int | None,
    induction_spacing_days: int | None,
    maintenance_instrument: str,
    maintenance_weeks: int | None,
    preparation_visits: int,
    integration_after_each_dose: bool,
    measurements: list[dict[str, Any]],
) -> dict[str, Any]:
    """Check a plan's fields and fill the course from its protocol or order; every error named by its
    field, in words."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    try:
        values["title"] = _clean_text(title, "title", limit=120)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    unknown = [s for s in substances if s not in PLAN_SUBSTANCES]
    if unknown:
        errors["substances"] = f"Unknown substance(s): {', '.join(unknown)}."
    elif not substances:
        errors["substances"] = "Name at least one substance the plan treats."
    values["substances"] = list(dict.fromkeys(substances))
    order = None
    if order_id is not None:
        order = Order.objects.filter(pk=order_id, patient=patient).first()
        if order is None:
            errors["order"] = f"There is no ketamine order {order_id} for this patient."
        elif order.status == Order.Status.DISCONTINUED:
            errors["order"] = f"Order {order_id} is discontinued: choose a current order or none."
    values["order"] = order
    protocol = protocol.strip() or (order.protocol_id if order else "")
    values["protocol_id"], values["protocol_title"] = protocol, ""
    resolved = None
    if protocol:
        try:
            resolved = resolve_protocol(patient.clinic, protocol)
        except ValidationError as exc:
            errors["protocol"] = exc.message_dict["protocol"][0]
        else:
            values["protocol_id"], values["protocol_title"] = resolved.id, resolved.title[:200]
    if order is not None and resolved is not None and order.protocol_id != resolved.id:
        errors["order"] = f"Order {order.pk} follows {order.protocol_id}, not {resolved.id}."
    if resolved is not None:
        induction_sessions = induction_sessions or (order.sessions if order else resolved.sessions)
        induction_spacing_days = induction_spacing_days or (
            order.interval_days if order and order.interval_days else resolved.min_spacing_days
        )
        if (
            resolved.min_spacing_days
            and induction_spacing_days
            and (induction_spacing_days < resolved.min_spacing_days)
        ):
            errors["induction_spacing_days"] = (
                f"{resolved.id} asks for at least {resolved.min_spacing_days} days between sessions."
            )
    elif induction_sessions or induction_spacing_days:
        errors["protocol"] = "Choose the protocol the ketamine course follows."
    values["induction_sessions"] = induction_sessions
    values["induction_spacing_days"] = induction_spacing_days
    if maintenance_instrument and maintenance_instrument not in MAINTENANCE_SCALE_MAX:
        errors["maintenance_instrument"] = (
            "The maintenance rule reads craving (craving-vas) or PHQ-9 (phq-9)."
        )
    if maintenance_instrument and not maintenance_weeks:
        errors["maintenance_weeks"] = "Say for how many consecutive weeks the measure must stay above."
    values["maintenance_instrument"] = maintenance_instrument
    values["maintenance_weeks"] = maintenance_weeks if maintenance_instrument else None
    values["preparation_visits"] = preparation_visits
    values["integration_after_each_dose"] = integration_after_each_dose
    schedule = []
    for row in measurements:
        instrument_id, interval = str(row.get("instrument", "")), row.get("interval_days")
        try:
            instrument = instrument_or_error(instrument_id)
        except ValidationError:
            errors["measurements"] = f"No questionnaire '{instrument_id}' in KetaCare."
            continue
        if not isinstance(interval, int) or not 1 <= interval <= 365:
            errors["measurements"] = f"Say every how many days (1-365) {instrument.abbreviation} is asked."
            continue
        schedule.append({"instrument": instrument.id, "interval_days": interval})
    values["measurements"] = schedule
    if errors:
        raise ValidationError(errors)
    return values


def _therapy_rows(plan: TreatmentPlan, lines: list[TherapyLine]) -> list[PlanTherapy]:
    rows = []
    for line in lines:
        if line.modality not in TherapyModality.values:
            raise ValidationError({"therapies": f"Unknown therapy modality '{line.modality}'."})
        if not 1 <= line.every_days <= 90:
            raise ValidationError({"therapies": "Say every how many days (1-90) the therapy meets."})
        therapist = None
        if line.therapist_id is not None:
            therapist = User.objects.filter(
                pk=line.therapist_id,
                memberships__clinic=plan.patient.clinic,
                memberships__role=Role.THERAPIST,
                memberships__active=True,
            ).first()
            if therapist is None:
                raise ValidationError(
                    {"therapies": f"User {line.therapist_id} is not a therapist of this clinic."}
                )
        rows.append(
            PlanTherapy(plan=plan, modality=line.modality, every_days=line.every_days, therapist=therapist)
        )
    return rows


def _log_change(
    plan: TreatmentPlan,
    *,
    by: User,
    kind: str,
    reason: str,
    from_status: str = "",
    fields: list[str] | None = None,
) -> PlanChange:
    change = PlanChange(
        plan=plan,
        kind=kind,
        from_status=from_status,
        to_status=plan.status,
        fields=fields or [],
        reason=_clean_text(reason, "reason", limit=1000),
        by=by,
    )
    save_checked(change, validate_constraints=False)
    return change


@transaction.atomic
def create_plan(
    *,
    by: User,
    patient: Patient,
    title: str,
    substances: list[str],
    goals: list[str],
    protocol: str = "",
    order_id: int | None = None,
    induction_sessions: int | None = None,
    induction_spacing_days: int | None = None,
    maintenance_instrument: str = "",
    maintenance_weeks: int | None = None,
    preparation_visits: int = 0,
    integration_after_each_dose: bool = False,
    measurements: list[dict[str, Any]] | None = None,
    therapies: list[TherapyLine] | None = None,
    reason: str = "New plan.",
) -> TreatmentPlan:
    """A draft plan with its goals and therapies. A protocol or order that does not exist is named."""
    require(by, patient, Action.EDIT_PLAN)
    values = _plan_values(
        patient=patient,
        title=title,
        substances=substances,
        protocol=protocol,
        order_id=order_id,
        induction_sessions=induction_sessions,
        induction_spacing_days=induction_spacing_days,
        maintenance_instrument=maintenance_instrument,
        maintenance_weeks=maintenance_weeks,
        preparation_visits=preparation_visits,
        integration_after_each_dose=integration_after_each_dose,
        measurements=measurements or [],
    )
    goal_texts = [_clean_text(g, "goals", limit=300) for g in goals if g.strip()]
    if not goal_texts:
        raise ValidationError({"goals": "Write at least one goal, in the patient's own words."})
    plan = TreatmentPlan(patient=patient, created_by=by, **values)
    save_audited(
        plan,
        by=by,
        action=AuditAction.CREATE,
        patient=patient,
        detail={"protocol": plan.protocol_id, "status": plan.status},
        validate_constraints=True,
    )
    for position, text in enumerate(goal_texts):
        save_checked(PlanGoal(plan=plan, text=text, position=position), validate_constraints=False)
    for row in _therapy_rows(plan, therapies or []):
        save_checked(row, validate_constraints=False)
    _log_change(plan, by=by, kind=PlanChange.Kind.CREATED, reason=reason)
    return plan


def _locked_plan(plan: TreatmentPlan) -> TreatmentPlan:
    return TreatmentPlan.objects.select_for_update().select_related("patient__clinic").get(pk=plan.pk)


@transaction.atomic
def update_plan(
    *,
    by: User,
    plan: TreatmentPlan,
    reason: str,
    title: str,
    substances: list[str],
    goals: list[str],
    protocol: str = "",
    order_id: int | None = None,
    induction_sessions: int | None = None,
    induction_spacing_days: int | None = None,
    maintenance_instrument: str = "",
    maintenance_weeks: int | None = None,
    preparation_visits: int = 0,
    integration_after_each_dose: bool = False,
    measurements: list[dict[str, Any]] | None = None,
    therapies: list[TherapyLine] | None = None,
) -> TreatmentPlan:
    """Change an open plan. The reason is kept with the change; goals and therapies no longer in the
    plan are kept, marked inactive."""
    plan = _locked_plan(plan)
    require(by, plan.patient, Action.EDIT_PLAN)
    if plan.status not in OPEN_PLAN_STATUSES:
        raise ValidationError(f"A {plan.get_status_display().lower()} plan cannot be changed.")
    reason = _clean_text(reason, "reason", limit=1000)
    values = _plan_values(
        patient=plan.patient,
        title=title,
        substances=substances,
        protocol=protocol,
        order_id=order_id,
        induction_sessions=induction_sessions,
        induction_spacing_days=induction_spacing_days,
        maintenance_instrument=maintenance_instrument,
        maintenance_weeks=maintenance_weeks,
        preparation_visits=preparation_visits,
        integration_after_each_dose=integration_after_each_dose,
        measurements=measurements or [],
    )
    changed = [name for name in PLAN_FIELDS if getattr(plan, name) != values[name]]
    for name in changed:
        setattr(plan, name, values[name])
    goal_texts = [_clean_text(g, "goals", limit=300) for g in goals if g.strip()]
    if not goal_texts:
        raise ValidationError({"goals": "Write at least one goal, in the patient's own words."})
    current = {g.text: g for g in plan.goals.filter(active=True)}
    if list(current) != goal_texts:
        changed.append("goals")
        for text, goal in current.items():
            if text not in goal_texts:
                goal.active = False
                save_checked(goal, validate_constraints=False)
        for position, text in enumerate(goal_texts):
            goal = current.get(text) or PlanGoal(plan=plan, text=text)
            goal.position = position
            save_checked(goal, validate_constraints=False)
    new_rows = _therapy_rows(plan, therapies or [])
    old = list(plan.therapies.filter(active=True))
    key = [(t.modality, t.every_days, t.therapist_id) for t in old]
    if key != [(t.modality, t.every_days, t.therapist_id) for t in new_rows]:
        changed.append("therapies")
        for row in old:
            row.active = False
            save_checked(row, validate_constraints=False)
        for row in new_rows:
            save_checked(row, validate_constraints=False)
    if not changed:
        raise ValidationError("Nothing was changed.")
    save_audited(
        plan,
        by=by,
        action=AuditAction.UPDATE,
        patient=plan.patient,
        detail={"fields": changed},
        validate_constraints=True,
    )
    _log_change(plan, by=by, kind=PlanChange.Kind.EDITED, reason=reason, fields=changed)
    return plan


@transaction.atomic
def record_agreement(
    *, by: User, plan: TreatmentPlan, how: str, note: str = "", agreed_at: dt.datetime | None = None
) -> TreatmentPlan:
    """The patient agreed to the plan: how, when, noted by whom."""
    plan = _locked_plan(plan)
    require(by, plan.patient, Action.EDIT_PLAN)
    if plan.status not in OPEN_PLAN_STATUSES:
        raise ValidationError("The plan is closed.")
    if how not in TreatmentPlan.Agreement.values:
        raise ValidationError(
            {"how": "Say how the patient agreed: in person, on paper, or by phone or video."}
        )
    now = timezone.now()
    agreed_at = agreed_at or now
    if agreed_at > now:
        raise ValidationError({"agreed_at": "The agreement cannot be in the future."})
    plan.agreed_at, plan.agreed_how, plan.agreement_recorded_by = agreed_at, how, by
    plan.agreement_note = _clean_text(note, "note", limit=500, required=False)
    save_audited(
        plan, by=by, action=AuditAction.UPDATE, patient=plan.patient, detail={"fields": ["agreed_at"]}
    )
    _log_change(
        plan,
        by=by,
        kind=PlanChange.Kind.AGREEMENT,
        reason=plan.agreement_note or f"The patient agreed ({plan.get_agreed_how_display().lower()}).",
        fields=["agreed_at", "agreed_how"],
    )
    return plan


@transaction.atomic
def change_plan_status(*, by: User, plan: TreatmentPlan, status: str, reason: str) -> TreatmentPlan:
    """Move a plan along draft → active ⇄ on hold → completed or discontinued, with why. Activating
    needs the patient's agreement and starts the plan's measurement schedule (outcomes' assignments)."""
    plan = _locked_plan(plan)
    require(by, plan.patient, Action.EDIT_PLAN)
    reason = _clean_text(reason, "reason", limit=1000)
    if status not in TreatmentPlan.Status.values:
        raise ValidationError({"status": f"Unknown status '{status}'."})
    allowed = PLAN_TRANSITIONS[plan.status]
    if status not in allowed:
        names = ", ".join(str(TreatmentPlan.Status(s).label).lower() for s in sorted(allowed)) or "nothing"
        raise ValidationError({"status": f"A {plan.get_status_display().lower()} plan can become: {names}."})
    if status == TreatmentPlan.Status.ACTIVE:
        if plan.agreed_at is None:
            raise ValidationError({"status": "Record the patient's agreement before activating the plan."})
        other = plan.patient.treatment_plans.filter(status=TreatmentPlan.Status.ACTIVE).exclude(pk=plan.pk)
        if other.exists():
            raise ValidationError(
                {"status": f"Plan {other.first().pk} is already active: put it on hold or close it first."}  # type: ignore[union-attr]
            )
        _start_measurements(by=by, plan=plan)
    before = plan.status
    plan.status = status
    save_audited(plan, by=by, action=AuditAction.UPDATE, patient=plan.patient, detail={"status": status})
    _log_change(plan, by=by, kind=PlanChange.Kind.STATUS, reason=reason, from_status=before)
    return plan


def _start_measurements(*, by: User, plan: TreatmentPlan) -> None:
    """The plan's questionnaires, assigned through outcomes unless one is already running."""
    from ketacare.outcomes.services.assignments import assign_instrument

    running = set(
        plan.patient.assignments.filter(active=True).values_list("instrument_id", flat=True)  # type: ignore[attr-defined]
    )
    for row in plan.measurements:
        if row["instrument"] in running:
            continue
        try:
            assign_instrument(
                by=by,
                patient=plan.patient,
                instrument_id=row["instrument"],
                interval_days=row["interval_days"],
            )
        except (ValidationError, PermissionDenied) as exc:
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise ValidationError(
                {"status": f"The measurement schedule could not start: {message}"}
            ) from None


@transaction.atomic
def decide_booster(
    *, by: User, plan: TreatmentPlan, instrument_id: str, decision: str, reason: str
) -> BoosterDecision:
    """A prescriber accepts or declines the booster forecast shown on the plan (recorded, audited).
    The forecast is recomputed here with the clinic's threshold, so what is stored is what was shown."""
    plan = _locked_plan(plan)
    require(by, plan.patient, Action.DECIDE_BOOSTER)
    if plan.status != TreatmentPlan.Status.ACTIVE:
        raise ValidationError("Only an active plan takes a booster decision.")
    if decision not in BoosterDecision.Decision.values:
        raise ValidationError({"decision": "Accept or decline."})
    reason = _clean_text(reason, "reason", limit=500)
    threshold = booster_threshold(plan.patient.clinic, instrument_id)
    if threshold is None:
        raise ValidationError(
            {"instrument_id": "Your clinic has set no booster threshold for this measure: nothing to decide."}
        )
    answer = booster_forecast(plan.patient, instrument_id, float(threshold)).result
    row = BoosterDecision(
        plan=plan,
        instrument_id=instrument_id,
        threshold=Decimal(threshold),
        forecast_on=answer.crossing_on if answer else None,
        forecast_low=answer.earliest_on if answer else None,
        forecast_high=answer.latest_on if answer else None,
        decision=decision,
        reason=reason,
        decided_by=by,
    )
    save_audited(
        row,
        by=by,
        action=Action.DECIDE_BOOSTER,
        patient=plan.patient,
        detail={"instrument": instrument_id, "status": decision},
    )
    _log_change(plan, by=by, kind=PlanChange.Kind.BOOSTER, reason=f"Booster {decision}: {reason}"[:1000])
    return row


def booster_threshold(clinic: Clinic, instrument_id: str) -> int | None:
    """The clinic's maintenance threshold for this measure (clinic-set; KetaCare sets none)."""
    row = settings_of(clinic)
    return {"craving-vas": row.booster_craving_threshold, "phq-9": row.booster_phq9_threshold}.get(
        instrument_id
    )


# --- MAT ------------------------------------------------------------------------------------------

MAT_FORMS: dict[str, tuple[str, ...]] = {
    MatOrder.Drug.METHADONE: (MatOrder.Form.ORAL,),
    MatOrder.Drug.BUPRENORPHINE: (MatOrder.Form.SUBLINGUAL, MatOrder.Form.INJECTION_XR),
    MatOrder.Drug.NALTREXONE: (MatOrder.Form.ORAL, MatOrder.Form.INJECTION_XR),
}
COWS_SUGGESTION = "COWS 8 is a commonly cited value, unverified in primary text (SECONDARY)"
NALTREXONE_SUGGESTION = "7-10 days (up to 14 after methadone or buprenorphine) is cited, SECONDARY only"


def latest_cows_today(patient: Patient) -> QuestionnaireResponse | None:
    """Today's latest final COWS (a buprenorphine start reads this one)."""
    start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(0)))
    return (
        QuestionnaireResponse.objects.filter(
            patient=patient,
            instrument_id="cows",
            status=QuestionnaireResponse.Status.FINAL,
            entered_in_error=False,
            answered_at__gte=start,
            score_total__isnull=False,
        )
        .order_by("-answered_at", "-id")
        .first()
    )


def last_recorded_opioid_use(patient: Patient) -> dt.date | None:
    """The latest opioid use on record: a timeline day or the disorder's last use."""
    days = [
        d.last_use_on
        for d in patient.substance_use_disorders.filter(entered_in_error=False, substance="opioids")
        if d.last_use_on is not None
    ]
    used = (
        SubstanceUseDay.objects.filter(
            patient=patient, substance="opioids", used=True, entered_in_error=False
        )
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )
    if used is not None:
        days.append(used)
    return max(days) if days else None


@transaction.atomic
def create_mat_order(
    *,
    by: User,
    patient: Patient,
    drug: str,
    form: str,
    dose_mg: Decimal,
    schedule: str,
    start_on: dt.date | None = None,
    is_start: bool = True,
    plan_id: int | None = None,
    last_opioid_use_on: dt.date | None = None,
    no_opioid_use: bool = False,
    note: str = "",
) -> MatOrder:
    """A prescriber's MAT order. A buprenorphine start needs today's COWS at or above the clinic's
    threshold; a naltrexone start needs the clinic's opioid-free interval since the last opioid use.
    Both thresholds are clinic-set: with none set, the start is refused (no default applies silently)."""
    require(by, patient, Action.ORDER_MAT)
    if drug not in MAT_FORMS:
        raise ValidationError({"drug": "Choose methadone, buprenorphine or naltrexone."})
    if form not in MAT_FORMS[drug]:
        names = " or ".join(str(MatOrder.Form(f).label).lower() for f in MAT_FORMS[drug])
        raise ValidationError({"form": f"{MatOrder.Drug(drug).label} is ordered {names} here."})
    if dose_mg <= 0:
        raise ValidationError({"dose_mg": "Enter the dose in mg, more than 0."})
    schedule = _clean_text(schedule, "schedule", limit=120)
    note = _clean_text(note, "note", limit=500, required=False)
    today = timezone.localdate()
    start_on = start_on or today
    if is_start and start_on < today:
        raise ValidationError({"start_on": "A new start cannot be in the past."})
    plan = None
    if plan_id is not None:
        plan = TreatmentPlan.objects.filter(pk=plan_id, patient=patient).first()
        if plan is None:
            raise ValidationError({"plan_id": f"There is no plan {plan_id} for this patient."})
        if plan.status not in OPEN_PLAN_STATUSES:
            raise ValidationError({"plan_id": f"Plan {plan_id} is closed."})
    row = settings_of(patient.clinic)
    order = MatOrder(
        patient=patient,
        plan=plan,
        drug=drug,
        form=form,
        dose_mg=dose_mg,
        schedule=schedule,
        start_on=start_on,
        is_start=is_start,
        note=note,
        created_by=by,
    )
    if drug == MatOrder.Drug.BUPRENORPHINE and is_start:
        if row.bup_start_cows_min is None:
            raise ValidationError(
                {
                    "drug": "Your clinic has not set the lowest COWS score for a buprenorphine start, so "
                    "KetaCare cannot check this start. The clinic administrator sets it on the safety "
                    f"settings page ({COWS_SUGGESTION})."
                }
            )
        cows = latest_cows_today(patient)
        if cows is None:
            raise ValidationError({"drug": "Score COWS today before starting buprenorphine."})
        assert cows.score_total is not None  # filtered above
        if cows.score_total < row.bup_start_cows_min:
            at = timezone.localtime(cows.answered_at)
            raise ValidationError(
                {
                    "drug": f"Today's COWS ({cows.score_total}, {at:%H:%M}) "
                    f"is below your clinic's threshold of {row.bup_start_cows_min} for a buprenorphine "
                    "start: starting now risks precipitated withdrawal. Score COWS again later."
                }
            )
        order.cows_response, order.cows_threshold = cows, row.bup_start_cows_min
    if drug == MatOrder.Drug.NALTREXONE and is_start:
        if row.naltrexone_opioid_free_days is None:
            raise ValidationError(
                {
                    "drug": "Your clinic has not set the opioid-free interval before naltrexone, so KetaCare "
                    "cannot check this start. The clinic administrator sets it on the safety settings page "
                    f"({NALTREXONE_SUGGESTION})."
                }
            )
        recorded = last_recorded_opioid_use(patient)
        last = (
            max(d for d in (recorded, last_opioid_use_on) if d is not None)
            if (recorded or last_opioid_use_on)
            else None
        )
        if last is None and not no_opioid_use:
            raise ValidationError(
                {
                    "last_opioid_use_on": "No opioid use is on record: enter the day the patient last used "
                    "opioids, or confirm they have used none."
                }
            )
        if last is not None and last > today:
            raise ValidationError({"last_opioid_use_on": "The last use cannot be in the future."})
        if last is not None and (start_on - last).days < row.naltrexone_opioid_free_days:
            raise ValidationError(
                {
                    "last_opioid_use_on": f"The last opioid use was {last:%d %b %Y}: your clinic asks for "
                    f"{row.naltrexone_opioid_free_days} opioid-free days before naltrexone (start on "
                    f"{last + dt.timedelta(days=row.naltrexone_opioid_free_days):%d %b %Y} or later)."
                }
            )
        order.last_opioid_use_on = last
        order.opioid_free_days_required = row.naltrexone_opioid_free_days
    save_audited(
        order,
        by=by,
        action=Action.ORDER_MAT,
        patient=patient,
        detail={"kind": drug},
        validate_constraints=True,
    )
    first = MatDoseChange(
        order=order,
        dose_mg=dose_mg,
        effective_on=start_on,
        reason="Start" if is_start else "Continuing the dose the patient takes",
        changed_by=by,
    )
    save_checked(first, validate_constraints=False)
    return order


def _locked_mat(order: MatOrder) -> MatOrder:
    return MatOrder.objects.select_for_update().select_related("patient__clinic").get(pk=order.pk)


@transaction.atomic
def change_mat_dose(
    *, by: User, order: MatOrder, dose_mg: Decimal, reason: str, effective_on: dt.date | None = None
) -> MatDoseChange:
    """A new dose for an active MAT order; the earlier doses stay in its history."""
    order = _locked_mat(order)
    require(by, order.patient, Action.ORDER_MAT)
    if order.status != MatOrder.Status.ACTIVE:
        raise ValidationError("This order is stopped: write a new one.")
    if dose_mg <= 0:
        raise ValidationError({"dose_mg": "Enter the dose in mg, more than 0."})
    if dose_mg == order.dose_mg:
        raise ValidationError({"dose_mg": f"The order is already for {order.dose_mg} mg."})
    reason = _clean_text(reason, "reason", limit=300)
    effective_on = effective_on or timezone.localdate()
    if effective_on < order.start_on:
        raise ValidationError({"effective_on": "A dose change cannot come before the order starts."})
    change = MatDoseChange(
        order=order, dose_mg=dose_mg, effective_on=effective_on, reason=reason, changed_by=by
    )
    save_checked(change, validate_constraints=False)
    order.dose_mg = dose_mg
    save_audited(order, by=by, action=Action.ORDER_MAT, patient=order.patient, detail={"fields": ["dose_mg"]})
    return change


@transaction.atomic
def stop_mat_order(*, by: User, order: MatOrder, reason: str) -> MatOrder:
    order = _locked_mat(order)
    require(by, order.patient, Action.ORDER_MAT)
    if order.status == MatOrder.Status.STOPPED:
        raise ValidationError("This order is already stopped.")
    order.status = MatOrder.Status.STOPPED
    order.stopped_at, order.stopped_by = timezone.now(), by
    order.stop_reason = _clean_text(reason, "reason", limit=300)
    save_audited(order, by=by, action=Action.ORDER_MAT, patient=order.patient, detail={"status": "stopped"})
    return order


# --- Therapy --------------------------------------------------------------------------------------


def integration_window(clinic: Clinic) -> tuple[int, int] | None:
    """The clinic's window for an integration visit after a dose, in hours (clinic-set), or None."""
    row = settings_of(clinic)
    if row.integration_min_hours is None or row.integration_max_hours is None:
        return None
    return row.integration_min_hours, row.integration_max_hours


@transaction.atomic
def record_therapy_session(
    *,
    by: User,
    patient: Patient,
    kind: str,
    modality: str,
    occurred_at: dt.datetime,
    attendance: str,
    duration_min: int | None = None,
    goal_ids: list[int] | None = None,
    note: str = "",
    homework: str = "",
    plan_id: int | None = None,
    dosing_session_id: int | None = None,
) -> TherapySession:
    """A therapist's record of a session. A missed session is recorded as missed (no duration). An
    integration visit names the dose it follows (the latest before it unless given) and is flagged,
    not refused, when outside the clinic's window."""
    require(by, patient, Action.RECORD_THERAPY)
    errors: dict[str, str] = {}
    if kind not in TherapySession.Kind.values:
        errors["kind"] = "Choose therapy, preparation or integration."
    if modality not in TherapyModality.values:
        errors["modality"] = "Choose the therapy's modality."
    if attendance not in TherapySession.Attendance.values:
        errors["attendance"] = "Say whether the patient attended or missed it."
    if occurred_at > timezone.now():
        errors["occurred_at"] = "Record a session after it took place, not before."
    if attendance == TherapySession.Attendance.ATTENDED and not duration_min:
        errors["duration_min"] = "Say how many minutes the session lasted."
    if attendance == TherapySession.Attendance.MISSED and duration_min:
        errors["duration_min"] = "A missed session has no duration: leave it empty."
    if errors:
        raise ValidationError(errors)
    plan = None
    if plan_id is not None:
        plan = TreatmentPlan.objects.filter(pk=plan_id, patient=patient).first()
        if plan is None:
            raise ValidationError({"plan_id": f"There is no plan {plan_id} for this patient."})
    goals = []
    for goal_id in goal_ids or []:
        goal = PlanGoal.objects.filter(pk=goal_id, plan__patient=patient, plan=plan).first() if plan else None
        if goal is None:
            raise ValidationError({"goal_ids": f"Goal {goal_id} is not a goal of this session's plan."})
        goals.append(goal)
    session = TherapySession(
        patient=patient,
        plan=plan,
        kind=kind,
        modality=modality,
        occurred_at=occurred_at,
        duration_min=duration_min if attendance == TherapySession.Attendance.ATTENDED else None,
        attendance=attendance,
        note=_clean_text(note, "note", limit=2000, required=False),
        homework=_clean_text(homework, "homework", limit=1000, required=False),
        recorded_by=by,
    )
    if kind == TherapySession.Kind.INTEGRATION:
        doses = apps.get_model("dosing", "DosingSession").objects.filter(
            patient=patient, started_at__isnull=False, started_at__lte=occurred_at
        )
        dose = (
            doses.filter(pk=dosing_session_id).first()
            if dosing_session_id is not None
            else doses.order_by("-started_at").first()
        )
        if dose is None:
            raise ValidationError(
                {
                    "dosing_session_id": "An integration visit follows a ketamine session of this patient "
                    "that started before it: none did."
                }
            )
        hours = Decimal((occurred_at - dose.started_at).total_seconds() / 3600).quantize(Decimal("0.1"))
        session.dosing_session, session.hours_after_dose = dose, hours
        window = integration_window(patient.clinic)
        session.outside_window = window is not None and not window[0] <= hours <= window[1]
    elif dosing_session_id is not None:
        raise ValidationError({"dosing_session_id": "Only an integration visit follows a ketamine session."})
    save_audited(
        session,
        by=by,
        action=Action.RECORD_THERAPY,
        patient=patient,
        detail={"kind": kind, "status": attendance},
        validate_constraints=True,
    )
    session.goals.set(goals)
    return session


@transaction.atomic
def mark_therapy_in_error(*, by: User, session: TherapySession, reason: str) -> None:
    session = TherapySession.objects.select_for_update().select_related("patient__clinic").get(pk=session.pk)
    require(by, session.patient, Action.RECORD_THERAPY)
    mark_in_error_audited(session, reason, by=by, patient=session.patient, what="session")
