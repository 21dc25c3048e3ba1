"""A dependency-free SVG plot of concentrations over time (plasma, effect site, norketamine)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import numpy as np

from .effects import BANDS, racemic_equivalent
from .model import FloatArray, Model, Regimen
from .simulate import Simulation

_W, _H = 760, 420
_LEFT, _RIGHT, _TOP, _BOTTOM = 70, 20, 40, 50


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exponent = 10 ** np.floor(np.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exponent:
            return float(step * exponent)
    return float(10 * exponent)


def svg_plot(
    times_min: FloatArray,
    series: Sequence[tuple[str, FloatArray, str]],
    title: str,
    bands: Sequence[tuple[str, float, float | None]] = (),
    markers: Sequence[tuple[str, float]] = (),
) -> str:
    """Return an SVG document.

    Parameters
    ----------
    times_min : ndarray, shape (T,)
    series : sequence of (label, values[T], colour)
    title : str
    bands : sequence of (label, low, high or None): shaded horizontal concentration bands.
    markers : sequence of (label, minutes): labelled vertical lines (e.g. "now"), drawn when in range.
    """
    hours = times_min / 60.0
    x_max = float(hours[-1]) if hours[-1] > 0 else 1.0
    y_max = _nice_max(max(float(np.nanmax(v)) for _, v, _ in series) * 1.05)
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM

    def x(v: float) -> float:
        return _LEFT + plot_w * v / x_max

    def y(v: float) -> float:
        return _TOP + plot_h * (1 - min(v, y_max) / y_max)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" viewBox="0 0 {_W} {_H}" '
        f'font-family="sans-serif" font-size="12" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{_W / 2}" y="20" text-anchor="middle" font-size="14">{escape(title)}</text>',
    ]
    for label, low, high in bands:
        if low >= y_max:
            continue
        top = y(high if high is not None else y_max)
        parts.append(
            f'<rect x="{_LEFT}" y="{top:.1f}" width="{plot_w}" height="{y(low) - top:.1f}" fill="#f4b942" '
            f'fill-opacity="0.15"/><text x="{_W - _RIGHT - 4}" y="{y(low) - 4:.1f}" text-anchor="end" '
            f'fill="#9a6b00">{escape(label)}</text>'
        )
    for i in range(6):
        value = y_max * i / 5
        parts.append(
            f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="#ddd"/>'
            f'<text x="{_LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value:g}</text>'
        )
    for i in range(7):
        value = x_max * i / 6
        parts.append(
            f'<text x="{x(value):.1f}" y="{_H - _BOTTOM + 18}" text-anchor="middle">{value:.3g}</text>'
        )
    parts.append(f'<text x="{_LEFT + plot_w / 2}" y="{_H - 10}" text-anchor="middle">time (h)</text>')
    parts.append(
        f'<text x="16" y="{_TOP + plot_h / 2}" transform="rotate(-90 16 {_TOP + plot_h / 2})" '
        'text-anchor="middle">ng/mL</text>'
    )
    parts.append(
        f'<rect x="{_LEFT}" y="{_TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>'
    )
    for k, (label, values, colour) in enumerate(series):
        points = " ".join(f"{x(float(h)):.1f},{y(float(v)):.1f}" for h, v in zip(hours, values, strict=True))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.8"/>')
        parts.append(
            f'<text x="{_LEFT + 10}" y="{_TOP + 16 + 16 * k}" fill="{colour}">{escape(label)}</text>'
        )
    for label, minutes in markers:
        if not 0 <= minutes / 60.0 <= x_max:
            continue
        at = x(minutes / 60.0)
        parts.append(
            f'<line x1="{at:.1f}" x2="{at:.1f}" y1="{_TOP}" y2="{_TOP + plot_h}" stroke="#111" '
            f'stroke-width="2" stroke-dasharray="5 3"/><text x="{at + 4:.1f}" y="{_TOP + plot_h - 6}" '
            f'font-weight="bold">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def course_svg(
    model: Model,
    regimen: Regimen,
    times_min: FloatArray,
    sim: Simulation,
    subject: int = 0,
    now_min: float | None = None,
) -> str:
    """The course of one simulated subject: plasma, effect site and norketamine, over the dissociative band.

    The band is drawn on the analyte's own scale (esketamine at half the racemic concentration, the
    potency ratio used by :mod:`ketacare.pharmacology.effects`).
    """
    parent = "ketamine plasma" if model.analyte == "racemic ketamine" else "esketamine plasma"
    series = [
        (parent, sim.ketamine_plasma_ng_ml[subject], "#1f5fa8"),
        ("effect site", sim.ketamine_effect_ng_ml[subject], "#c0392b"),
    ]
    if sim.norketamine_plasma_ng_ml is not None:
        series.append(("norketamine plasma", sim.norketamine_plasma_ng_ml[subject], "#27864a"))
    scale = 1.0 / float(racemic_equivalent(np.array(1.0), model.analyte))
    band = BANDS["dissociation"]
    high = band.high_ng_ml.value * scale if band.high_ng_ml else None
    return svg_plot(
        times_min,
        series,
        f"{model.id}: {regimen.describe()}",
        [(band.label, band.low_ng_ml.value * scale, high)],
        [("now", now_min)] if now_min is not None else (),
    )


def course_alternative(
    model: Model,
    regimen: Regimen,
    times_min: FloatArray,
    sim: Simulation,
    subject: int = 0,
    every_min: float = 15.0,
) -> str:
    """The text alternative of :func:`course_svg` for a web page: one sentence and the course every
    `every_min` minutes as a table (docs/accessibility.md)."""
    from ketacare.a11y.figure import text_alternative

    plasma = sim.ketamine_plasma_ng_ml[subject]
    effect = sim.ketamine_effect_ng_ml[subject]
    peak = int(np.nanargmax(plasma))
    title = f"{model.id}: {regimen.describe()}"
    summary = (
        f"Predicted plasma concentration peaks at {float(plasma[peak]):.0f} ng/mL "
        f"{float(times_min[peak]):.0f} minutes after the start."
    )
    norketamine = sim.norketamine_plasma_ng_ml
    headers = ["Minutes", "Plasma (ng/mL)", "Effect site (ng/mL)"]
    if norketamine is not None:
        headers.append("Norketamine plasma (ng/mL)")
    rows = []
    next_min = 0.0
    for index, minute in enumerate(times_min):
        if float(minute) + 1e-9 < next_min:
            continue
        row = [f"{float(minute):.0f}", f"{float(plasma[index]):.1f}", f"{float(effect[index]):.1f}"]
        if norketamine is not None:
            row.append(f"{float(norketamine[subject][index]):.1f}")
        rows.append(row)
        next_min += every_min
    return text_alternative(title=title, summary=summary, headers=headers, rows=rows)
