"""Booster forecast: when is this patient's benefit from ketamine likely to have faded?

A STATISTICAL forecast from the patient's own measurements, not a pharmacological prediction: it
knows nothing about ketamine, only how this patient's craving (or PHQ-9) has come back after each
earlier session.

Model (one per patient and measure). After every session the measure drops and then drifts back
towards a level it returns to. With t the days since the most recent session,

    y(t) = level - drop * exp(-rate * t)

fitted by non-linear least squares (scipy.optimize.curve_fit) to every measurement taken after a
session, each timed from the session before it (all of a patient's post-session segments share one
curve: the simplest model that the data of one patient can support; a per-session or hierarchical
model needs more data than a patient has). The forecast is the day on which the curve after the
latest session crosses the plan's maintenance threshold:

    t* = ln(drop / (level - threshold)) / rate,  when level - drop < threshold < level

Uncertainty: a profile-likelihood interval for t* (profile_crossing): every crossing day whose best
fit is not significantly worse than the best one (F test, 80%). A normal approximation at the fit
(curve_fit's covariance) was tried first and under-covered: about 70% for a nominal 80% on the
synthetic check, because the level the measure returns to is weakly determined when sessions come
before it is reached. The
interval's real coverage is measured on synthetic patients with a known answer
(ketacare/analytics/tests/test_forecast.py, docs/outcomes.md) rather than assumed.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import curve_fit
from scipy.stats import f as f_dist

INTERVAL = 0.80  # the central interval reported (10th to 90th percentile)
HORIZON_DAYS = 365  # crossings later than this are reported as "not within a year"
MIN_POINTS = 6  # fewer post-session measurements than this give no forecast

NOT_PHARMACOLOGY = (
    "A statistical forecast from this patient's own measurements after earlier sessions, not a "
    "pharmacological prediction. It assumes the benefit fades as it did before; a change in "
    "treatment, stress or use can make it wrong. The decision stays the clinician's."
)


@dataclass(frozen=True)
class Measurement:
    day: dt.date
    value: float


@dataclass(frozen=True)
class Fade:
    level: float  # where the measure returns to
    drop: float  # how far it falls just after a session
    rate_per_day: float

    def value_at(self, days: float) -> float:
        return self.level - self.drop * math.exp(-self.rate_per_day * days)

    @property
    def half_life_days(self) -> float | None:
        """Days for half of the fall after a session to come back; None when no return is seen within
        the horizon (the rate sits at its lower bound: the data show no fading)."""
        if self.drop <= 0:
            return None
        days = math.log(2) / self.rate_per_day
        return round(days, 1) if days <= HORIZON_DAYS else None

    def crossing_days(self, threshold: float) -> float | None:
        """Days after a session until the measure rises above `threshold`: 0 when it starts above,
        None when it never does."""
        if self.level - self.drop >= threshold:
            return 0.0
        if self.level <= threshold:
            return None
        return math.log(self.drop / (self.level - threshold)) / self.rate_per_day


@dataclass(frozen=True)
class Forecast:
    threshold: float
    fade: Fade | None
    points_used: int
    latest_session: dt.date | None
    crossing_on: dt.date | None  # None: not expected within the horizon, or no forecast
    earliest_on: dt.date | None  # the interval, as dates
    latest_on: dt.date | None  # None: later than the horizon
    reason: str  # why there is no forecast, or what it says, in words
    interval: float = INTERVAL


def _curve(t: np.ndarray, level: float, drop: float, rate: float) -> np.ndarray:
    return level - drop * np.exp(-rate * t)


def post_session_points(
    measurements: Sequence[Measurement], sessions: Sequence[dt.date]
) -> list[tuple[float, float]]:
    """(days since the session before it, value) for every measurement after the first session."""
    ordered = sorted(sessions)
    points = []
    for m in measurements:
        before = [s for s in ordered if s <= m.day]
        if before:
            points.append((float((m.day - before[-1]).days), float(m.value)))
    return points


def fit_fade(points: Sequence[tuple[float, float]], upper: float) -> Fade | None:
    """The fitted curve, or None when the data cannot determine it (too few points, or a fit whose
    parameter covariance is not finite)."""
    if len(points) < MIN_POINTS:
        return None
    t = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    if np.ptp(t) == 0:
        return None
    start = (float(y.max()), float(max(y.max() - y.min(), 1e-3)), 1.0 / max(float(np.median(t)), 1.0))
    try:
        popt, pcov = curve_fit(
            _curve, t, y, p0=start, bounds=([0.0, 0.0, 1e-4], [upper, upper, 5.0]), maxfev=5000
        )
    except (RuntimeError, ValueError):
        return None
    if not np.all(np.isfinite(pcov)):
        return None
    return Fade(float(popt[0]), float(popt[1]), float(popt[2]))


def forecast(
    measurements: Sequence[Measurement],
    sessions: Sequence[dt.date],
    *,
    threshold: float,
    scale_max: float,
    today: dt.date | None = None,
) -> Forecast:
    """When the measure is likely to rise above `threshold` after the latest session (`today`, when
    given, words a crossing that lies in the past as such)."""
    latest = max(sessions) if sessions else None
    points = post_session_points(measurements, sessions)
    empty = Forecast(threshold, None, len(points), latest, None, None, None, "")
    if latest is None:
        return _with_reason(empty, "No ketamine session yet: nothing to forecast from.")
    fade = fit_fade(points, scale_max)
    if fade is None:
        return _with_reason(
            empty,
            f"Not enough measurements after sessions to fit a curve ({len(points)}; at least "
            f"{MIN_POINTS} are needed).",
        )
    central, low, high = profile_crossing(points, threshold)
    if fade.crossing_days(threshold) is None:
        central = None

    def on(days: float | None) -> dt.date | None:
        if days is None or not math.isfinite(days) or days > HORIZON_DAYS:
            return None
        return latest + dt.timedelta(days=round(days))

    result = Forecast(
        threshold=threshold,
        fade=fade,
        points_used=len(points),
        latest_session=latest,
        crossing_on=on(central),
        earliest_on=on(low),
        latest_on=on(high),
        reason="",
    )
    if central is None or central > HORIZON_DAYS:
        return _with_reason(result, "Not expected to rise above the threshold within a year.")
    if central == 0:
        return _with_reason(result, "Already above the threshold right after sessions.")
    if today is not None and result.crossing_on is not None and result.crossing_on < today:
        return _with_reason(
            result,
            f"Likely above {threshold:g} already: the curve crossed it about {round(central)} days after "
            f"the latest session ({result.crossing_on:%Y-%m-%d}).",
        )
    return _with_reason(
        result,
        f"Likely to rise above {threshold:g} about {round(central)} days after the latest session.",
    )


def profile_crossing(
    points: Sequence[tuple[float, float]], threshold: float
) -> tuple[float | None, float | None, float | None]:
    """The crossing day t* with its profile-likelihood interval: (estimate, low, high) in days after
    a session, None where it lies beyond the horizon.

    With t* as a parameter the curve is y = threshold + (level - threshold) * (1 - u), with
    u = exp(rate * (t* - t)), linear in level: for each t* on a daily grid and each rate on a log
    grid, the level has a closed form, so the profile of the residual sum of squares over t* is
    exact on the grid. The interval keeps every t* whose profile lies within the F-test cut-off of
    the best (the profile interval for one parameter of a non-linear least-squares model)."""
    t = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    n = len(points)
    rates = np.geomspace(1e-3, 2.0, 160)[:, None]
    days = np.arange(0, HORIZON_DAYS + 1, dtype=float)
    profile = np.empty(len(days))
    above = y - threshold
    for k, t_star in enumerate(days):
        # y - threshold = excess * (1 - u), excess = level - threshold >= 0: linear in `excess`.
        a = 1.0 - np.exp(np.minimum(rates * (t_star - t), 60.0))
        excess = np.maximum((a * above).sum(axis=1) / np.maximum((a * a).sum(axis=1), 1e-300), 0.0)
        profile[k] = ((above - excess[:, None] * a) ** 2).sum(axis=1).min()
    best = int(profile.argmin())
    cutoff = profile[best] * (1 + float(f_dist.ppf(INTERVAL, 1, max(n - 3, 1))) / max(n - 3, 1))
    inside = np.flatnonzero(profile <= cutoff)
    low, high = float(days[inside.min()]), float(days[inside.max()])
    return (
        float(days[best]) if best < len(days) - 1 else None,
        low,
        None if high >= HORIZON_DAYS else high,
    )


def _with_reason(result: Forecast, reason: str) -> Forecast:
    return replace(result, reason=reason)
