"""The in-session alert rule: only the clinic's thresholds raise alerts, and none when unset."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ketacare.rules.session_alerts import Reading, Thresholds, evaluate_vitals

NORMAL = Reading(systolic_mmhg=125, diastolic_mmhg=80, heart_rate_per_min=72, spo2_percent=98)
SET = Thresholds(
    systolic_above_mmhg=160,
    diastolic_above_mmhg=100,
    heart_rate_above_per_min=110,
    heart_rate_below_per_min=50,
    spo2_below_percent=92,
)


def codes(reading: Reading, thresholds: Thresholds) -> list[str]:
    return [a.code for a in evaluate_vitals(reading, thresholds)]


@given(st.integers(40, 300), st.integers(20, 200), st.integers(20, 250), st.integers(50, 100))
def test_no_thresholds_set_raise_no_alert_whatever_the_reading(
    sys: int, dia: int, hr: int, spo2: int
) -> None:
    assert evaluate_vitals(Reading(sys, dia, hr, spo2), Thresholds()) == []
    assert not Thresholds().any_set


def test_a_reading_inside_the_clinic_thresholds_raises_nothing() -> None:
    assert codes(NORMAL, SET) == []


def test_values_exactly_at_a_threshold_do_not_alert_only_beyond_it() -> None:
    at = Reading(systolic_mmhg=160, diastolic_mmhg=100, heart_rate_per_min=110, spo2_percent=92)
    assert codes(at, SET) == []
    assert codes(Reading(161, 101, 111, 91), SET) == [
        "systolic-high",
        "diastolic-high",
        "heart-rate-high",
        "spo2-low",
    ]


def test_a_low_heart_rate_alerts_below_the_clinic_threshold() -> None:
    assert codes(Reading(120, 80, 49, 98), SET) == ["heart-rate-low"]


def test_only_the_thresholds_a_clinic_set_are_checked() -> None:
    only_bp = Thresholds(systolic_above_mmhg=160)
    assert codes(Reading(170, 120, 150, 80), only_bp) == ["systolic-high"]


def test_the_alert_message_names_the_value_and_the_clinic_threshold() -> None:
    (alert,) = evaluate_vitals(Reading(172, 90, 80, 97), Thresholds(systolic_above_mmhg=160))
    assert alert.message == "Systolic 172 mmHg is above the clinic's alert threshold of 160 mmHg."
