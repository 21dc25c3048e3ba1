"""The trials' primary endpoints, computed for a clinic's cohort exactly as each trial defined them.

Pure Python (scipy for intervals, lifelines for Kaplan-Meier). Each trial's definition and its
published result carry their status from shared/references/clinical-verified.md §2; only VERIFIED
results are shown as numbers, and a clinic cohort is never presented as a trial: it has no control
arm, no randomisation and no blinding, so the published comparison (ketamine vs midazolam or
placebo) has no counterpart in it.

Conventions, stated once and shown with the results:
- Day 0 is the patient's index ketamine session (the first of the course). Days are counted from it.
- An unreported day is unknown. Where a definition needs a day to be known abstinent (end-of-study
  abstinence) an unreported day counts as NOT abstinent, the conservative reading used by trials
  that count missing data as use; for ratios of days (percent days abstinent) unreported days are
  left out of numerator and denominator, as ketacare.analytics.tlfb does.
- Dropout (Dakwar 2019's relapse includes it): the patient's last reported day falls before the end
  of the follow-up window; the relapse is dated to the first day after the last report.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from lifelines import KaplanMeierFitter
from scipy import stats

from ketacare.analytics import tlfb

# --- Trial definitions, with their sources (shared/references/clinical-verified.md §2) -------------

DAKWAR_2019 = "dakwar-2019"
DAKWAR_2020 = "dakwar-2020"
GRABSKI_2022 = "grabski-2022"

# Dakwar 2019 (Am J Psychiatry 2019;176(11):923-930, doi:10.1176/appi.ajp.2019.18101123, abstract,
# VERIFIED): "The primary outcomes were end-of-study abstinence and time to relapse (defined as first
# use or dropout)"; end-of-study abstinence is abstinence over the last 2 weeks of the trial.
DAKWAR_2019_END_OF_STUDY_DAYS = 14
# The trial followed the infusion with a 5-week course of mindfulness-based relapse prevention
# (VERIFIED, abstract): its follow-up window is taken as those 35 days from the infusion.
DAKWAR_2019_WINDOW_DAYS = 35
# Dakwar 2020 (Am J Psychiatry 2020;177(2):125-133, doi:10.1176/appi.ajp.2019.19070684, VERIFIED):
# daily abstinence over the 21 days after the infusion; heavy drinking days are more than 4 drinks
# for men, more than 3 for women (tlfb.HEAVY_DRINKING_MORE_THAN_DRINKS_*).
DAKWAR_2020_WINDOW_DAYS = 21
# Grabski 2022 (Am J Psychiatry 2022;179(2):152-162, KARE, abstract, VERIFIED): "self-reported
# percentage of days abstinent and confirmed alcohol relapse at 6-month follow-up". Six months is
# taken as 182 days (26 weeks); the paper's exact day count was not read.
GRABSKI_2022_WINDOW_DAYS = 182


@dataclass(frozen=True)
class PublishedResult:
    """A trial's published figure with its verification status; `value` only when VERIFIED."""

    measure: str
    value: str
    status: str  # "VERIFIED" | "SECONDARY" | "NOT FOUND"
    source: str


TITLES = {
    DAKWAR_2019: "Dakwar et al. 2019: cocaine use disorder (Am J Psychiatry)",
    DAKWAR_2020: "Dakwar et al. 2020: alcohol use disorder (Am J Psychiatry)",
    GRABSKI_2022: "Grabski et al. 2022, KARE: alcohol use disorder (Am J Psychiatry)",
}

PUBLISHED: dict[str, tuple[PublishedResult, ...]] = {
    DAKWAR_2019: (
        PublishedResult(
            "End-of-study abstinence (last 2 weeks)",
            "48.2% ketamine vs 10.7% midazolam",
            "VERIFIED",
            "Dakwar 2019, abstract (doi:10.1176/appi.ajp.2019.18101123)",
        ),
        PublishedResult(
            "Time to relapse (first use or dropout)",
            "hazard ratio 0.47 (95% CI 0.24-0.92), ketamine vs midazolam",
            "VERIFIED",
            "Dakwar 2019, abstract",
        ),
    ),
    DAKWAR_2020: (
        PublishedResult(
            "Abstinence, time to relapse, heavy drinking days",
            "the abstract reports these qualitatively only; no effect sizes are shown",
            "NOT FOUND",
            "Dakwar 2020, abstract (doi:10.1176/appi.ajp.2019.19070684)",
        ),
    ),
    GRABSKI_2022: (
        PublishedResult(
            "Percent days abstinent at 6 months",
            "+10.1% (95% CI 1.1-19.0) ketamine vs placebo; +15.9% (3.8-28.1) ketamine with therapy "
            "vs saline with education",
            "VERIFIED",
            "Grabski 2022, abstract (Am J Psychiatry 2022;179(2):152-162)",
        ),
        PublishedResult(
            "Confirmed relapse at 6 months",
            "no difference between arms",
            "VERIFIED",
            "Grabski 2022, abstract",
        ),
    ),
}

