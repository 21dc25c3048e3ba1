"""Trend charts drawn on the server: the same numbers the tables show, printable, no script.

Every chart of a page shares one `TimeAxis`, so a ketamine session sits at the same x on all of
them. A chart is a small CSS grid (ketacare.css, `.trend`): its title and y-axis label are HTML
text, the tick labels are SVGs without a viewBox (text at real pixel sizes, placed in percent of
the plot), and the plot is an SVG stretched to the width it is given (`preserveAspectRatio="none"`,
strokes that do not scale). Text therefore stays at its real size on a 320 px phone and on paper,
where a scaled SVG shrank it to about 5 px. Colours come from classes (the strict CSP forbids
inline styles), so the markup holds geometry only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from ketacare.a11y.figure import text_alternative

# The plot's own coordinates: x 0-1000 across the time axis, y 0-100 from the top.
PLOT_W, PLOT_H = 1000, 100


@dataclass(frozen=True)
class Point:
    at: dt.datetime
    value: float
    label: str  # shown on hover (<title>) and to screen readers


@dataclass(frozen=True)
class BandArea:
    label: str
    low: float
    high: float


@dataclass(frozen=True)
class Marker:
    at: dt.datetime
    label: str
    kind: str  # css class suffix: "session", "mat", "therapy", "tox-positive", "tox-negative"

    @property
    def is_test(self) -> bool:
        """A toxicology result is a dot on the plot's top edge, not a line across it."""
        return self.kind.startswith("tox-")


# What each kind of marker means, for the legend under the charts (one place).
MARKER_LEGEND = {
    "session": "ketamine session",
    "mat": "MAT started, changed or stopped",
    "therapy": "therapy session",
    "tox-positive": "positive test",
    "tox-negative": "negative test",
}


