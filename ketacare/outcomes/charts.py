"""Trend charts drawn on the server as SVG: the same numbers the tables show, printable, no script.

Colours come from classes in ketacare.css (the page's strict CSP forbids inline styles), so the
SVG holds geometry only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from ketacare.a11y.figure import text_alternative

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28


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
    kind: str  # css class suffix: "mat", "session"


def trend_svg(
    *,
    title: str,
    points: Sequence[Point],
    y_range: tuple[float, float],
    bands: Sequence[BandArea] = (),
    markers: Sequence[Marker] = (),
) -> str:
    """An SVG line chart of `points` over time with severity bands behind and event markers, followed
    by its text alternative (a summary sentence and the points as a table: docs/accessibility.md)."""
    low, high = y_range
    span_y = (high - low) or 1
    times = [p.at for p in points] + [m.at for m in markers]
    if times:
        start, end = min(times), max(times)
    else:
        start = end = dt.datetime.now(dt.UTC)
    if end - start < dt.timedelta(days=1):  # one point (or one day) still needs a visible axis
        start, end = start - dt.timedelta(hours=12), end + dt.timedelta(hours=12)
    span_t = (end - start).total_seconds()
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(at: dt.datetime) -> float:
        return round(LEFT + plot_w * (at - start).total_seconds() / span_t, 1)

    def y(value: float) -> float:
        return round(TOP + plot_h * (1 - (value - low) / span_y), 1)

    parts = [
        f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="t-{_id(title)}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="t-{_id(title)}">{escape(title)}</title>',
    ]
    for index, band in enumerate(bands):
        # Bands are whole-number ranges (5-9): draw each to the half-point so they tile without gaps.
        top_value = min(band.high + 0.5, high)
        bottom_value = max(band.low - 0.5, low)
        parts.append(
            f'<rect class="band band-{min(index, 4)}" x="{LEFT}" y="{y(top_value)}" width="{plot_w}" '
            f'height="{round(y(bottom_value) - y(top_value), 1)}"><title>{escape(band.label)}: '
            f"{band.low:g}-{band.high:g}</title></rect>"
        )
        parts.append(
            f'<text class="band-label" x="{WIDTH - RIGHT - 4}" y="{y(top_value) + 11}" '
            f'text-anchor="end">{escape(band.label)}</text>'
        )
    parts.append(
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}"/>'
    )
    for value in (low, (low + high) / 2, high):
        parts.append(
            f'<text class="tick" x="{LEFT - 6}" y="{y(value) + 4}" text-anchor="end">{value:g}</text>'
        )
    parts.append(f'<text class="tick" x="{LEFT}" y="{HEIGHT - 8}">{start:%d %b %Y}</text>')
    parts.append(
        f'<text class="tick" x="{LEFT + plot_w}" y="{HEIGHT - 8}" text-anchor="end">{end:%d %b %Y}</text>'
    )
    for marker in markers:
        mx = x(marker.at)
        parts.append(
            f'<line class="marker marker-{escape(marker.kind)}" x1="{mx}" y1="{TOP}" x2="{mx}" '
            f'y2="{TOP + plot_h}">'
            f"<title>{escape(marker.label)}</title></line>"
        )
    if points:
        path = " ".join(f"{x(p.at)},{y(p.value)}" for p in points)
        parts.append(f'<polyline class="line" points="{path}"/>')
        for p in points:
            parts.append(
                f'<circle class="point" cx="{x(p.at)}" cy="{y(p.value)}" r="4">'
                f"<title>{escape(p.label)}</title></circle>"
            )
    else:
        parts.append(
            f'<text class="tick" x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">No data yet</text>'
        )
    parts.append("</svg>")
    return "".join(parts) + _alternative(title, points, markers)


def _alternative(title: str, points: Sequence[Point], markers: Sequence[Marker]) -> str:
    if points:
        first, last = points[0], points[-1]
        summary = (
            f"{title}: {len(points)} value{'s' if len(points) != 1 else ''} from {first.at:%d %b %Y} "
            f"to {last.at:%d %b %Y}; first {first.value:g}, latest {last.value:g}."
        )
    else:
        summary = f"{title}: no data yet."
    rows = [(f"{p.at:%Y-%m-%d}", f"{p.value:g}", p.label) for p in points]
    rows += [(f"{m.at:%Y-%m-%d}", "", m.label) for m in markers]
    rows.sort(key=lambda row: row[0])
    return text_alternative(title=title, summary=summary, headers=("Date", "Value", "Details"), rows=rows)


def _id(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower())[:40]