NOT_A_TRIAL = (
    "A clinic cohort is not a trial: it has no control arm, no randomisation and no blinding, and "
    "its patients differ from the trials' volunteers. The published figures compare ketamine with a "
    "control; the clinic's figures describe only its own treated patients, so the two cannot be "
    "compared as an effect."
)


# --- Inputs -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortPatient:
    """One patient's course for the endpoints: no identifiers."""

    index_day: dt.date  # the first ketamine session of the course: day 0
    days: tuple[tlfb.UseDay, ...]
    sex: str | None = None


# --- Intervals ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proportion:
    successes: int
    n: int
    percent: float | None
    lower_95: float | None  # Wilson score interval, in percent
    upper_95: float | None


def proportion(successes: int, n: int) -> Proportion:
    """A percentage with its 95% Wilson score interval (good at small n and near 0 or 100%)."""
    if n == 0:
        return Proportion(successes, 0, None, None, None)
    z = float(stats.norm.ppf(0.975))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Proportion(
        successes,
        n,
        round(100 * p, 1),
        round(100 * max(0.0, centre - half), 1),
        round(100 * min(1.0, centre + half), 1),
    )


@dataclass(frozen=True)
class Mean:
    n: int
    mean: float | None
    lower_95: float | None  # t interval
    upper_95: float | None


def mean_with_interval(values: Sequence[float]) -> Mean:
    n = len(values)
    if n == 0:
        return Mean(0, None, None, None)
    mean = sum(values) / n
    if n == 1:
        return Mean(1, round(mean, 1), None, None)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return Mean(n, round(mean, 1), round(mean - half, 1), round(mean + half, 1))


@dataclass(frozen=True)
class TimeToRelapse:
    n: int
    relapses: int
    median_days: float | None  # None: fewer than half relapsed within follow-up
    surviving_at_end: float | None  # Kaplan-Meier fraction without relapse at the window's end
    lower_95: float | None
    upper_95: float | None


def time_to_relapse(times: Sequence[tuple[int, bool]], window_days: int) -> TimeToRelapse:
    """Kaplan-Meier over (days, relapsed) pairs; censoring at the end of follow-up."""
    if not times:
        return TimeToRelapse(0, 0, None, None, None, None)
    fitter = KaplanMeierFitter().fit([t for t, _ in times], [e for _, e in times])
    median = fitter.median_survival_time_
    at_end = float(fitter.predict(window_days))
    bounds = fitter.confidence_interval_survival_function_
    # The interval at the window's end: the last step at or before it.
    upto = bounds[bounds.index <= window_days]
    lower, upper = (float(upto.iloc[-1, 0]), float(upto.iloc[-1, 1])) if len(upto) else (None, None)
    return TimeToRelapse(
        n=len(times),
        relapses=sum(e for _, e in times),
        median_days=None if math.isinf(median) else float(median),
        surviving_at_end=round(at_end, 3),
        lower_95=None if lower is None else round(lower, 3),
        upper_95=None if upper is None else round(upper, 3),
    )


# --- Per-patient definitions --------------------------------------------------------------------------


def _use_by_day(patient: CohortPatient, substance: str | None) -> dict[int, bool]:
    """Day number (from the index session) -> any reported use that day."""
    used: dict[int, bool] = {}
    for entry in patient.days:
        if substance is not None and entry.substance != substance:
            continue
        offset = (entry.day - patient.index_day).days
        used[offset] = used.get(offset, False) or entry.used
    return used


def abstinent_over_last_days(
    patient: CohortPatient, *, window_days: int, last_days: int, substance: str | None = None
) -> bool:
    """Dakwar 2019's end-of-study abstinence: every one of the last `last_days` days of follow-up
    reported, and reported without use. An unreported day counts as not abstinent."""
    used = _use_by_day(patient, substance)
    return all(used.get(day) is False for day in range(window_days - last_days, window_days))


