"""The what-to-expect summary is ordered, banded by a population run, and names its model."""

from __future__ import annotations

import pytest

from ketacare.pharmacology import MODELS, Patient, Regimen
from ketacare.pharmacology.timeline import HYPOTHESIS_NOTE, timeline


def test_timeline_onset_comes_before_the_peak_and_recovery_after_it_with_a_percentile_band() -> None:
    result = timeline(MODELS["otto-2021"], Patient(70, 30), Regimen.single("iv-infusion", 35.0, 40.0), n=300)
    t = result.typical
    assert t.onset_min is not None and t.recovery_min is not None
    assert 0 < t.onset_min < t.peak_effect_min < t.recovery_min
    assert t.dissociative_minutes == pytest.approx(t.recovery_min - t.onset_min, rel=0.02)
    band = result.percentiles["recovery_min"]
    assert band["p5"] < band["p50"] < band["p95"]  # type: ignore[operator]
    assert result.model_id == "otto-2021" and result.norketamine is not None
    assert result.hypothesis == HYPOTHESIS_NOTE and "hypothesis" in result.summary()


def test_a_dose_that_never_reaches_the_dissociative_range_has_no_onset_and_says_so() -> None:
    result = timeline(MODELS["domino-1984"], Patient(70, 40), Regimen.single("iv-infusion", 5.0, 40.0), n=10)
    assert result.typical.onset_min is None and result.typical.dissociative_minutes == 0
    assert "stays below the dissociative range" in result.summary()


def test_models_without_published_variability_warn_that_the_band_is_degenerate() -> None:
    result = timeline(MODELS["domino-1984"], Patient(70, 40), Regimen.single("iv-bolus", 35.0), n=10)
    assert any("no published between-subject variability" in w for w in result.warnings)