@dataclass(frozen=True)
class TimeAxis:
    """The span every chart of a page shares."""

    start: dt.datetime
    end: dt.datetime

    @classmethod
    def spanning(
        cls, times: Sequence[dt.datetime], *, start: dt.datetime | None, end: dt.datetime
    ) -> TimeAxis:
        """From `start` (or the earliest of `times`) to `end`; at least a day wide."""
        first = start if start is not None else min(times, default=end)
        first = min(first, end)
        if end - first < dt.timedelta(days=1):
            first = end - dt.timedelta(days=1)
        return cls(first, end)

    def x(self, at: dt.datetime) -> float:
        span = (self.end - self.start).total_seconds()
        fraction = (at - self.start).total_seconds() / span
        return round(PLOT_W * min(max(fraction, 0.0), 1.0), 1)

    def ticks(self) -> list[tuple[dt.datetime, str]]:
        """Date labels: the first of each month on long spans, Mondays on short ones, at most eight."""
        days = (self.end - self.start).days
        tzinfo = self.start.tzinfo
        found: list[tuple[dt.datetime, str]] = []
        if days > 45:
            month = dt.datetime(self.start.year, self.start.month, 1, tzinfo=tzinfo)
            while month <= self.end:
                if month >= self.start:
                    found.append(
                        (month, f"{month:%b %Y}" if month.month == 1 or not found else f"{month:%b}")
                    )
                month = dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=tzinfo)
        else:
            day = dt.datetime.combine(self.start.date(), dt.time.min, tzinfo=tzinfo)
            day += dt.timedelta(days=(7 - day.weekday()) % 7)
            while day <= self.end:
                found.append((day, f"{day:%d %b}"))
                day += dt.timedelta(days=7)
        step = -(-len(found) // 8)  # at most eight labels, evenly thinned
        return found[::step] if found else found


@dataclass(frozen=True)
class Chart:
    """One chart's content; drawn by `render` on a page's shared axis."""

    title: str
    y_label: str  # what the y axis measures, with its unit or range
    points: Sequence[Point]
    y_range: tuple[float, float]
    bands: Sequence[BandArea] = ()
    markers: Sequence[Marker] = ()
    second: Sequence[Point] = ()  # a second series on the same scale (dashed), named in the title


def render(chart: Chart, axis: TimeAxis) -> str:
    """The chart as HTML (title, axis labels, plot) followed by its text alternative (a summary
    sentence and the points as a table: docs/accessibility.md)."""
    low, high = chart.y_range
    span_y = (high - low) or 1

    def y(value: float) -> float:
        return round(PLOT_H * (1 - (min(max(value, low), high) - low) / span_y), 2)

    def y_percent(value: float) -> str:
        return f"{y(value) / PLOT_H * 100:.1f}%"

    plot = [
        f'<svg class="plot" viewBox="0 0 {PLOT_W} {PLOT_H}" preserveAspectRatio="none" '
        'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">'
    ]
    band_labels = []
    for index, band in enumerate(chart.bands):
        # Bands are whole-number ranges (5-9): draw each to the half-point so they tile without gaps.
        top, bottom = y(min(band.high + 0.5, high)), y(max(band.low - 0.5, low))
        plot.append(
            f'<rect class="band band-{min(index, 4)}" x="0" y="{top}" width="{PLOT_W}" '
            f'height="{round(bottom - top, 2)}">'
            f"<title>{escape(band.label)}: {band.low:g}-{band.high:g}</title></rect>"
        )
        middle = (min(band.high + 0.5, high) + max(band.low - 0.5, low)) / 2
        band_labels.append(
            f'<text class="band-label" x="99%" y="{y_percent(middle)}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(band.label)}</text>'
        )
    for tick_at, _ in axis.ticks():
        plot.append(
            f'<line class="grid" x1="{axis.x(tick_at)}" y1="0" x2="{axis.x(tick_at)}" y2="{PLOT_H}"/>'
        )
    for marker in chart.markers:
        mx = axis.x(marker.at)
        if marker.is_test:
            plot.append(
                f'<path class="marker marker-{escape(marker.kind)}" d="M{mx} 4 h0">'
                f"<title>{escape(marker.label)}</title></path>"
            )
        else:
            plot.append(
                f'<line class="marker marker-{escape(marker.kind)}" x1="{mx}" y1="0" x2="{mx}" '
                f'y2="{PLOT_H}"><title>{escape(marker.label)}</title></line>'
            )
    if chart.points:
        path = " ".join(f"{axis.x(p.at)},{y(p.value)}" for p in chart.points)
        plot.append(f'<polyline class="line" points="{path}"/>')
        for p in chart.points:
            # A zero-length path with a round cap is a dot that stays round when the plot stretches.
            plot.append(
                f'<path class="point" d="M{axis.x(p.at)} {y(p.value)} h0">'
                f"<title>{escape(p.label)}</title></path>"
            )
    if chart.second:
        path = " ".join(f"{axis.x(p.at)},{y(p.value)}" for p in chart.second)
        plot.append(f'<polyline class="line second" points="{path}"/>')
        for p in chart.second:
            plot.append(
                f'<path class="point second" d="M{axis.x(p.at)} {y(p.value)} h0">'
                f"<title>{escape(p.label)}</title></path>"
            )
    plot.append("</svg>")

    overlay = '<svg class="overlay" aria-hidden="true" focusable="false">' + "".join(band_labels)
    if not chart.points:
        overlay += '<text class="empty" x="50%" y="50%" text-anchor="middle">No data yet</text>'
    overlay += "</svg>"

    y_ticks = "".join(
        f'<text class="tick" x="100%" dx="-4" y="{y_percent(value)}" text-anchor="end" '
        f'dominant-baseline="middle">{value:g}</text>'
        for value in (low, (low + high) / 2, high)
    )
    x_ticks = "".join(
        f'<text class="tick" x="{axis.x(at) / PLOT_W * 100:.1f}%" y="14" text-anchor="middle">'
        f"{escape(label)}</text>"
        for at, label in axis.ticks()
    )
    figure = (
        f'<figure class="trend" aria-label="{escape(chart.title)}">'
        f'<figcaption class="trend-title">{escape(chart.title)}</figcaption>'
        f'<span class="y-label">{escape(chart.y_label)}</span>'
        f'<svg class="y-ticks" aria-hidden="true" focusable="false">{y_ticks}</svg>'
        f'<div class="plot-area">{"".join(plot)}{overlay}</div>'
        f'<svg class="x-ticks" aria-hidden="true" focusable="false">{x_ticks}</svg>'
        "</figure>"
    )
    return figure + _alternative(chart)


def _alternative(chart: Chart) -> str:
    points = chart.points
    if points:
        first, last = points[0], points[-1]
        summary = (
            f"{chart.title}: {len(points)} value{'s' if len(points) != 1 else ''} from {first.at:%d %b %Y} "
            f"to {last.at:%d %b %Y}; first {first.value:g}, latest {last.value:g}."
        )
    else:
        summary = f"{chart.title}: no data yet."
    rows = [(f"{p.at:%Y-%m-%d}", f"{p.value:g}", p.label) for p in [*points, *chart.second]]
    rows += [(f"{m.at:%Y-%m-%d}", "", m.label) for m in chart.markers]
    rows.sort(key=lambda row: row[0])
    return text_alternative(
        title=chart.title, summary=summary, headers=("Date", chart.y_label, "Details"), rows=rows
    )
