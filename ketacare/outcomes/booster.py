"""The booster forecast for one patient (a read): their own measurements after each ketamine session,
fitted by ketacare.analytics.forecast. The maintenance threshold is the clinician's (or, once the
patient has a treatment plan, the plan's): KetaCare sets none."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from ketacare import instruments
from ketacare.analytics import forecast
from ketacare.outcomes import selectors
from ketacare.outcomes.treatment import ketamine_sessions
from ketacare.patients.models import Patient

# The measures a forecast is offered for: craving (0-100) and depression (PHQ-9 0-27), as the issue
# that asked for it names; any scored instrument with a total range would fit the same model.
FORECAST_INSTRUMENTS = ("craving-vas", "phq-9")


@dataclass(frozen=True)
class BoosterForecast:
    instrument_id: str
    instrument_name: str
    scale_max: int
    sessions: int
    result: forecast.Forecast | None  # None: no threshold given yet
    benefit_half_life_days: float | None  # days for half the post-session drop to come back


def threshold_problem(instrument_id: str, threshold: float | None) -> str | None:
    """Why a maintenance threshold cannot apply to this measure (outside its totals), or None; the
    one check behind the forecast page, the API and a plan's maintenance rule."""
    if threshold is None:
        return None
    instrument = instruments.get_instrument(instrument_id)
    low, high = instrument.total_range or (0, 100)
    if not low <= threshold <= high:
        return f"{instrument.abbreviation} totals run from {low} to {high}: enter a threshold within them."
    return None


def session_days(patient: Patient) -> list[dt.date]:
    """The local days of every ketamine session that started, oldest first."""
    return [timezone.localdate(event.at) for event in ketamine_sessions(patient)]


def booster_forecast(patient: Patient, instrument_id: str, threshold: float | None) -> BoosterForecast:
    """The fitted fade and, given a threshold, when the measure is likely to cross it. The caller has
    already fetched the patient for this user (patients.selectors.get_patient_for: access checked
    and audited)."""
    if instrument_id not in FORECAST_INSTRUMENTS:
        raise ValueError(f"A forecast is offered for {', '.join(FORECAST_INSTRUMENTS)} only.")
    instrument = instruments.get_instrument(instrument_id)
    scale_max = (instrument.total_range or (0, 100))[1]
    sessions = session_days(patient)
    measurements = [
        forecast.Measurement(timezone.localdate(p.answered_at), float(p.total))
        for p in selectors.trend(patient, instrument_id)
    ]
    # One fit either way: the forecast carries its own fitted curve.
    result = None
    if threshold is not None:
        result = forecast.forecast(
            measurements, sessions, threshold=threshold, scale_max=scale_max, today=timezone.localdate()
        )
        fade = result.fade
    else:
        fade = forecast.fit_fade(forecast.post_session_points(measurements, sessions), scale_max)
    return BoosterForecast(
        instrument_id=instrument_id,
        instrument_name=instrument.abbreviation,
        scale_max=scale_max,
        sessions=len(sessions),
        result=result,
        benefit_half_life_days=fade.half_life_days if fade is not None else None,
    )
