"""Simulation of one patient or a population: build, append the effect site, solve exactly."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .effects import EFFECT_SITES, EffectSite, nmda_occupancy
from .library import route_refusal
from .model import Covariates, FloatArray, Model, Patient, Regimen
from .solver import Input, solve

# Below this, a concentration (ng/mL) or occupancy is floating-point round-off of an exact zero
# (e.g. 1e-14 at the moment a dose goes into a depot), so reports show 0.
REPORT_FLOOR = 1e-9


def tidy(value: float) -> float:
    """A reported value, with round-off below :data:`REPORT_FLOOR` shown as 0."""
    value = float(value)
    return 0.0 if abs(value) < REPORT_FLOOR else value


class SimulationError(ValueError):
    """A request the models cannot answer (route not offered, bad times, ...)."""


@dataclass
class Simulation:
    """Concentrations over time for one or many subjects.

    Arrays have shape (n_subjects, n_times).  ``norketamine_plasma_ng_ml`` is None when the model has
    no metabolite.
    """

    model_id: str
    analyte: str
    effect_site: str
    times_min: FloatArray
    ketamine_plasma_ng_ml: FloatArray
    ketamine_effect_ng_ml: FloatArray
    norketamine_plasma_ng_ml: FloatArray | None
    warnings: list[str] = field(default_factory=list)
    _occupancy: FloatArray | None = field(default=None, repr=False)

    @property
    def nmda_occupancy(self) -> FloatArray:
        """Model-derived NMDA occupancy (fraction), computed on first use (it is not free for 10^7 values)."""
        if self._occupancy is None:
            self._occupancy = nmda_occupancy(
                self.ketamine_effect_ng_ml, self.norketamine_plasma_ng_ml, self.analyte
            )
        return self._occupancy

    @property
    def n_subjects(self) -> int:
        return int(self.ketamine_plasma_ng_ml.shape[0])

    def rows(self, subject: int = 0) -> list[dict[str, float | None]]:
        """One dict per time for one subject, with the column names scripts rely on."""
        out: list[dict[str, float | None]] = []
        nk_all = self.norketamine_plasma_ng_ml
        for j, t in enumerate(self.times_min):
            out.append(
                {
                    "time_min": float(t),
                    "ketamine_plasma_ng_ml": tidy(self.ketamine_plasma_ng_ml[subject, j]),
                    "ketamine_effect_ng_ml": tidy(self.ketamine_effect_ng_ml[subject, j]),
                    "norketamine_plasma_ng_ml": None if nk_all is None else tidy(nk_all[subject, j]),
                    "nmda_occupancy": tidy(self.nmda_occupancy[subject, j]),
                }
            )
        return out


def sample_etas(model: Model, n: int, seed: int | None) -> dict[str, FloatArray]:
    """Random effects for ``n`` subjects, ``eta ~ N(0, omega)`` drawn through an eigen square root.

    The eigen root (rather than Cholesky) also works when a variance is zero.
    """
    if model.variability is None:
        return {}
    omega = model.variability.matrix()
    values, vectors = np.linalg.eigh(omega)
    root = vectors * np.sqrt(np.clip(values, 0.0, None))
    rng = np.random.default_rng(seed)
    draws = rng.standard_normal((n, omega.shape[0])) @ root.T
    return {name: draws[:, i] for i, name in enumerate(model.variability.names)}


def _system(
    model: Model,
    covariates: Covariates,
    etas: Mapping[str, FloatArray],
    effect_site: EffectSite,
    params: Mapping[str, float] | None = None,
) -> tuple[FloatArray, FloatArray, Callable[..., list[Input]], bool]:
    """Rate matrix with the effect site appended, and the observation matrix (ng/mL per state)."""
    pk = model.build(params or model.typical(), covariates, etas)
    n, s, _ = pk.A.shape
    A = np.zeros((n, s + 1, s + 1))
    A[:, :s, :s] = pk.A
    ke0 = effect_site.ke0_per_min
    # dCe/dt = ke0 (Cp - Ce): the effect site takes no mass from the body (concentration state, mg/L).
    A[:, s, pk.central] = ke0 / pk.central_volume_l
    A[:, s, s] = -ke0
    C = np.zeros((n, 3, s + 1))
    C[:, 0, pk.central] = 1000.0 / pk.central_volume_l  # mg/L -> ng/mL
    C[:, 1, s] = 1000.0
    has_nk = pk.norketamine is not None and pk.norketamine_volume_l is not None
    if has_nk:
        C[:, 2, pk.norketamine] = 1000.0 / pk.norketamine_volume_l  # type: ignore[index,operator]
    return A, C, pk.route_inputs, has_nk


def _inputs(model: Model, regimen: Regimen, route_inputs: Callable[..., list[Input]], n: int) -> list[Input]:
    inputs: list[Input] = []
    for event in regimen.events:
        if event.route not in model.routes:
            raise SimulationError(route_refusal(model, event.route))
        if event.amount_mg <= 0 or event.start_min < 0 or event.duration_min < 0:
            raise SimulationError("dose amounts must be positive and times non-negative")
        if event.route == "iv-infusion" and event.duration_min <= 0:
            raise SimulationError("an IV infusion needs a positive duration")
        amount = np.full(n, float(event.amount_mg))
        inputs.extend(
            route_inputs(event.route, amount, event.start_min, event.duration_min, event.device_index)
        )
    return inputs


def simulate(
    model: Model,
    patient: Patient,
    regimen: Regimen,
    times_min: FloatArray,
    *,
    n: int = 1,
    seed: int | None = None,
    effect_site: str | None = None,
    etas: Mapping[str, FloatArray] | None = None,
    params: Mapping[str, float] | None = None,
    method: str = "auto",
) -> Simulation:
    """Simulate ``n`` subjects with the patient's covariates (n=1 and no seed: the typical patient).

    Parameters
    ----------
    model, patient, regimen
        What, who and how much.
    times_min : array_like, shape (n_times,)
        Sorted output times (min after the first dose).
    n : int
        Number of subjects; with ``n > 1`` (or a seed) random effects are drawn from the model's omega.
    seed : int or None
        Seed for reproducible draws.
    effect_site : str or None
        Key of :data:`EFFECT_SITES`; the model's default if None.
    etas : mapping or None
        Explicit random effects (overrides sampling).
    params : mapping or None
        Override typical parameter values (e.g. a sensitivity analysis).
    method : str
        Solver method, see :func:`ketacare.pharmacology.solver.solve`.
    """
    times = np.asarray(times_min, dtype=float)
    if times.ndim != 1 or times.size == 0 or np.any(np.diff(times) < 0) or times[0] < 0:
        raise SimulationError("times must be a non-empty, sorted list of non-negative minutes")
    site = EFFECT_SITES[effect_site or model.default_effect_site]
    if etas is None:
        etas = sample_etas(model, n, seed) if (n > 1 or seed is not None) else {}
    covariates = Covariates.from_patient(patient, n)
    A, C, route_inputs, has_nk = _system(model, covariates, etas, site, params)
    inputs = _inputs(model, regimen, route_inputs, n)
    # Exact solutions can carry -1e-13 round-off where the true value is 0; concentrations are >= 0.
    out = solve(A, C, inputs, times, method=method, clamp=True)
    plasma, effect = out[:, 0, :], out[:, 1, :]
    nk = out[:, 2, :] if has_nk else None
    warnings = model.warnings(patient)
    unverified = [name for name, p in model.params.items() if not p.verified]
    if unverified:
        # Clinicians must see, with every curve, which numbers rest on a transcription or a derivation.
        warnings.append(
            f"{model.id}: {len(unverified)} of {len(model.params)} parameters are not checked against "
            f"the primary source ({', '.join(unverified)}); see docs/pharmacology.md, Unverified"
        )
    if n > 1 and model.variability is None:
        warnings.append(
            f"{model.id} has no published between-subject variability: every subject is identical"
        )
    return Simulation(
        model_id=model.id,
        analyte=model.analyte,
        effect_site=site.id,
        times_min=times,
        ketamine_plasma_ng_ml=plasma,
        ketamine_effect_ng_ml=effect,
        norketamine_plasma_ng_ml=nk,
        warnings=warnings,
    )


def percentiles(values: FloatArray, levels: tuple[float, ...] = (5, 50, 95)) -> dict[float, FloatArray]:
    """Percentiles across subjects (axis 0) at each time."""
    result = np.percentile(values, levels, axis=0)
    return {level: result[i] for i, level in enumerate(levels)}
