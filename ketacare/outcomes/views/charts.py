"""Trend charts as SVG: the data comes from outcomes.selectors, the drawing from outcomes.charts."""

from __future__ import annotations

import datetime as dt

from django.utils.safestring import mark_safe

from ketacare import instruments
from ketacare.outcomes import charts, selectors
from ketacare.patients.models import Patient


def chart(patient: Patient, instrument_id: str, since: dt.datetime | None = None) -> str:
    instrument = instruments.get_instrument(instrument_id)
    points = selectors.trend_points(patient, instrument_id, since=since)
    bands = [
        charts.BandArea(b.label, b.low, b.high)
        for b in instrument.bands
        if b.low is not None and b.high is not None
    ]
    markers = [
        m
        for m in selectors.treatment_markers(patient)
        if not points or m.at >= points[0].at - dt.timedelta(days=30)
    ]
    y_range = instrument.total_range or (0, 1)
    svg = charts.trend_svg(
        title=f"{instrument.abbreviation} over time",
        points=points,
        y_range=y_range,
        bands=bands,
        markers=markers,
    )
    return mark_safe(svg)  # noqa: S308  (built by charts.trend_svg, every text escaped there)


def mood_chart(patient: Patient) -> str | None:
    points = selectors.mood_points(patient)
    if not points:
        return None
    svg = charts.trend_svg(title="Mood (0-10, patient's daily report)", points=points, y_range=(0, 10))
    return mark_safe(svg)  # noqa: S308  (built by charts.trend_svg, every text escaped there)


def use_chart(patient: Patient) -> str | None:
    points = selectors.use_week_points(patient)
    if not points:
        return None
    markers = selectors.treatment_markers(patient)
    svg = charts.trend_svg(title="Days of use per week", points=points, y_range=(0, 7), markers=markers)
    return mark_safe(svg)  # noqa: S308  (built by charts.trend_svg, every text escaped there)


def all_charts(patient: Patient) -> list[tuple[str, str]]:
    found = [(i, chart(patient, i)) for i in selectors.instruments_answered(patient)]
    for key, svg in (("mood", mood_chart(patient)), ("use-days", use_chart(patient))):
        if svg is not None:
            found.append((key, svg))
    return found