def relapse_first_use_or_dropout(
    patient: CohortPatient, *, window_days: int, substance: str | None = None
) -> tuple[int, bool]:
    """Dakwar 2019's time to relapse: the first day after the index session with reported use, or
    dropout (the day after the last report, when reports stop before the window's end); else
    censored at the end of the window. Returns (days, relapsed)."""
    used = _use_by_day(patient, substance)
    after = sorted(day for day in used if 0 < day < window_days)
    first_use = next((day for day in after if used[day]), None)
    last_report = after[-1] if after else 0
    dropout = last_report + 1 if last_report < window_days - 1 else None
    events = [day for day in (first_use, dropout) if day is not None]
    if events:
        return min(events), True
    return window_days, False


def _in_window(patient: CohortPatient, window_days: int) -> list[tlfb.UseDay]:
    return [e for e in patient.days if 0 <= (e.day - patient.index_day).days < window_days]


# --- The endpoints per trial --------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    name: str
    definition: str
    clinic_value: str
    detail: Proportion | Mean | TimeToRelapse | None = None


@dataclass(frozen=True)
class TrialComparison:
    trial: str
    population_note: str
    eligible_patients: int  # patients followed for the whole window
    endpoints: tuple[Endpoint, ...]
    published: tuple[PublishedResult, ...]
    caveats: tuple[str, ...] = field(default=(NOT_A_TRIAL,))

    @property
    def title(self) -> str:
        return TITLES[self.trial]


def _followed(patients: Iterable[CohortPatient], window_days: int, today: dt.date) -> Iterator[CohortPatient]:
    """Patients whose whole follow-up window has passed (a window still running is not an outcome).
    Every trial reads its patients in one pass, so a cohort can be streamed from the database."""
    return (p for p in patients if (today - p.index_day).days >= window_days)


def _fmt_prop(p: Proportion) -> str:
    if p.percent is None:
        return "no patients yet"
    return f"{p.percent}% ({p.successes} of {p.n}; 95% CI {p.lower_95}-{p.upper_95}%)"


def _fmt_mean(m: Mean, unit: str) -> str:
    if m.mean is None:
        return "no patients yet"
    if m.lower_95 is None:
        return f"{m.mean}{unit} (1 patient)"
    return f"{m.mean}{unit} (n={m.n}; 95% CI {m.lower_95}-{m.upper_95}{unit})"


def _fmt_ttr(t: TimeToRelapse, window_days: int) -> str:
    if t.n == 0:
        return "no patients yet"
    median = f"median {t.median_days:g} days" if t.median_days is not None else "median not reached"
    at_end = "" if t.surviving_at_end is None else f"{100 * t.surviving_at_end:.1f}%"
    ci = "" if t.lower_95 is None else f" (95% CI {100 * t.lower_95:.1f}-{100 * (t.upper_95 or 0):.1f}%)"
    return f"{t.relapses} of {t.n} relapsed; {median}; without relapse at day {window_days}: {at_end}{ci}"


def dakwar_2019(
    patients: Iterable[CohortPatient], *, today: dt.date, substance: str | None
) -> TrialComparison:
    """End-of-study abstinence (last 2 weeks) and time to relapse (first use or dropout) over the
    35-day window (DAKWAR_2019_WINDOW_DAYS)."""
    window = DAKWAR_2019_WINDOW_DAYS
    abstinent = 0
    times: list[tuple[int, bool]] = []
    for p in _followed(patients, window, today):
        abstinent += abstinent_over_last_days(
            p, window_days=window, last_days=DAKWAR_2019_END_OF_STUDY_DAYS, substance=substance
        )
        times.append(relapse_first_use_or_dropout(p, window_days=window, substance=substance))
    prop = proportion(abstinent, len(times))
    ttr = time_to_relapse(times, window)
    return TrialComparison(
        trial=DAKWAR_2019,
        population_note="Cocaine use disorder; one 40-minute IV infusion of 0.5 mg/kg, 5 weeks of MBRP.",
        eligible_patients=len(times),
        endpoints=(
            Endpoint(
                "End-of-study abstinence",
                "No reported use on each of days 21-34 after the index session; an unreported day "
                "counts as not abstinent.",
                _fmt_prop(prop),
                prop,
            ),
            Endpoint(
                "Time to relapse",
                "First reported use, or dropout (reports stop before day 35), whichever comes first.",
                _fmt_ttr(ttr, window),
                ttr,
            ),
        ),
        published=PUBLISHED[DAKWAR_2019],
    )


