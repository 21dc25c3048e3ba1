"""The trials' endpoints on a small synthetic cohort whose answers are computed by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ketacare.analytics import tlfb, trials

START = dt.date(2026, 1, 1)
TODAY = dt.date(2026, 12, 1)  # every window below has passed


def course(
    reports: dict[int, bool | int], substance: str = "cocaine", sex: str = "male"
) -> trials.CohortPatient:
    """Days from the index session -> False (no use), True (use) or a number of drinks."""
    days = []
    for offset, value in reports.items():
        if isinstance(value, bool):
            days.append(tlfb.UseDay(START + dt.timedelta(days=offset), substance, value))
        else:
            days.append(tlfb.UseDay(START + dt.timedelta(days=offset), "alcohol", value > 0, Decimal(value)))
    return trials.CohortPatient(index_day=START, days=tuple(days), sex=sex)


def clean(first: int, last: int) -> dict[int, bool | int]:
    return {d: False for d in range(first, last + 1)}


def test_dakwar_2019_abstinence_needs_every_one_of_the_last_14_days_reported_without_use() -> None:
    abstinent = course(clean(0, 34))
    used_on_day_25 = course({**clean(0, 34), 25: True})
    one_day_unreported = course({d: False for d in range(0, 35) if d != 30})
    used_early_only = course({**clean(0, 34), 3: True})
    comparison = trials.dakwar_2019(
        [abstinent, used_on_day_25, one_day_unreported, used_early_only], today=TODAY, substance="cocaine"
    )
    end_of_study = comparison.endpoints[0].detail
    assert isinstance(end_of_study, trials.Proportion)
    # Abstinent: the clean course and the one that used only on day 3 (before the last two weeks).
    assert (end_of_study.successes, end_of_study.n, end_of_study.percent) == (2, 4, 50.0)


def test_dakwar_2019_relapse_is_first_use_or_dropout_whichever_comes_first() -> None:
    assert trials.relapse_first_use_or_dropout(course({**clean(0, 34), 9: True}), window_days=35) == (9, True)
    # Reports stop after day 12: dropout dated the next day.
    assert trials.relapse_first_use_or_dropout(course(clean(0, 12)), window_days=35) == (13, True)
    # A gap in reports is not a dropout when reports resume: the use on day 20 is the relapse.
    assert trials.relapse_first_use_or_dropout(course({**clean(0, 12), 20: True}), window_days=35) == (
        20,
        True,
    )
    # Followed to the end without use: censored at the window's end.
    assert trials.relapse_first_use_or_dropout(course(clean(0, 34)), window_days=35) == (35, False)
    # Use on the index day itself (before the infusion) is not a relapse.
    assert trials.relapse_first_use_or_dropout(course({**clean(0, 34), 0: True}), window_days=35) == (
        35,
        False,
    )


def test_dakwar_2019_kaplan_meier_by_hand() -> None:
    # Relapse on day 5 and day 10 (dropout), two followed to the end: S(35) = 3/4 x 2/3 = 0.5.
    cohort = [
        course({**clean(0, 34), 5: True}),
        course(clean(0, 9)),
        course(clean(0, 34)),
        course(clean(0, 34)),
    ]
    ttr = trials.dakwar_2019(cohort, today=TODAY, substance="cocaine").endpoints[1].detail
    assert isinstance(ttr, trials.TimeToRelapse)
    assert ttr.relapses == 2 and ttr.surviving_at_end == pytest.approx(0.5)


def test_patients_whose_window_has_not_ended_are_not_yet_an_outcome() -> None:
    recent = trials.CohortPatient(index_day=TODAY - dt.timedelta(days=10), days=(), sex="male")
    comparison = trials.dakwar_2019([recent, course(clean(0, 34))], today=TODAY, substance="cocaine")
    assert comparison.eligible_patients == 1


def test_dakwar_2020_heavy_day_is_more_than_4_drinks_for_men_and_more_than_3_for_women() -> None:
    man_four = course({**{d: 0 for d in range(21)}, 5: 4}, sex="male")
    man_five = course({**{d: 0 for d in range(21)}, 5: 5}, sex="male")
    woman_four = course({**{d: 0 for d in range(21)}, 5: 4}, sex="female")
    comparison = trials.dakwar_2020(
        [man_four, man_five, woman_four],
        today=TODAY,
        relapse=tlfb.RelapseDefinition.FIRST_HEAVY_DAY,
        regular_use_days=None,
    )
    daily, heavy, ttr = (e.detail for e in comparison.endpoints)
    assert isinstance(heavy, trials.Proportion) and (heavy.successes, heavy.n) == (2, 3)
    # Each drank on 1 of 21 reported days: 95.2% days abstinent for everyone.
    assert isinstance(daily, trials.Mean) and daily.mean == pytest.approx(95.2)
    assert isinstance(ttr, trials.TimeToRelapse) and ttr.relapses == 2


def test_grabski_2022_percent_days_abstinent_over_six_months_with_a_t_interval() -> None:
    # PDA 100, 50 and 75 over the reported days of the 182-day window: mean 75.
    full = course({d: 0 for d in range(182)})
    half = course({d: (2 if d % 2 else 0) for d in range(182)})
    quarter = course({d: (1 if d % 4 == 1 else 0) for d in range(0, 180)})
    comparison = trials.grabski_2022(
        [full, half, quarter], today=TODAY, relapse=tlfb.RelapseDefinition.ANY_USE, regular_use_days=None
    )
    pda, relapse = (e.detail for e in comparison.endpoints)
    assert isinstance(pda, trials.Mean) and pda.mean == pytest.approx(75.0)
    # sd 25, n 3: half-width t(0.975, 2) x 25 / sqrt(3) = 4.303 x 14.434 = 62.1
    assert pda.lower_95 == pytest.approx(12.9, abs=0.1) and pda.upper_95 == pytest.approx(137.1, abs=0.1)
    assert isinstance(relapse, trials.Proportion) and (relapse.successes, relapse.n) == (2, 3)


def test_wilson_interval_matches_the_textbook_value() -> None:
    # 5 of 10: Wilson 95% interval 23.7%-76.3% (Newcombe 1998, Table I style check).
    p = trials.proportion(5, 10)
    assert (p.percent, p.lower_95, p.upper_95) == (50.0, 23.7, 76.3)
    assert trials.proportion(0, 0).percent is None


def test_only_verified_published_results_carry_numbers() -> None:
    for results in trials.PUBLISHED.values():
        for result in results:
            has_number = any(ch.isdigit() for ch in result.value)
            assert result.status == "VERIFIED" or not has_number, result
    # The verified Dakwar 2019 figures, as published.
    text = " ".join(r.value for r in trials.PUBLISHED[trials.DAKWAR_2019])
    assert "48.2%" in text and "10.7%" in text and "0.47" in text and "0.24-0.92" in text
    grabski = " ".join(r.value for r in trials.PUBLISHED[trials.GRABSKI_2022])
    assert "10.1%" in grabski and "1.1-19.0" in grabski and "15.9%" in grabski


def test_every_comparison_says_a_clinic_cohort_is_not_a_trial() -> None:
    comparison = trials.dakwar_2019([], today=TODAY, substance=None)
    assert trials.NOT_A_TRIAL in comparison.caveats
    assert comparison.endpoints[0].clinic_value == "no patients yet"
