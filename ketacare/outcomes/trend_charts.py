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


# The order of the charts: craving, withdrawal, mood, motivation (the "at a glance"), then the rest.
CHART_ORDER = ("craving-vas", "pacs", "cows", "ciwa-ar", "phq-9", "gad-7", "readiness-ruler")


def treatment_markers(patient: Patient) -> list[charts.Marker]:
    """MAT starts and stops and every ketamine session that started, read once for all charts."""
    return selectors.treatment_markers(patient)


def _in_window(markers: list[charts.Marker], window: Window) -> list[charts.Marker]:
    if window.since is None:
        return markers
    since = _at_noon(window.since) - dt.timedelta(hours=12)
    return [m for m in markers if m.at >= since]


def _instrument_chart(
    instrument_id: str, series: selectors.ChartSeries, markers: list[charts.Marker]
) -> charts.Chart:
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
    low, high = instrument.total_range or (0, 1)
    single = len([item for item in instrument.items if item.scored]) == 1
    return charts.Chart(
        title=f"{instrument.abbreviation}: {instrument.measures.split(';')[0].split(':')[0]}",
        y_label=f"{'Rating' if single else 'Total score'} ({low}-{high})",
        points=points,
        y_range=(low, high),
        bands=bands,
        markers=markers,
    )


def _mood_chart(patient: Patient, window: Window, markers: list[charts.Marker]) -> charts.Chart | None:
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
    return charts.Chart(
        title="Mood: the patient's daily check-in",
        y_label="Mood (0-10, higher is better)",
        points=points,
        y_range=(0, 10),
        markers=markers,
    )


def _use_chart(patient: Patient, window: Window, markers: list[charts.Marker]) -> charts.Chart | None:
    weeks = selectors.weekly_use_days(patient, since=window.since)
    tests = selectors.test_markers(patient, since=window.since)
    if not weeks and not tests:
        return None
    points = [
        charts.Point(
            _at_noon(w.start),
            w.used,
            f"Week of {w.start:%d %b %Y}: use on {w.used} of {w.reported} days reported",
        )
        for w in weeks
    ]
    # Heavy-drinking days only where drinks were counted: a week without them is unknown, not zero.
    heavy = [
        charts.Point(_at_noon(w.start), w.heavy, f"Week of {w.start:%d %b %Y}: {w.heavy} heavy-drinking days")
        for w in weeks
        if w.drinks_reported
    ]
    return charts.Chart(
        title="Substance use per week: days of use"
        + (", heavy-drinking days (dashed)" if heavy else "")
        + " and test results (dots)",
        y_label="Days in the week (0-7)",
        points=points,
        y_range=(0, 7),
        markers=[*markers, *tests],
        second=heavy,
    )


def _order(instrument_id: str) -> tuple[int, str]:
    return (
        CHART_ORDER.index(instrument_id) if instrument_id in CHART_ORDER else len(CHART_ORDER),
        instrument_id,
    )


@dataclass(frozen=True)
class ChartSet:
    """A page's charts, drawn on one time axis, and the legend of the markers drawn on them."""

    shown: list[tuple[str, str]]  # (key, html)
    legend: list[tuple[str, str]]  # (marker kind, what it means)


def all_charts(patient: Patient, window: Window) -> ChartSet:
    """(key, html) for every instrument ever answered (craving, withdrawal, mood and motivation
    first), then mood and days of use, all drawn on one time axis: the window, or the whole history."""
    markers = _in_window(treatment_markers(patient), window)
    series = selectors.chart_series(patient, since=window.since)
    found: list[tuple[str, charts.Chart]] = [
        (i, _instrument_chart(i, series.get(i, selectors.ChartSeries()), markers))
        for i in sorted(selectors.instruments_answered(patient), key=_order)
    ]
    more = (
        ("mood", _mood_chart(patient, window, markers)),
        ("use-days", _use_chart(patient, window, markers)),
    )
    found += [(key, chart) for key, chart in more if chart is not None]
    times = [p.at for _, chart in found for p in chart.points] + [m.at for m in markers]
    now = timezone.now()
    axis = charts.TimeAxis.spanning(
        times,
        start=None if window.since is None else _at_noon(window.since) - dt.timedelta(hours=12),
        end=max([now, *times]),
    )
    kinds = {m.kind for _, chart in found for m in chart.markers}
    return ChartSet(
        shown=[(key, mark_safe(charts.render(chart, axis))) for key, chart in found],  # noqa: S308  (escaped in render)
        legend=[(kind, meaning) for kind, meaning in charts.MARKER_LEGEND.items() if kind in kinds],
    )