def dakwar_2020(
    patients: Iterable[CohortPatient],
    *,
    today: dt.date,
    relapse: tlfb.RelapseDefinition,
    regular_use_days: int | None,
) -> TrialComparison:
    """Daily abstinence and heavy drinking over the 21 days from the index session, and time to
    relapse. The trial's own relapse definition is not among the verified facts, so the clinic's
    chosen definition is used and named."""
    window = DAKWAR_2020_WINDOW_DAYS
    pda: list[float] = []
    heavy_any = 0
    times: list[tuple[int, bool]] = []
    for p in _followed(patients, window, today):
        days = _in_window(p, window)
        summary = tlfb.summarise(days, p.sex)
        if summary.percent_days_abstinent is not None:
            pda.append(summary.percent_days_abstinent)
        heavy_any += summary.heavy_drinking_days > 0
        found = tlfb.find_relapse(
            days,
            relapse,
            start=p.index_day + dt.timedelta(days=1),
            sex=p.sex,
            substance=tlfb.ALCOHOL,
            regular_use_days=regular_use_days,
        )
        times.append(
            (found.days_to_relapse + 1, True) if found.days_to_relapse is not None else (window, False)
        )
    mean = mean_with_interval(pda)
    heavy = proportion(heavy_any, len(times))
    ttr = time_to_relapse(times, window)
    return TrialComparison(
        trial=DAKWAR_2020,
        population_note="Alcohol use disorder; one 52-minute IV infusion of 0.71 mg/kg at least 24 h "
        "after the last drink, within 5 weeks of motivational enhancement therapy.",
        eligible_patients=len(times),
        endpoints=(
            Endpoint(
                "Daily abstinence",
                "Percent of reported days without drinking over days 0-20 from the index session "
                "(mean across patients).",
                _fmt_mean(mean, "%"),
                mean,
            ),
            Endpoint(
                "Any heavy drinking day",
                "Patients with at least one day of more than 4 drinks (men) or more than 3 (women) "
                "in days 0-20.",
                _fmt_prop(heavy),
                heavy,
            ),
            Endpoint(
                "Time to relapse",
                f"The clinic's relapse definition ({relapse.value}); the trial's own definition is "
                "not among the verified facts.",
                _fmt_ttr(ttr, window),
                ttr,
            ),
        ),
        published=PUBLISHED[DAKWAR_2020],
    )


def grabski_2022(
    patients: Iterable[CohortPatient],
    *,
    today: dt.date,
    relapse: tlfb.RelapseDefinition,
    regular_use_days: int | None,
) -> TrialComparison:
    """Percent days abstinent and relapse at 6 months. The trial confirmed relapse biologically; the
    clinic's relapse definition (self-report) is used and named."""
    window = GRABSKI_2022_WINDOW_DAYS
    pda: list[float] = []
    relapsed = followed = 0
    for p in _followed(patients, window, today):
        followed += 1
        days = _in_window(p, window)
        summary = tlfb.summarise(days, p.sex)
        if summary.percent_days_abstinent is not None:
            pda.append(summary.percent_days_abstinent)
        found = tlfb.find_relapse(
            days,
            relapse,
            start=p.index_day + dt.timedelta(days=1),
            sex=p.sex,
            substance=tlfb.ALCOHOL,
            regular_use_days=regular_use_days,
        )
        relapsed += found.relapse_on is not None
    mean = mean_with_interval(pda)
    prop = proportion(relapsed, followed)
    return TrialComparison(
        trial=GRABSKI_2022,
        population_note="Alcohol use disorder; three weekly 40-minute IV infusions of 0.8 mg/kg, with "
        "or without relapse-prevention therapy.",
        eligible_patients=followed,
        endpoints=(
            Endpoint(
                "Percent days abstinent at 6 months",
                "Percent of reported days without drinking over the 182 days from the index session "
                "(mean across patients).",
                _fmt_mean(mean, "%"),
                mean,
            ),
            Endpoint(
                "Relapse at 6 months",
                f"Patients with a relapse by the clinic's definition ({relapse.value}) within 182 "
                "days; the trial confirmed relapse, which self-report cannot.",
                _fmt_prop(prop),
                prop,
            ),
        ),
        published=PUBLISHED[GRABSKI_2022],
    )
