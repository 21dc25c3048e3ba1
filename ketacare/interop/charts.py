"""A server-rendered SVG of a Kaplan-Meier curve (steps, with its 95% band), every text escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from ketacare.a11y.figure import text_alternative
from ketacare.analytics.cohort import SurvivalPoint

_W, _H = 640, 320
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 16, 28, 44


def km_svg(points: Sequence[SurvivalPoint], title: str) -> str:
    if not points:
        return ""
    x_max = max(p.day for p in points) or 1.0
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM

    def x(day: float) -> float:
        return _LEFT + plot_w * day / x_max

    def y(fraction: float) -> float:
        return _TOP + plot_h * (1 - fraction)

    def steps(values: Sequence[float]) -> str:
        coords = [f"{x(points[0].day):.1f},{y(values[0]):.1f}"]
        for prev, point, value in zip(values, points[1:], values[1:], strict=False):
            coords.append(f"{x(point.day):.1f},{y(prev):.1f}")
            coords.append(f"{x(point.day):.1f},{y(value):.1f}")
        return " ".join(coords)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" viewBox="0 0 {_W} {_H}" '
        f'font-family="sans-serif" font-size="12" role="img" aria-label="{escape(title)}">',
        f'<text x="{_W / 2}" y="18" text-anchor="middle" font-size="13">{escape(title)}</text>',
        f'<rect x="{_LEFT}" y="{_TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>',
    ]
    for i in range(5):
        fraction = i / 4
        level = f"{y(fraction):.1f}"
        parts.append(
            f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{level}" y2="{level}" stroke="#ddd"/>'
            f'<text x="{_LEFT - 6}" y="{y(fraction) + 4:.1f}" text-anchor="end">{100 * fraction:.0f}%</text>'
        )
    for i in range(5):
        day = x_max * i / 4
        parts.append(f'<text x="{x(day):.1f}" y="{_H - _BOTTOM + 16}" text-anchor="middle">{day:.0f}</text>')
    parts.append(
        f'<text x="{_LEFT + plot_w / 2}" y="{_H - 8}" text-anchor="middle">days from programme start</text>'
    )
    for values in ([p.lower_95 for p in points], [p.upper_95 for p in points]):
        parts.append(
            f'<polyline points="{steps(values)}" fill="none" stroke="#7a9cc6" stroke-dasharray="4 3"/>'
        )
    curve = steps([p.surviving for p in points])
    parts.append(f'<polyline points="{curve}" fill="none" stroke="#1f5fa8" stroke-width="2"/>')
    parts.append("</svg>")
    last = points[-1]
    summary = (
        f"{title}: {last.surviving:.0%} of patients without a relapse by day {last.day:g} "
        f"(95% confidence {last.lower_95:.0%} to {last.upper_95:.0%})."
    )
    rows = [(f"{p.day:g}", f"{p.surviving:.1%}", f"{p.lower_95:.1%} to {p.upper_95:.1%}") for p in points]
    headers = ("Day", "Without relapse", "95% confidence interval")
    return "\n".join(parts) + text_alternative(title=title, summary=summary, headers=headers, rows=rows)
