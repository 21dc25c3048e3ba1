"""The trend charts of a patient's outcomes page and portal: a chosen window, a fixed number of queries.

By default a chart shows the last `DEFAULT_WINDOW_DAYS` days point by point; the whole history is one
click away (`?window=all`) and is drawn from weekly means computed in the database, so a chart of
two years of daily check-ins is about a hundred points, not seven hundred. Treatment markers are
read once for every chart. Six queries whatever the length of the history (docs/performance.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.safestring import mark_safe

from ketacare import instruments
from ketacare.outcomes import charts, selectors
from ketacare.patients.models import Patient

# The window a chart opens on: a ketamine course and its first follow-up (a display choice, not clinical).
DEFAULT_WINDOW_DAYS = 90
WHOLE_HISTORY = "all"


@dataclass(frozen=True)
class Window:
    """The span the charts show: since a day, or the whole history (since None)."""

    since: dt.date | None

    @property
    def whole_history(self) -> bool:
        return self.since is None

    @property
    def key(self) -> str:
        return WHOLE_HISTORY if self.since is None else str(DEFAULT_WINDOW_DAYS)


def window_from(value: str | None, today: dt.date | None = None) -> Window:
    """`?window=all` is the whole history; anything else the default window."""
    if value == WHOLE_HISTORY:
        return Window(None)
    return Window((today or timezone.localdate()) - dt.timedelta(days=DEFAULT_WINDOW_DAYS - 1))


def _at_noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def treatment_markers(patient: Patient) -> list[charts.Marker]:
    """MAT starts and stops and every ketamine session that started, read once for all charts."""
    return selectors.treatment_markers(patient)


def _in_window(markers: list[charts.Marker], window: Window) -> list[charts.Marker]:
    if window.since is None:
        return markers
    since = _at_noon(window.since) - dt.timedelta(hours=12)
    return [m for m in markers if m.at >= since]


def _instrument_chart(instrument_id: str, series: selectors.ChartSeries, markers: list[charts.Marker]) -> str:
    instrument = instruments.get_instrument(instrument_id)
    if series.weekly:
        points = [
            charts.Point(
                _at_noon(p.day),
                p.value,
                f"Week of {p.day:%d %b %Y}: mean {p.value:.1f} of {p.count} "
                f"answer{'s' if p.count != 1 else ''}",
            )
            for p in series.points
        ]
    else:
        points = [
            charts.Point(
                p.answered_at,
                p.total,
                f"{p.answered_at:%d %b %Y}: {p.total}{' (' + p.band + ')' if p.band else ''}",
            )
            for p in series.raw
        ]
    bands = [
        charts.BandArea(b.label, b.low, b.high)
        for b in instrument.bands
        if b.low is not None and b.high is not None
    ]
    shown = [m for m in markers if not points or m.at >= points[0].at - dt.timedelta(days=30)]
    svg = charts.trend_svg(
        title=f"{instrument.abbreviation} over time",
        points=points,
        y_range=instrument.total_range or (0, 1),
        bands=bands,
        markers=shown,
    )
    return mark_safe(svg)  # noqa: S308  (built by charts.trend_svg, every text escaped there)


def _mood_chart(patient: Patient, window: Window) -> str | None:
    if window.since is None:
        weekly = selectors.weekly_mood(patient)
        if not weekly:
            return None
        points = [
            charts.Point(_at_noon(p.day), p.value, f"Week of {p.day:%d %b %Y}: mean mood {p.value:.1f}/10")
            for p in weekly
        ]
    else:
        series = selectors.mood_series(patient, since=window.since)
        if not series:
            return None
        points = [
            charts.Point(_at_noon(day), mood, f"{day:%d %b %Y}: mood {mood}/10") for day, mood in series
        ]
    svg = charts.trend_svg(title="Mood (0-10, patient's daily report)", points=points, y_range=(0, 10))
    return mark_safe(svg)  # noqa: S308  (built by charts.trend_svg, every text escaped there)


def _use_chart(patient: Patient, window: Window, markers: list[charts.Marker]) -> str | None:
    weeks = selectors.weekly_use_days(patient, since=window.since)
    if not weeks:
        return None
    points = [
        charts.Point(
            _at_noon(start), used, f"Week of {start:%d %b %Y}: use on {used} of {reported} days reported"
        )
        for start, used, reported in weeks
    ]
    svg = charts.trend_svg(title="Days of use per week", points=points, y_range=(0, 7), markers=markers)
    return mark_safe(svg)  # noqa: S308  (built by charts.trend_svg, every text escaped there)


def all_charts(patient: Patient, window: Window) -> list[tuple[str, str]]:
    """(key, svg) for every instrument ever answered, then mood and days of use."""
    markers = _in_window(treatment_markers(patient), window)
    series = selectors.chart_series(patient, since=window.since)
    found = [
        (i, _instrument_chart(i, series.get(i, selectors.ChartSeries()), markers))
        for i in selectors.instruments_answered(patient)
    ]
    more = (("mood", _mood_chart(patient, window)), ("use-days", _use_chart(patient, window, markers)))
    for key, svg in more:
        if svg is not None:
            found.append((key, svg))
    return found
