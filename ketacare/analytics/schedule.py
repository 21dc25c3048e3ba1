"""When an assigned questionnaire is due: pure date arithmetic, no clinical numbers.

An assignment starts on a day and recurs every `interval_days` (None: once). Each occurrence is a
window from its due day to the next due day; one answer inside the window completes it.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass


class DueStatus(enum.StrEnum):
    NOT_STARTED = "not-started"  # starts in the future
    DONE = "done"  # the current occurrence is answered
    DUE = "due"  # due today and not answered yet
    OVERDUE = "overdue"  # due on an earlier day and still not answered
    ENDED = "ended"  # past its end day (or a one-off that was answered)


@dataclass(frozen=True)
class DueState:
    status: DueStatus
    due_on: dt.date | None  # the current occurrence's due day
    next_due_on: dt.date | None  # the following occurrence (None for a one-off or past the end)
    days_overdue: int = 0


def due_state(
    *,
    starts_on: dt.date,
    interval_days: int | None,
    ends_on: dt.date | None,
    answered_on: Iterable[dt.date],
    today: dt.date,
) -> DueState:
    if interval_days is not None and interval_days < 1:
        raise ValueError("interval_days must be at least 1")
    answered = sorted(answered_on)
    if today < starts_on:
        return DueState(DueStatus.NOT_STARTED, None, starts_on)
    if interval_days is None:
        if any(day >= starts_on for day in answered):
            return DueState(DueStatus.ENDED, starts_on, None)
        if ends_on is not None and today > ends_on:
            return DueState(DueStatus.ENDED, starts_on, None)
        return _open(starts_on, None, today)
    last_day = today if ends_on is None else min(today, ends_on)
    occurrence = starts_on + dt.timedelta(days=((last_day - starts_on).days // interval_days) * interval_days)
    following = occurrence + dt.timedelta(days=interval_days)
    next_due = following if ends_on is None or following <= ends_on else None
    if any(occurrence <= day < following for day in answered):
        status = DueStatus.ENDED if ends_on is not None and today > ends_on else DueStatus.DONE
        return DueState(status, occurrence, next_due)
    if ends_on is not None and today > ends_on:
        return DueState(DueStatus.ENDED, occurrence, None)
    return _open(occurrence, next_due, today)


def _open(due_on: dt.date, next_due_on: dt.date | None, today: dt.date) -> DueState:
    if due_on == today:
        return DueState(DueStatus.DUE, due_on, next_due_on)
    return DueState(DueStatus.OVERDUE, due_on, next_due_on, days_overdue=(today - due_on).days)
