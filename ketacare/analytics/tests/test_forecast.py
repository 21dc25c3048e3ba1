"""Booster forecast: recovers a known fade, says when it cannot, and its interval is calibrated."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from ketacare.analytics import forecast as fc

START = dt.date(2026, 1, 5)


def synthetic_patient(
    rng: np.random.Generator, fade: fc.Fade, *, sessions: int, every_days: int, noise_sd: float
) -> tuple[list[fc.Measurement], list[dt.date]]:
    """Weekly measurements (plus one two days after each session) after sessions `every_days` apart."""
    dates = [START + dt.timedelta(days=i * every_days) for i in range(sessions)]
    measurements = []
    for i, session in enumerate(dates):
        span = every_days if i < sessions - 1 else 14  # the latest session: two weeks observed so far
        for offset in sorted({2, *range(7, span, 7)}):
            value = fade.value_at(offset) + rng.normal(0, noise_sd)
            measurements.append(
                fc.Measurement(session + dt.timedelta(days=offset), min(max(value, 0.0), 100.0))
            )
    return measurements, dates


def test_fade_crossing_solves_the_curve_for_the_threshold() -> None:
    fade = fc.Fade(level=70, drop=50, rate_per_day=0.05)
    days = fade.crossing_days(50)
    assert days is not None and fade.value_at(days) == pytest.approx(50)
    assert fade.crossing_days(80) is None  # never rises above 80
    assert fade.crossing_days(10) == 0.0  # starts above 10


def test_forecast_recovers_a_known_fade_without_noise() -> None:
    truth = fc.Fade(level=70, drop=50, rate_per_day=0.04)
    measurements, sessions = synthetic_patient(
        np.random.default_rng(1), truth, sessions=4, every_days=42, noise_sd=0.0
    )
    result = fc.forecast(measurements, sessions, threshold=50, scale_max=100)
    assert result.fade is not None
    assert result.fade.rate_per_day == pytest.approx(0.04, rel=1e-3)
    expected = max(sessions) + dt.timedelta(days=round(truth.crossing_days(50) or 0))
    assert result.crossing_on == expected
    assert "not a pharmacological prediction" in fc.NOT_PHARMACOLOGY


def test_forecast_refuses_with_a_reason_when_data_are_too_few() -> None:
    result = fc.forecast(
        [fc.Measurement(START + dt.timedelta(days=2), 20.0)], [START], threshold=50, scale_max=100
    )
    assert result.crossing_on is None and "at least" in result.reason
    assert "No ketamine session" in fc.forecast([], [], threshold=50, scale_max=100).reason


def test_a_benefit_that_never_fades_past_the_threshold_is_said_so() -> None:
    truth = fc.Fade(level=40, drop=30, rate_per_day=0.05)
    measurements, sessions = synthetic_patient(
        np.random.default_rng(2), truth, sessions=3, every_days=42, noise_sd=1.0
    )
    result = fc.forecast(measurements, sessions, threshold=60, scale_max=100)
    assert result.crossing_on is None and "within a year" in result.reason


def coverage(patients: int, seed: int) -> float:
    """How often the 80% interval holds the true crossing day, over synthetic patients."""
    rng = np.random.default_rng(seed)
    hits = counted = 0
    for _ in range(patients):
        truth = fc.Fade(
            level=float(rng.uniform(55, 85)),
            drop=float(rng.uniform(30, 50)),
            rate_per_day=float(rng.uniform(0.02, 0.08)),
        )
        threshold = 50.0
        true_days = truth.crossing_days(threshold)
        if true_days is None or true_days == 0:
            continue
        measurements, sessions = synthetic_patient(rng, truth, sessions=4, every_days=42, noise_sd=6.0)
        result = fc.forecast(measurements, sessions, threshold=threshold, scale_max=100)
        if result.fade is None:
            continue
        counted += 1
        true_on = max(sessions) + dt.timedelta(days=round(true_days))
        low = result.earliest_on or max(sessions)
        high = result.latest_on or dt.date.max
        hits += low <= true_on <= high
    assert counted >= patients * 0.8
    return hits / counted


def test_the_80_percent_interval_holds_the_truth_about_80_percent_of_the_time() -> None:
    # Measured on 150 synthetic patients with known curves and noise sd 6 on a 0-100 scale; the
    # observed coverage is reported in docs/outcomes.md. A normal approximation can be off, so the
    # test holds it to a band around the nominal 80%, not to the number itself.
    observed = coverage(150, seed=7)
    assert 0.72 <= observed <= 0.90, observed
    assert math.isfinite(observed)


def test_a_crossing_already_in_the_past_is_worded_as_such() -> None:
    truth = fc.Fade(level=70, drop=50, rate_per_day=0.04)
    measurements, sessions = synthetic_patient(
        np.random.default_rng(3), truth, sessions=4, every_days=42, noise_sd=0.0
    )
    later = max(sessions) + dt.timedelta(days=90)
    result = fc.forecast(measurements, sessions, threshold=50, scale_max=100, today=later)
    assert result.crossing_on is not None and result.crossing_on < later
    assert result.reason.startswith("Likely above 50 already")


def test_no_half_life_is_claimed_when_the_data_show_no_fading() -> None:
    assert fc.Fade(level=70, drop=40, rate_per_day=1e-4).half_life_days is None
    assert fc.Fade(level=70, drop=40, rate_per_day=0.04).half_life_days == pytest.approx(17.3, abs=0.1)
