"""In-session alert rules: does a vital-sign reading cross the thresholds the clinic has set?

Pure Python, no Django. KetaCare ships no threshold: the literature values (e.g. 180/100 mmHg,
heart rate above 110/min) are UNCONFIRMED (shared/references/clinical.md §2.2), so every number
here comes from the clinic. A threshold left unset raises nothing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reading:
    """One set of vital signs (units in the names)."""

    systolic_mmhg: int
    diastolic_mmhg: int
    heart_rate_per_min: int
    spo2_percent: int
    respiratory_rate_per_min: int | None = None


@dataclass(frozen=True)
class Thresholds:
    """A clinic's alert thresholds; None means the clinic has not set that one."""

    systolic_above_mmhg: int | None = None
    diastolic_above_mmhg: int | None = None
    heart_rate_above_per_min: int | None = None
    heart_rate_below_per_min: int | None = None
    spo2_below_percent: int | None = None

    @property
    def any_set(self) -> bool:
        return any(value is not None for value in vars(self).values())


@dataclass(frozen=True)
class Alert:
    code: str
    message: str


def evaluate_vitals(reading: Reading, thresholds: Thresholds) -> list[Alert]:
    """The alerts this reading raises: strictly above an "above" threshold, strictly below a "below" one."""
    alerts: list[Alert] = []
    t = thresholds
    if t.systolic_above_mmhg is not None and reading.systolic_mmhg > t.systolic_above_mmhg:
        alerts.append(
            Alert(
                "systolic-high",
                f"Systolic {reading.systolic_mmhg} mmHg is above the clinic's alert threshold "
                f"of {t.systolic_above_mmhg} mmHg.",
            )
        )
    if t.diastolic_above_mmhg is not None and reading.diastolic_mmhg > t.diastolic_above_mmhg:
        alerts.append(
            Alert(
                "diastolic-high",
                f"Diastolic {reading.diastolic_mmhg} mmHg is above the clinic's alert threshold "
                f"of {t.diastolic_above_mmhg} mmHg.",
            )
        )
    if t.heart_rate_above_per_min is not None and reading.heart_rate_per_min > t.heart_rate_above_per_min:
        alerts.append(
            Alert(
                "heart-rate-high",
                f"Heart rate {reading.heart_rate_per_min}/min is above the clinic's alert threshold "
                f"of {t.heart_rate_above_per_min}/min.",
            )
        )
    if t.heart_rate_below_per_min is not None and reading.heart_rate_per_min < t.heart_rate_below_per_min:
        alerts.append(
            Alert(
                "heart-rate-low",
                f"Heart rate {reading.heart_rate_per_min}/min is below the clinic's alert threshold "
                f"of {t.heart_rate_below_per_min}/min.",
            )
        )
    if t.spo2_below_percent is not None and reading.spo2_percent < t.spo2_below_percent:
        alerts.append(
            Alert(
                "spo2-low",
                f"SpO2 {reading.spo2_percent}% is below the clinic's alert threshold "
                f"of {t.spo2_below_percent}%.",
            )
        )
    return alerts
