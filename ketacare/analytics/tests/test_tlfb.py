"""Timeline follow-back summaries, relapse definitions and test-vs-report contradictions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.analytics import tlfb
from ketacare.analytics.tlfb import RelapseDefinition, UseDay

D0 = dt.date(2026, 3, 1)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


def drinks(n: int, amount: str) -> UseDay:
    return UseDay(day(n), "alcohol", True, Decimal(amount))


def dry(n: int, substance: str = "alcohol") -> UseDay:
    return UseDay(day(n), substance, False)


def test_heavy_drinking_cutoffs_are_those_of_dakwar_2020() -> None:
    # Dakwar et al., Am J Psychiatry 2020;177:125-133, doi:10.1176/appi.ajp.2019.19070684:
    # "heavy drinking days (more than four drinks per day for men and more than three drinks per day
    # for women)".
    assert tlfb.HEAVY_DRINKING_MORE_THAN_DRINKS_MEN == 4
    assert tlfb.HEAVY_DRINKING_MORE_THAN_DRINKS_WOMEN == 3


def test_four_drinks_is_heavy_for_a_woman_but_not_for_a_man() -> None:
    assert tlfb.is_heavy_drinking_day(Decimal(4), "female")
    assert not tlfb.is_heavy_drinking_day(Decimal(4), "male")
    assert tlfb.is_heavy_drinking_day(Decimal("4.5"), "male")
    assert not tlfb.is_heavy_drinking_day(Decimal(3), "female")


def test_without_male_or_female_the_lower_cutoff_applies() -> None:
    assert tlfb.heavy_drinking_cutoff(None) == tlfb.HEAVY_DRINKING_MORE_THAN_DRINKS_WOMEN
    assert tlfb.heavy_drinking_cutoff("intersex") == tlfb.HEAVY_DRINKING_MORE_THAN_DRINKS_WOMEN


def test_summary_counts_pda_heavy_days_and_drinks_per_drinking_day() -> None:
    days = [dry(0), drinks(1, "2"), drinks(2, "6"), dry(3), UseDay(day(3), "cocaine", True)]
    summary = tlfb.summarise(days, "male")
    assert summary.days_assessed == 4
    assert summary.days_abstinent == 1  # day 3 had cocaine
    assert summary.percent_days_abstinent == 25.0
    assert summary.drinking_days == 2
    assert summary.heavy_drinking_days == 1
    assert summary.drinks_per_drinking_day == 4.0
    assert summary.use_days_by_substance == {"alcohol": 2, "cocaine": 1}


def test_an_unreported_day_is_unknown_not_abstinent() -> None:
    summary = tlfb.summarise([dry(0), dry(5)], "female")
    assert summary.days_assessed == 2 and summary.percent_days_abstinent == 100.0


def test_no_reports_give_no_percentages_rather_than_zero() -> None:
    summary = tlfb.summarise([], "female")
    assert summary.percent_days_abstinent is None and summary.drinks_per_drinking_day is None


@given(st.lists(st.tuples(st.integers(0, 60), st.booleans(), st.integers(1, 300)), max_size=80))
def test_percent_days_abstinent_stays_within_0_to_100(entries: list[tuple[int, bool, int]]) -> None:
    days = [
        UseDay(day(n), "alcohol", used, Decimal(tenths) / 10 if used else None) for n, used, tenths in entries
    ]
    summary = tlfb.summarise(days, None)
    if summary.percent_days_abstinent is not None:
        assert 0 <= summary.percent_days_abstinent <= 100
    assert summary.heavy_drinking_days <= summary.drinking_days <= summary.days_assessed


def test_relapse_any_use_is_the_first_day_with_use() -> None:
    days = [dry(0), dry(1), UseDay(day(2), "cocaine", True), drinks(5, "8")]
    relapse = tlfb.find_relapse(days, RelapseDefinition.ANY_USE, start=day(0), sex="male")
    assert relapse.relapse_on == day(2) and relapse.days_to_relapse == 2 and relapse.days_observed == 5


def test_relapse_first_heavy_day_skips_lighter_drinking() -> None:
    days = [drinks(1, "2"), drinks(2, "4"), drinks(3, "5")]
    assert tlfb.find_relapse(
        days, RelapseDefinition.FIRST_HEAVY_DAY, start=day(0), sex="male"
    ).relapse_on == day(3)
    assert tlfb.find_relapse(
        days, RelapseDefinition.FIRST_HEAVY_DAY, start=day(0), sex="female"
    ).relapse_on == day(2)


def test_relapse_regular_use_needs_the_clinics_run_length() -> None:
    with pytest.raises(ValueError, match="consecutive days"):
        tlfb.find_relapse([], RelapseDefinition.REGULAR_USE, start=day(0), sex=None)


def test_regular_use_starts_on_the_first_day_of_the_run() -> None:
    days = [drinks(1, "1"), dry(2), drinks(3, "1"), drinks(4, "1"), drinks(5, "1")]
    relapse = tlfb.find_relapse(
        days, RelapseDefinition.REGULAR_USE, start=day(0), sex=None, regular_use_days=3
    )
    assert relapse.relapse_on == day(3)


def test_an_unreported_day_breaks_a_run_of_use() -> None:
    days = [drinks(1, "1"), drinks(2, "1"), drinks(4, "1")]
    relapse = tlfb.find_relapse(
        days, RelapseDefinition.REGULAR_USE, start=day(0), sex=None, regular_use_days=3
    )
    assert relapse.relapse_on is None and relapse.days_to_relapse is None and relapse.days_observed == 4


def test_use_before_the_start_does_not_count() -> None:
    days = [drinks(0, "9"), dry(1), dry(2)]
    assert tlfb.find_relapse(days, RelapseDefinition.ANY_USE, start=day(1), sex=None).relapse_on is None


def test_positive_test_on_a_day_reported_dry_is_a_contradiction() -> None:
    test = tlfb.BiologicalTest(day(1), tlfb.TestKind.URINE_ETG, "alcohol", True)
    found = tlfb.contradictions([test], [dry(1)])
    assert [c.test for c in found] == [test]
    assert "no use" in found[0].reason


def test_negative_test_beside_reported_use_or_an_unreported_day_is_not_flagged() -> None:
    negative = tlfb.BiologicalTest(day(1), tlfb.TestKind.BREATH_ALCOHOL, "alcohol", False)
    unreported = tlfb.BiologicalTest(day(2), tlfb.TestKind.URINE_TOX, "cocaine", True)
    reported_use = tlfb.BiologicalTest(day(3), tlfb.TestKind.URINE_TOX, "cocaine", True)
    days = [drinks(1, "3"), UseDay(day(3), "cocaine", True)]
    assert tlfb.contradictions([negative, unreported, reported_use], days) == []


def test_contradiction_is_per_substance() -> None:
    test = tlfb.BiologicalTest(day(1), tlfb.TestKind.URINE_TOX, "opioids", True)
    assert tlfb.contradictions([test], [UseDay(day(1), "cocaine", True), dry(1, "opioids")])


def test_the_relapse_clock_starts_on_the_first_day_without_use_of_any_substance() -> None:
    d = dt.date(2026, 3, 1)
    days = [
        UseDay(d, "alcohol", True, Decimal(6)),
        UseDay(d + dt.timedelta(days=1), "alcohol", False),
        UseDay(d + dt.timedelta(days=1), "cocaine", True),  # still using: not abstinent that day
        UseDay(d + dt.timedelta(days=2), "alcohol", False),
        UseDay(d + dt.timedelta(days=2), "cocaine", False),
    ]
    assert tlfb.abstinence_start(days) == d + dt.timedelta(days=2)
    assert tlfb.abstinence_start(days[:3]) is None
