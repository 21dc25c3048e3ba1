"""Programme endpoints across patients: abstinence, heavy drinking, time to relapse.

Pure Python (lifelines for the Kaplan-Meier estimate); the rows come from any source (the research
export builds them from the clinical record).  The endpoints are those of the trials the programme
is modelled on: percent days abstinent and heavy-drinking days from the timeline follow-back
(ketacare.analytics.tlfb, cut-offs cited there) and time to first relapse by the clinic's definition.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

# Age is exported in bands of this width (years), not exactly, to make re-identification harder.
AGE_BAND_YEARS = 5


def age_band(age_years: int) -> str:
    low = (age_years // AGE_BAND_YEARS) * AGE_BAND_YEARS
    return f"{low}-{low + AGE_BAND_YEARS - 1}"


@dataclass(frozen=True)
class PatientEndpoints:
    """One patient's endpoints from programme start (no identifiers, no dates)."""

    days_observed: int  # programme start to the last reported day
    days_assessed: int
    percent_days_abstinent: float | None
    heavy_drinking_days: int
    relapsed: bool
    # Days from the start of the relapse clock to the relapse, or to the last day observed (censored);
    # None when the clock never started (no abstinent day reported): not in the relapse estimate.
    days_to_relapse_or_censoring: int | None


@dataclass(frozen=True)
class SurvivalPoint:
    day: float
    surviving: float  # fraction not yet relapsed
    lower_95: float
    upper_95: float


@dataclass(frozen=True)
class CohortSummary:
    patients: int
    with_calendar: int  # patients with at least one reported day
    in_relapse_estimate: int  # patients whose relapse clock started
    median_percent_days_abstinent: float | None
    relapses: int
    median_days_to_relapse: float | None  # None: fewer than half relapsed in the time observed
    median_lower_95: float | None
    median_upper_95: float | None  # None: not reached
    survival: tuple[SurvivalPoint, ...]


def _finite(value: float) -> float | None:
    return None if math.isinf(value) or math.isnan(value) else float(value)


def summarise_cohort(rows: Sequence[PatientEndpoints]) -> CohortSummary:
    """Median percent days abstinent and the Kaplan-Meier curve of time to first relapse.

    Patients without any reported day add to the count but to neither estimate: an unreported day is
    unknown, not abstinent (ketacare.analytics.tlfb).
    """
    observed = [r for r in rows if r.days_assessed > 0]
    pda = [r.percent_days_abstinent for r in observed if r.percent_days_abstinent is not None]
    timed = [r for r in observed if r.days_to_relapse_or_censoring is not None]
    survival: tuple[SurvivalPoint, ...] = ()
    median = lower = upper = None
    if timed:
        fitter = KaplanMeierFitter().fit(
            [r.days_to_relapse_or_censoring for r in timed], [r.relapsed for r in timed]
        )
        curve = fitter.survival_function_.iloc[:, 0]
        bounds = fitter.confidence_interval_survival_function_
        survival = tuple(
            SurvivalPoint(float(day), float(s), float(lo), float(hi))
            for day, s, lo, hi in zip(curve.index, curve, bounds.iloc[:, 0], bounds.iloc[:, 1], strict=True)
        )
        median = _finite(fitter.median_survival_time_)
        limits = median_survival_times(fitter.confidence_interval_)
        lower, upper = (_finite(float(v)) for v in limits.iloc[0])
    return CohortSummary(
        patients=len(rows),
        with_calendar=len(observed),
        in_relapse_estimate=len(timed),
        median_percent_days_abstinent=round(statistics.median(pda), 1) if pda else None,
        relapses=sum(r.relapsed for r in timed),
        median_days_to_relapse=median,
        median_lower_95=lower,
        median_upper_95=upper,
        survival=survival,
    )
