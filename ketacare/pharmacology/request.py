"""From what a clinician asks (patient, route, dose, durations, devices) to a model, a regimen and notes.

One set of checks for every front end: the command line (`ketacare pk`) and the dose-planning page
call :func:`plan` and show its messages as they are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .library import default_model, get_model, route_refusal, weight_range_of_all_models
from .model import Model, Patient, Regimen
from .units import Dose, DoseError

# Input sanity limits: they catch typos such as 50mg/kg or 500 years; they are not clinical guidance.
MAX_TOTAL_MG_PER_KG = 20.0
MAX_TOTAL_MG = 2000.0
AGE_RANGE = (0.0, 120.0)


class RequestError(ValueError):
    """A request the engine cannot answer, with a message for the person who made it."""


@dataclass(frozen=True)
class DoseRequest:
    """A dose as ordered: route, amount and timing (amounts as written, converted in :func:`plan`)."""

    route: str
    dose: Dose
    duration_min: float = 0.0
    loading_dose: Dose | None = None
    loading_duration_min: float = 0.0
    repeat: int = 1
    interval_min: float = 0.0
    device_mg: float = 28.0
    device_interval_min: float = 5.0
    model_id: str | None = None
    bioavailability: float | None = None
    absorption_half_time_min: float | None = None


@dataclass
class Plan:
    """What :func:`plan` decided: the model (and why), the regimen in mg of base, parameter overrides."""

    model: Model
    patient: Patient
    regimen: Regimen
    params: dict[str, float]
    notes: list[str] = field(default_factory=list)


def check_patient(patient: Patient) -> None:
    """Refuse a weight no model covers or an impossible age."""
    if not math.isfinite(patient.weight_kg) or patient.weight_kg <= 0:
        raise RequestError("weight must be a positive number of kg")
    lo, hi = weight_range_of_all_models()
    if not lo <= patient.weight_kg <= hi:
        raise RequestError(f"weight {patient.weight_kg:g} kg is outside every model ({lo:g}-{hi:g} kg)")
    if not math.isfinite(patient.age_years) or not AGE_RANGE[0] <= patient.age_years <= AGE_RANGE[1]:
        raise RequestError(f"age must be between {AGE_RANGE[0]:g} and {AGE_RANGE[1]:g} years")


def plan(request: DoseRequest, patient: Patient) -> Plan:
    """Choose the model, build the regimen and check it.

    Raises
    ------
    RequestError, DoseError
        With a one-line message naming what is wrong.
    """
    check_patient(patient)
    notes: list[str] = []
    try:
        if request.model_id:
            model = get_model(request.model_id)
        else:
            model, reason = default_model(request.route, patient.age_years)
            notes.append(f"model {model.id} chosen by default for {request.route}: {reason}")
    except KeyError as exc:
        raise RequestError(str(exc.args[0])) from None
    if request.route not in model.routes:
        raise RequestError(route_refusal(model, request.route))
    params = _absorption(model, request, notes)
    regimen = _regimen(request, patient.weight_kg, notes)
    total = regimen.total_mg
    if total > MAX_TOTAL_MG or total / patient.weight_kg > MAX_TOTAL_MG_PER_KG:
        raise DoseError(
            f"total dose {total:.4g} mg ({total / patient.weight_kg:.3g} mg/kg) is implausible; "
            f"limit {MAX_TOTAL_MG_PER_KG:g} mg/kg and {MAX_TOTAL_MG:g} mg"
        )
    if request.dose.salt == "hcl":
        notes.append(f"dose converted from ketamine HCl to {total:.4g} mg base in total")
    return Plan(model, patient, regimen, params, notes)


def _absorption(model: Model, request: DoseRequest, notes: list[str]) -> dict[str, float]:
    for value in (request.bioavailability, request.absorption_half_time_min):
        if value is not None and not math.isfinite(value):
            raise RequestError("bioavailability and absorption half-time must be numbers")
    try:
        params = model.with_absorption(
            request.route, request.bioavailability, request.absorption_half_time_min
        )
    except ValueError as exc:
        raise RequestError(str(exc)) from None
    spec = model.absorption.get(request.route)
    if spec is not None:
        half_time = model.params[spec.half_time_min]
        if request.absorption_half_time_min is not None:
            notes.append(f"absorption half-time {request.absorption_half_time_min:g} min set by the user")
        elif not half_time.verified:
            notes.append(f"absorption half-time {half_time.value:g} min is {half_time.note}")
        if request.bioavailability is not None:
            notes.append(f"bioavailability {request.bioavailability:g} set by the user")
    return params


def _regimen(request: DoseRequest, weight_kg: float, notes: list[str]) -> Regimen:
    route = request.route
    amount = request.dose.base_mg(weight_kg)
    if route == "iv-infusion" and not request.duration_min > 0:
        raise RequestError("an IV infusion needs a duration of more than 0 minutes")
    if request.repeat < 1 or (request.repeat > 1 and not request.interval_min > 0):
        raise RequestError("repeated doses need an interval of more than 0 minutes")
    if request.repeat > 1 and (request.loading_dose or route == "intranasal"):
        raise RequestError("repeated doses cannot be combined with a loading dose or intranasal devices")
    if request.loading_dose is not None:
        if route != "iv-infusion":
            raise RequestError("a loading dose is only for an IV infusion")
        if request.loading_duration_min < 0:
            raise RequestError("the loading dose's duration cannot be negative")
        loading = request.loading_dose.base_mg(weight_kg)
        return Regimen.loading_then_infusion(
            loading, request.loading_duration_min, amount, request.duration_min
        )
    if route == "intranasal":
        if not request.device_mg > 0 or request.device_interval_min < 0:
            raise RequestError("device mg must be positive and the interval between devices non-negative")
        regimen = Regimen.intranasal_devices(amount, request.device_mg, request.device_interval_min)
        count = len(regimen.events)
        notes.append(
            f"intranasal {amount:.3g} mg given as {count} device(s) {request.device_interval_min:g} min apart"
        )
        if abs(count * request.device_mg - amount) > 1e-6 * amount:
            notes.append(
                f"{amount:.3g} mg is not a whole number of {request.device_mg:g}-mg devices: split into "
                f"{count} equal parts of {amount / count:.3g} mg"
            )
        return regimen
    return Regimen.repeated(route, amount, request.repeat, request.interval_min, request.duration_min)


__all__ = ["AGE_RANGE", "MAX_TOTAL_MG", "MAX_TOTAL_MG_PER_KG", "DoseRequest", "Plan", "RequestError", "plan"]
