"""Core types: parameters with citations, patients, models, regimens, built systems.

A :class:`Model` is a frozen description (parameters, validity, variability, routes, sources) plus a
``build`` function that turns typical parameters, covariates and random effects into a vectorised
linear system (:class:`PKSystem`).  Nothing here depends on Django.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .solver import Input

FloatArray = NDArray[np.float64]

ROUTES = ("iv-bolus", "iv-infusion", "im", "intranasal", "oral", "sublingual")
SEXES = ("male", "female")
ETHNICITIES = ("not-asian", "asian", "japanese")


@dataclass(frozen=True)
class Param:
    """One published number.

    Attributes
    ----------
    value : float
        The value in ``unit``.
    unit : str
        Unit as published (converted to per-minute inside the builders).
    source : str
        Key into :data:`ketacare.pharmacology.sources.SOURCES`.
    verified : bool
        True if checked against the primary source (abstract or table); False if only read in
        secondary material (a transcription in public code, a review).
    note : str
        Where in the source, and any caveat.
    """

    value: float
    unit: str
    source: str
    verified: bool = True
    note: str = ""


@dataclass(frozen=True)
class Validity:
    """Covariate range a model was built from; patients outside get a warning."""

    weight_kg: tuple[float, float]
    age_years: tuple[float, float]
    population: str
    source: str
    verified: bool
    note: str = ""


@dataclass(frozen=True)
class Variability:
    """Between-subject variability: random effects ``eta ~ N(0, omega)``.

    ``omega`` is a covariance matrix on the scale of each eta (log scale for exponential effects,
    logit scale where stated).  Names match the keys the model's ``build`` function reads.
    """

    names: tuple[str, ...]
    omega: tuple[tuple[float, ...], ...]
    source: str
    verified: bool
    note: str = ""

    def matrix(self) -> FloatArray:
        return np.array(self.omega, dtype=float)


@dataclass(frozen=True)
class Absorption:
    """Which parameters hold a route's bioavailability and first-order absorption half-time (min).

    Where the literature disagrees or the number is derived rather than published, the clinic can
    replace them with its own source's (``Model.with_absorption``; ``--bioavailability`` and
    ``--absorption-half-time-min`` on the command line).
    """

    bioavailability: tuple[str, ...]
    half_time_min: str


# Input sanity limits for an overridden absorption half-time (min): not clinical numbers, they catch
# typos such as seconds or hours entered as minutes.
ABSORPTION_HALF_TIME_LIMITS_MIN = (0.5, 600.0)


@dataclass(frozen=True)
class Patient:
    """The patient (or the typical covariates of a population).

    Attributes
    ----------
    weight_kg, age_years : float
    sex : {"male", "female"}
    height_cm : float or None
        Accepted for completeness; no shipped model uses it.
    ethnicity : {"not-asian", "asian", "japanese"}
        Only Perez-Ruixo 2020 uses it (Asian on kel and CLn/F, Japanese on nasal absorption).
    """

    weight_kg: float
    age_years: float
    sex: str = "male"
    height_cm: float | None = None
    ethnicity: str = "not-asian"


@dataclass(frozen=True)
class Covariates:
    """Per-subject covariates, each of shape (n_subjects,)."""

    weight_kg: FloatArray
    age_years: FloatArray
    female: NDArray[np.bool_]
    asian: NDArray[np.bool_]
    japanese: NDArray[np.bool_]

    @classmethod
    def from_patient(cls, patient: Patient, n: int) -> Covariates:
        japanese = patient.ethnicity == "japanese"
        return cls(
            weight_kg=np.full(n, float(patient.weight_kg)),
            age_years=np.full(n, float(patient.age_years)),
            female=np.full(n, patient.sex == "female"),
            asian=np.full(n, japanese or patient.ethnicity == "asian"),
            japanese=np.full(n, japanese),
        )


RouteInputs = Callable[[str, FloatArray, float, float, int], list[Input]]


@dataclass
class PKSystem:
    """A built linear system for ``n`` subjects (before the effect site is appended).

    Attributes
    ----------
    A : ndarray, shape (n, s, s)
        Rate matrix (1/min); amounts in mg.
    states : tuple of str
        Name of each state.
    central : int
        Index of the parent drug's central (sampled) compartment.
    central_volume_l : ndarray, shape (n,)
    norketamine : int or None
        Index of the metabolite's central compartment, if modelled.
    norketamine_volume_l : ndarray, shape (n,) or None
    route_inputs : callable
        ``(route, amount_mg[n], start_min, duration_min, device_index) -> list[Input]``; applies
        bioavailability and splits a dose between absorption pathways.
    """

    A: FloatArray
    states: tuple[str, ...]
    central: int
    central_volume_l: FloatArray
    norketamine: int | None
    norketamine_volume_l: FloatArray | None
    route_inputs: RouteInputs


Builder = Callable[[Mapping[str, float], Covariates, Mapping[str, FloatArray]], PKSystem]


@dataclass(frozen=True)
class Model:
    """A published population PK model of ketamine or esketamine."""

    id: str
    title: str
    analyte: str  # "racemic ketamine" or "esketamine"
    population: str
    sampling: str  # where the concentrations were measured: arterial or venous
    routes: tuple[str, ...]
    validity: Validity
    params: Mapping[str, Param]
    build: Builder
    citations: tuple[str, ...]
    default_effect_site: str
    variability: Variability | None = None
    notes: tuple[str, ...] = ()
    absorption: Mapping[str, Absorption] = field(default_factory=dict)

    @property
    def verified(self) -> bool:
        """True only if every parameter, the variability and the validity range were verified."""
        return (
            all(p.verified for p in self.params.values())
            and (self.variability is None or self.variability.verified)
            and self.validity.verified
        )

    @property
    def has_norketamine(self) -> bool:
        return any(name.startswith("nk_") for name in self.params)

    def typical(self) -> dict[str, float]:
        return {name: p.value for name, p in self.params.items()}

    def with_absorption(
        self, route: str, bioavailability: float | None = None, half_time_min: float | None = None
    ) -> dict[str, float]:
        """Typical parameters with the route's bioavailability and/or absorption half-time replaced.

        Raises ValueError (with a message for the user) if the route has no first-order absorption
        in this model or a value is impossible.
        """
        params = self.typical()
        if bioavailability is None and half_time_min is None:
            return params
        spec = self.absorption.get(route)
        if spec is None:
            offered = ", ".join(self.absorption) or "none"
            raise ValueError(
                f"{self.id} has no first-order absorption for route {route} to override "
                f"(routes with one: {offered})"
            )
        if bioavailability is not None:
            if not 0.0 < bioavailability <= 1.0:
                raise ValueError(
                    f"bioavailability must be a fraction above 0 and at most 1, not {bioavailability:g}"
                )
            for name in spec.bioavailability:
                params[name] = bioavailability
        if half_time_min is not None:
            lo, hi = ABSORPTION_HALF_TIME_LIMITS_MIN
            if not lo <= half_time_min <= hi:
                raise ValueError(
                    f"absorption half-time must be between {lo:g} and {hi:g} min, not {half_time_min:g}"
                )
            params[spec.half_time_min] = half_time_min
        return params

    def warnings(self, patient: Patient) -> list[str]:
        """Why this patient is outside what the model was built from (empty if inside)."""
        out = []
        lo, hi = self.validity.weight_kg
        if not lo <= patient.weight_kg <= hi:
            out.append(
                f"weight {patient.weight_kg:g} kg is outside {self.id}'s range {lo:g}-{hi:g} kg "
                f"({self.validity.population})"
            )
        lo, hi = self.validity.age_years
        if not lo <= patient.age_years <= hi:
            out.append(
                f"age {patient.age_years:g} y is outside {self.id}'s range {lo:g}-{hi:g} y "
                f"({self.validity.population})"
            )
        if not self.validity.verified:
            out.append(f"{self.id}'s validity range is not from the paper: {self.validity.note}")
        return out


@dataclass(frozen=True)
class DoseEvent:
    """One administration.

    Attributes
    ----------
    route : str
        One of :data:`ROUTES`.
    amount_mg : float
        Milligrams of base (convert salts with :func:`ketacare.pharmacology.units.salt_to_base`).
    start_min : float
        When it starts (min after the first dose).
    duration_min : float
        Infusion duration (min); 0 for everything that is not an infusion.
    device_index : int
        For intranasal devices in one session: 0 for the first device, 1 for the second, ...
    """

    route: str
    amount_mg: float
    start_min: float = 0.0
    duration_min: float = 0.0
    device_index: int = 0


@dataclass(frozen=True)
class Regimen:
    """A sequence of dose events (superposed exactly by the linear solver)."""

    events: tuple[DoseEvent, ...]

    @property
    def total_mg(self) -> float:
        return sum(e.amount_mg for e in self.events)

    @property
    def end_min(self) -> float:
        return max(e.start_min + e.duration_min for e in self.events)

    def describe(self) -> str:
        parts = []
        for e in self.events:
            what = f"{e.amount_mg:.4g} mg {e.route} at {e.start_min:g} min"
            if e.duration_min:
                what += f" over {e.duration_min:g} min"
            parts.append(what)
        return "; ".join(parts)

    @classmethod
    def single(cls, route: str, amount_mg: float, duration_min: float = 0.0) -> Regimen:
        return cls((DoseEvent(route, amount_mg, 0.0, duration_min if route == "iv-infusion" else 0.0),))

    @classmethod
    def loading_then_infusion(
        cls, loading_mg: float, loading_min: float, infusion_mg: float, infusion_min: float
    ) -> Regimen:
        """E.g. 0.11 mg/kg over 2 min then 0.60 mg/kg over 50 min (Dakwar 2020 protocol)."""
        return cls(
            (
                DoseEvent("iv-infusion" if loading_min > 0 else "iv-bolus", loading_mg, 0.0, loading_min),
                DoseEvent("iv-infusion", infusion_mg, loading_min, infusion_min),
            )
        )

    @classmethod
    def repeated(
        cls, route: str, amount_mg: float, count: int, interval_min: float, duration_min: float = 0.0
    ) -> Regimen:
        return cls(
            tuple(
                DoseEvent(route, amount_mg, i * interval_min, duration_min if route == "iv-infusion" else 0.0)
                for i in range(count)
            )
        )

    @classmethod
    def intranasal_devices(cls, total_mg: float, device_mg: float, interval_min: float) -> Regimen:
        """Split ``total_mg`` into devices of ``device_mg`` given ``interval_min`` apart."""
        count = max(1, int(round(total_mg / device_mg)))
        each = total_mg / count
        return cls(
            tuple(DoseEvent("intranasal", each, i * interval_min, 0.0, device_index=i) for i in range(count))
        )
