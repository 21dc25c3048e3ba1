"""Changes since a visit, in words: band changes first (worse before better), then by size."""

from __future__ import annotations

import datetime as dt

from ketacare.analytics.changes import Measure, Reading, changes_since

SINCE = dt.date(2026, 11, 1)
BEFORE, AFTER = dt.date(2026, 10, 28), dt.date(2026, 11, 20)


def test_a_worse_band_comes_first_and_reads_as_a_sentence() -> None:
    phq9 = Measure("PHQ-9", [Reading(BEFORE, 8, "Mild", 1), Reading(AFTER, 15, "Moderately severe", 3)], 27)
    craving = Measure("Craving", [Reading(BEFORE, 20), Reading(AFTER, 70)], 100)
    gad7 = Measure("GAD-7", [Reading(BEFORE, 12, "Moderate", 2), Reading(AFTER, 6, "Mild", 1)], 21)
    found = changes_since([craving, gad7, phq9], SINCE)
    assert [c.measure for c in found] == ["PHQ-9", "GAD-7", "Craving"]
    assert (
        found[0].sentence == "PHQ-9 rose from 8 (Mild) on 28 Oct to 15 (Moderately severe) on 20 Nov (worse)."
    )
    assert found[1].worse is False and found[2].worse is True


def test_for_a_measure_where_higher_is_better_a_fall_is_worse() -> None:
    readiness = Measure("Readiness", [Reading(BEFORE, 8), Reading(AFTER, 4)], 10, higher_is_worse=False)
    (change,) = changes_since([readiness], SINCE)
    assert change.worse and change.sentence.endswith("(worse).")


def test_a_measure_without_a_reading_on_both_sides_is_left_out() -> None:
    only_after = Measure("PHQ-9", [Reading(AFTER, 10, "Moderate", 2)], 27)
    unchanged = Measure("GAD-7", [Reading(BEFORE, 5, "Mild", 1), Reading(AFTER, 5, "Mild", 1)], 21)
    assert changes_since([only_after, unchanged], SINCE) == []


def test_changes_without_bands_are_ordered_by_size_relative_to_the_scale() -> None:
    craving = Measure("Craving", [Reading(BEFORE, 50), Reading(AFTER, 60)], 100)  # 10% of its scale
    mood = Measure("Mood", [Reading(BEFORE, 7), Reading(AFTER, 4)], 10, higher_is_worse=False)  # 30%
    assert [c.measure for c in changes_since([craving, mood], SINCE)] == ["Mood", "Craving"]
