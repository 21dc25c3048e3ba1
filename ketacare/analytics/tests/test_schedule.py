"""When an assigned questionnaire is due."""

from __future__ import annotations

import datetime as dt

import pytest

from ketacare.analytics.schedule import DueStatus, due_state

START = dt.date(2026, 3, 2)


def state(today_offset: int, interval: int | None, answered: list[int], ends: int | None = None):  # type: ignore[no-untyped-def]
    return due_state(
        starts_on=START,
        interval_days=interval,
        ends_on=START + dt.timedelta(days=ends) if ends is not None else None,
        answered_on=[START + dt.timedelta(days=d) for d in answered],
        today=START + dt.timedelta(days=today_offset),
    )


def test_not_due_before_it_starts() -> None:
    assert state(-1, 7, []).status == DueStatus.NOT_STARTED


def test_daily_check_in_is_due_today_and_done_once_answered_today() -> None:
    assert state(3, 1, [0, 1, 2]).status == DueStatus.DUE
    assert state(3, 1, [3]).status == DueStatus.DONE


def test_fortnightly_phq9_is_overdue_after_its_due_day_passes_unanswered() -> None:
    result = state(17, 14, [0])
    assert result.status == DueStatus.OVERDUE
    assert result.due_on == START + dt.timedelta(days=14) and result.days_overdue == 3
    assert result.next_due_on == START + dt.timedelta(days=28)


def test_an_answer_anywhere_in_the_window_completes_the_occurrence() -> None:
    assert state(20, 14, [19]).status == DueStatus.DONE


def test_a_one_off_ends_once_answered() -> None:
    assert state(5, None, []).status == DueStatus.OVERDUE
    assert state(5, None, [4]).status == DueStatus.ENDED


def test_nothing_is_due_after_the_end_day() -> None:
    assert state(30, 7, [], ends=20).status == DueStatus.ENDED


def test_interval_must_be_positive() -> None:
    with pytest.raises(ValueError):
        state(0, 0, [])
