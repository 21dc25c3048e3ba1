"""Cohort endpoints: the Kaplan-Meier product-limit estimate by hand, PDA medians, unreported days."""

from __future__ import annotations

import pytest

from ketacare.analytics.cohort import PatientEndpoints, age_band, summarise_cohort


def row(days: int, relapsed: bool, pda: float | None = 50.0, assessed: int = 30) -> PatientEndpoints:
    return PatientEndpoints(
        days_observed=days,
        days_assessed=assessed,
        percent_days_abstinent=pda,
        heavy_drinking_days=0,
        relapsed=relapsed,
        days_to_relapse_or_censoring=days,
    )


def test_kaplan_meier_equals_the_product_limit_estimate_by_hand() -> None:
    # Relapses on days 5, 10, 15; censored on days 10 and 20.  S(5) = 4/5, S(10) = 4/5 x 3/4,
    # S(15) = 0.6 x 1/2: the censored patient at day 10 is still at risk on day 10.
    rows = [row(5, True), row(10, True), row(10, False), row(15, True), row(20, False)]
    summary = summarise_cohort(rows)
    surviving = {p.day: p.surviving for p in summary.survival}
    assert surviving[5.0] == pytest.approx(0.8)
    assert surviving[10.0] == pytest.approx(0.6)
    assert surviving[15.0] == pytest.approx(0.3)
    assert summary.median_days_to_relapse == 15.0 and summary.relapses == 3
    assert summary.median_lower_95 is not None and summary.median_upper_95 is None  # upper not reached


def test_median_time_to_relapse_is_none_when_fewer_than_half_relapse() -> None:
    summary = summarise_cohort([row(30, False), row(30, False), row(12, True)])
    assert summary.median_days_to_relapse is None


def test_patients_without_a_reported_day_count_but_enter_no_estimate() -> None:
    rows = [row(20, True, pda=40.0), row(20, False, pda=80.0), row(0, False, pda=None, assessed=0)]
    summary = summarise_cohort(rows)
    assert summary.patients == 3 and summary.with_calendar == 2
    assert summary.median_percent_days_abstinent == 60.0


def test_patients_whose_relapse_clock_never_started_stay_out_of_the_kaplan_meier() -> None:
    never_abstinent = PatientEndpoints(
        days_observed=0,
        days_assessed=10,
        percent_days_abstinent=0.0,
        heavy_drinking_days=10,
        relapsed=False,
        days_to_relapse_or_censoring=None,
    )
    summary = summarise_cohort([row(10, True), never_abstinent])
    assert summary.with_calendar == 2 and summary.in_relapse_estimate == 1
    assert summary.survival[-1].surviving == 0.0 and summary.relapses == 1


def test_an_empty_cohort_has_no_estimates() -> None:
    summary = summarise_cohort([])
    assert summary.patients == 0 and summary.survival == () and summary.median_days_to_relapse is None


@pytest.mark.parametrize(("age", "band"), [(18, "15-19"), (20, "20-24"), (44, "40-44"), (65, "65-69")])
def test_ages_are_exported_in_five_year_bands(age: int, band: str) -> None:
    assert age_band(age) == band
