"""What to expect from a dose: onset, peak, time in the dissociative range, recovery, norketamine.

All times come from the effect-site concentration placed on the racemic concentration bands of
:mod:`ketacare.pharmacology.effects`; the spread comes from a population run with the model's
published variability.  Nothing here predicts mood or craving: any such curve is a hypothesis.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .effects import BANDS, EFFECT_SITES, racemic_equivalent
from .model import FloatArray, Model, Patient, Regimen
from .simulate import Simulation, simulate

HYPOTHESIS_NOTE = (
    "Antidepressant or anti-craving effects over days are NOT predicted by this engine. "
    "Published single-dose "
    "trials report relief within hours fading over days (e.g. Dakwar 2019/2020 in cocaine and alcohol use "
    "disorder); any curve of that kind is a hypothesis, not a prediction."
)


def _crossings(
    times: FloatArray, values: FloatArray, threshold: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """First upward crossing, last downward crossing and time above ``threshold`` per subject.

    ``values`` has shape (n, T); times are interpolated linearly between grid points.  NaN where the
    threshold is never reached.
    """
    above = values >= threshold
    n = values.shape[0]
    onset = np.full(n, np.nan)
    offset = np.full(n, np.nan)
    dt = np.diff(times)
    # Time above threshold by the trapezoid of the indicator, with linear interpolation at crossings.
    lo, hi = values[:, :-1], values[:, 1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.clip((threshold - lo) / (hi - lo), 0.0, 1.0)
    both = above[:, :-1] & above[:, 1:]
    up = ~above[:, :-1] & above[:, 1:]
    down = above[:, :-1] & ~above[:, 1:]
    duration = (both * dt).sum(axis=1) + (up * (1 - frac) * dt).sum(axis=1) + (down * frac * dt).sum(axis=1)
    any_above = above.any(axis=1)
    first = np.argmax(above, axis=1)
    last = values.shape[1] - 1 - np.argmax(above[:, ::-1], axis=1)
    for i in np.nonzero(any_above)[0]:
        j = first[i]
        onset[i] = times[0] if j == 0 else times[j - 1] + frac[i, j - 1] * dt[j - 1]
        k = last[i]
        offset[i] = times[-1] if k == times.size - 1 else times[k] + frac[i, k] * dt[k]
    return onset, offset, duration


@dataclass
class Expectation:
    """Summary numbers for one subject (or a percentile across subjects)."""

    onset_min: float | None
    peak_effect_ng_ml: float
    peak_effect_min: float
    peak_plasma_ng_ml: float
    peak_plasma_min: float
    peak_nmda_occupancy: float
    dissociative_minutes: float
    recovery_min: float | None
    awakening_min: float | None


@dataclass
class Timeline:
    """What to expect, for this patient and this regimen, and from which model."""

    model_id: str
    model_title: str
    analyte: str
    effect_site: str
    effect_site_description: str
    regimen: str
    typical: Expectation
    percentiles: dict[str, dict[str, float | None]]
    population_n: int
    seed: int
    norketamine: dict[str, float] | None
    dissociation_threshold_ng_ml: float
    threshold_scale: str
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    hypothesis: str = HYPOTHESIS_NOTE

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        t = self.typical
        lines = [
            f"Model: {self.model_title} [{self.model_id}], effect site {self.effect_site} "
            f"({self.effect_site_description})",
            f"Regimen: {self.regimen}",
        ]

        def band(key: str, unit: str = "min") -> str:
            p = self.percentiles.get(key, {})
            lo, hi, share = p.get("p5"), p.get("p95"), p.get("fraction_defined")
            if lo is None or hi is None or lo == hi:
                # No spread to show (a model without published variability): say nothing rather
                # than a band of one value; the warnings say why.
                return ""
            among = ""
            if share is not None and share < 1.0:
                among = f", among the {100 * share:.0f}% who reach the range"
            return f" (5th-95th percentile {lo:.0f}-{hi:.0f} {unit}, n={self.population_n}{among})"

        if t.onset_min is None:
            lines.append(
                f"Onset: the effect-site concentration stays below the dissociative range "
                f"({self.dissociation_threshold_ng_ml:g} ng/mL {self.threshold_scale})."
            )
        else:
            lines.append(f"Onset of dissociative effects: about {t.onset_min:.0f} min{band('onset_min')}")
        lines.append(
            f"Peak: plasma {t.peak_plasma_ng_ml:.0f} ng/mL at {t.peak_plasma_min:.0f} min; effect site "
            f"{t.peak_effect_ng_ml:.0f} ng/mL at {t.peak_effect_min:.0f} min{band('peak_effect_min')}; "
            f"NMDA occupancy up to {100 * t.peak_nmda_occupancy:.0f}% (model-derived)"
        )
        lines.append(
            f"Time in the dissociative range: {t.dissociative_minutes:.0f} min{band('dissociative_minutes')}"
        )
        if t.recovery_min is not None:
            lines.append(
                f"Predicted recovery (below the dissociative range): {t.recovery_min:.0f} "
                f"min{band('recovery_min')}"
            )
        if t.awakening_min is not None:
            lines.append(f"Awakening from anaesthetic concentrations: about {t.awakening_min:.0f} min")
        if self.norketamine:
            nk = self.norketamine
            lines.append(
                f"Norketamine: peak {nk['peak_ng_ml']:.0f} ng/mL at {nk['peak_min']:.0f} min, "
                f"{nk['at_24h_ng_ml']:.1f} ng/mL at 24 h"
            )
        else:
            lines.append("Norketamine: not modelled by this model.")
        lines.extend(f"Note: {note}" for note in self.notes)
        lines.extend(f"Warning: {w}" for w in self.warnings)
        lines.append(self.hypothesis)
        return "\n".join(lines)


def _expectations(sim: Simulation) -> list[Expectation]:
    times = sim.times_min
    effect_eq = racemic_equivalent(sim.ketamine_effect_ng_ml, sim.analyte)
    dissociation = BANDS["dissociation"].low_ng_ml.value
    awakening = BANDS["awakening"].low_ng_ml.value
    onset, recovery, duration = _crossings(times, effect_eq, dissociation)
    _, awake, _ = _crossings(times, effect_eq, awakening)
    peak_e = np.argmax(sim.ketamine_effect_ng_ml, axis=1)
    peak_p = np.argmax(sim.ketamine_plasma_ng_ml, axis=1)
    rows = np.arange(sim.n_subjects)
    out = []
    for i in rows:
        out.append(
            Expectation(
                onset_min=None if np.isnan(onset[i]) else float(onset[i]),
                peak_effect_ng_ml=float(sim.ketamine_effect_ng_ml[i, peak_e[i]]),
                peak_effect_min=float(times[peak_e[i]]),
                peak_plasma_ng_ml=float(sim.ketamine_plasma_ng_ml[i, peak_p[i]]),
                peak_plasma_min=float(times[peak_p[i]]),
                peak_nmda_occupancy=float(sim.nmda_occupancy[i].max()),
                dissociative_minutes=float(duration[i]),
                recovery_min=None if np.isnan(recovery[i]) else float(recovery[i]),
                awakening_min=None if np.isnan(awake[i]) else float(awake[i]),
            )
        )
    return out


def _percentile_table(expectations: list[Expectation]) -> dict[str, dict[str, float | None]]:
    table: dict[str, dict[str, float | None]] = {}
    for key in (
        "onset_min",
        "peak_effect_ng_ml",
        "peak_effect_min",
        "dissociative_minutes",
        "recovery_min",
        "peak_nmda_occupancy",
    ):
        values = np.array([getattr(e, key) for e in expectations], dtype=float)
        # Subjects who never reach the range have no onset/recovery; report how many did.
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            table[key] = {"p5": None, "p50": None, "p95": None, "fraction_defined": 0.0}
            continue
        p5, p50, p95 = np.percentile(finite, [5, 50, 95])
        table[key] = {
            "p5": float(p5),
            "p50": float(p50),
            "p95": float(p95),
            "fraction_defined": float(finite.size / values.size),
        }
    return table


def timeline(
    model: Model,
    patient: Patient,
    regimen: Regimen,
    *,
    hours: float = 24.0,
    n: int = 1000,
    seed: int = 1,
    effect_site: str | None = None,
    params: Mapping[str, float] | None = None,
) -> Timeline:
    """Onset, peak, dissociative time, recovery and norketamine course, with a population band.

    The typical patient is simulated on a 0.5-min grid, the population (``n`` subjects with the model's
    variability, seeded) on a 1-min grid.  ``params`` overrides typical values as in :func:`simulate`.
    """
    fine = np.arange(0.0, hours * 60.0 + 0.25, 0.5)
    typical_sim = simulate(model, patient, regimen, fine, effect_site=effect_site, params=params)
    typical = _expectations(typical_sim)[0]
    coarse = np.arange(0.0, hours * 60.0 + 0.5, 1.0)
    population = simulate(
        model, patient, regimen, coarse, n=n, seed=seed, effect_site=effect_site, params=params
    )
    table = _percentile_table(_expectations(population))
    nk = None
    if typical_sim.norketamine_plasma_ng_ml is not None:
        course = typical_sim.norketamine_plasma_ng_ml[0]
        j = int(np.argmax(course))
        at_24 = float(np.interp(24 * 60.0, fine, course)) if hours >= 24 else float("nan")
        nk = {"peak_ng_ml": float(course[j]), "peak_min": float(fine[j]), "at_24h_ng_ml": at_24}
    site = EFFECT_SITES[typical_sim.effect_site]
    threshold = BANDS["dissociation"].low_ng_ml.value
    scale = "racemic ketamine"
    if model.analyte == "esketamine":
        scale = "racemic-equivalent; esketamine counted twice by potency (Peltoniemi 2016)"
    return Timeline(
        model_id=model.id,
        model_title=model.title,
        analyte=model.analyte,
        effect_site=site.id,
        effect_site_description=site.description,
        regimen=regimen.describe(),
        typical=typical,
        percentiles=table,
        population_n=n,
        seed=seed,
        norketamine=nk,
        dissociation_threshold_ng_ml=threshold,
        threshold_scale=scale,
        warnings=list(dict.fromkeys(typical_sim.warnings + population.warnings)),
    )
