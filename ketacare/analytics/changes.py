"""What changed since a reference day, in words a clinician reads at a glance.

Pure Python. For each measure the latest value is compared with its last value on or before the
reference day (the patient's latest ketamine session, or another visit the caller chooses). No
threshold of "meaningful change" is invented: changes are ordered, not filtered. Band changes come
first (worse before better), then the other changes by their size relative to the measure's range.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Reading:
    on: dt.date
    value: float
    band: str = ""
    band_rank: int | None = None  # higher is more severe; None when the measure has no ranked bands


@dataclass(frozen=True)
class Measure:
    name: str  # "PHQ-9", "Craving (0-100)"
    readings: Sequence[Reading]  # oldest first
    scale_span: float  # max - min of the scale, to compare sizes across measures
    higher_is_worse: bool = True


@dataclass(frozen=True)
class Change:
    measure: str
    before: Reading
    after: Reading
    worse: bool
    band_changed: bool
    sentence: str

    @property
    def kind_order(self) -> int:
        """Band worse, then band better, then the rest."""
        return 0 if (self.band_changed and self.worse) else 1 if self.band_changed else 2


def _fmt(value: float) -> str:
    return f"{value:g}"


def _reading(r: Reading) -> str:
    return f"{_fmt(r.value)} ({r.band})" if r.band else _fmt(r.value)


def changes_since(measures: Sequence[Measure], since: dt.date) -> list[Change]:
    """Each measure's change from its last reading on or before `since` to its latest reading after it,
    most important first. A measure with nothing before or nothing after is left out."""
    found: list[tuple[tuple[int, float], Change]] = []
    for measure in measures:
        before = [r for r in measure.readings if r.on <= since]
        after = [r for r in measure.readings if r.on > since]
        if not before or not after:
            continue
        old, new = before[-1], after[-1]
        if new.value == old.value and new.band == old.band:
            continue
        rose = new.value > old.value
        worse = rose == measure.higher_is_worse
        band_changed = (
            old.band_rank is not None and new.band_rank is not None and old.band_rank != new.band_rank
        )
        if band_changed:
            worse = (new.band_rank or 0) > (old.band_rank or 0)
        verb = "rose" if rose else "fell" if new.value < old.value else "moved"
        sentence = (
            f"{measure.name} {verb} from {_reading(old)} on {old.on:%d %b} "
            f"to {_reading(new)} on {new.on:%d %b}{' (worse)' if worse else ' (better)'}."
        )
        change = Change(measure.name, old, new, worse, band_changed, sentence)
        relative = abs(new.value - old.value) / (measure.scale_span or 1)
        found.append(((change.kind_order, -relative), change))
    return [change for _, change in sorted(found, key=lambda item: item[0])]
