"""Timeline follow-back (TLFB): daily substance use, what the trials derived from it, and relapse.

Every clinical number of the substance-use calendar lives here, with its source:

- Heavy-drinking day: MORE THAN 4 standard drinks in a day for men, MORE THAN 3 for women.
  Dakwar E, Levin F, Hart CL, et al. A Single Ketamine Infusion Combined With Motivational
  Enhancement Therapy for Alcohol Use Disorder: A Randomized Midazolam-Controlled Pilot Trial.
  Am J Psychiatry 2020;177(2):125-133. doi:10.1176/appi.ajp.2019.19070684 (Introduction: "heavy
  drinking days (more than four drinks per day for men and more than three drinks per day for
  women)"). The same cut-offs are the 5+/4+ "risky drinking" of HL7 US Core's TAPS examples.
- Percent days abstinent, drinks per drinking day: the standard TLFB summaries (Sobell & Sobell
  1992); they are ratios of counted days, with no threshold of their own.

Relapse definitions a clinic may choose (time to relapse "the way the trials did"):
- ANY_USE: the first day with any reported use.
- FIRST_HEAVY_DAY: the first heavy-drinking day (alcohol only).
- REGULAR_USE: the first day of a run of consecutive use days; the run length is the clinic's
  choice (no source gives one number for every substance), so there is no default.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

# Dakwar 2020 (doi:10.1176/appi.ajp.2019.19070684): heavy = more than 4 (men), more than 3 (women).
HEAVY_DRINKING_MORE_THAN_DRINKS_MEN = 4
HEAVY_DRINKING_MORE_THAN_DRINKS_WOMEN = 3

# A plausibility limit for data entry (a typo guard), not a clinical threshold.
STANDARD_DRINKS_PER_DAY_MAX = 60

ALCOHOL = "alcohol"


class Sex(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"


def heavy_drinking_cutoff(sex: Sex | str | None) -> int:
    """Drinks a day above which a day is heavy. Without a male/female sex (intersex, unknown) the
    lower, women's cut-off applies: the trials give no third value, and missing a heavy day is
    the worse error."""
    return HEAVY_DRINKING_MORE_THAN_DRINKS_MEN if sex == Sex.MALE else HEAVY_DRINKING_MORE_THAN_DRINKS_WOMEN


def is_heavy_drinking_day(standard_drinks: Decimal | int | float | None, sex: Sex | str | None) -> bool:
    if standard_drinks is None:
        return False
    drinks = standard_drinks if isinstance(standard_drinks, Decimal) else Decimal(str(standard_drinks))
    return drinks > heavy_drinking_cutoff(sex)


@dataclass(frozen=True)
class UseDay:
    """One calendar day's report for one substance. `standard_drinks` only for alcohol."""

    day: dt.date
    substance: str
    used: bool
    standard_drinks: Decimal | None = None


@dataclass(frozen=True)
class Summary:
    days_assessed: int  # days with a report (of any substance)
    days_abstinent: int  # assessed days with no use of any substance reported
    percent_days_abstinent: float | None  # None when no day is assessed
    drinking_days: int
    heavy_drinking_days: int
    drinks_per_drinking_day: float | None  # None when there is no drinking day
    use_days_by_substance: dict[str, int]


def summarise(days: Iterable[UseDay], sex: Sex | str | None) -> Summary:
    """PDA over the days reported (an unreported day is unknown, not abstinent), and the alcohol
    measures of the trials. One pass over the days (the trials' endpoints run it for every patient)."""
    used_on: dict[dt.date, bool] = {}
    # Drinks per calendar day with alcohol use (two reports of one day add up; the app keeps one).
    drinks_on: dict[dt.date, Decimal] = {}
    substances_on: dict[dt.date, set[str]] = {}
    for entry in days:
        used_on[entry.day] = used_on.get(entry.day, False) or entry.used
        if entry.used:
            substances_on.setdefault(entry.day, set()).add(entry.substance)
            if entry.substance == ALCOHOL:
                drinks_on[entry.day] = drinks_on.get(entry.day, Decimal(0)) + (
                    entry.standard_drinks or Decimal(0)
                )
    abstinent = sum(1 for used in used_on.values() if not used)
    drinks = list(drinks_on.values())
    use_days: dict[str, int] = {}
    for substances in substances_on.values():
        for substance in substances:
            use_days[substance] = use_days.get(substance, 0) + 1
    assessed = len(used_on)
    cutoff = heavy_drinking_cutoff(sex)
    return Summary(
        days_assessed=assessed,
        days_abstinent=abstinent,
        percent_days_abstinent=round(100 * abstinent / assessed, 1) if assessed else None,
        drinking_days=len(drinks),
        heavy_drinking_days=sum(1 for d in drinks if d > cutoff),
        drinks_per_drinking_day=round(float(sum(drinks)) / len(drinks), 1) if drinks else None,
        use_days_by_substance=dict(sorted(use_days.items())),
    )


class RelapseDefinition(enum.StrEnum):
    ANY_USE = "any-use"
    FIRST_HEAVY_DAY = "first-heavy-day"
    REGULAR_USE = "regular-use"


@dataclass(frozen=True)
class Relapse:
    definition: RelapseDefinition
    start: dt.date
    relapse_on: dt.date | None  # None: no relapse in the days reported
    days_to_relapse: int | None
    days_observed: int  # from start to the last reported day (censoring time when no relapse)


def abstinence_start(days: Iterable[UseDay]) -> dt.date | None:
    """The first reported day with no use of any substance: where the relapse clock starts when no
    treatment date is given. A relapse is a return to use after abstinence, so a calendar that opens
    with pre-treatment use does not count as relapsing on its first day."""
    used_on: dict[dt.date, bool] = {}
    for entry in days:
        used_on[entry.day] = used_on.get(entry.day, False) or entry.used
    return next((day for day in sorted(used_on) if not used_on[day]), None)


def find_relapse(
    days: Sequence[UseDay],
    definition: RelapseDefinition,
    *,
    start: dt.date,
    sex: Sex | str | None,
    substance: str | None = None,
    regular_use_days: int | None = None,
) -> Relapse:
    """The first relapse on or after `start` by the chosen definition. `substance` limits which
    use counts (None: any substance). REGULAR_USE needs the clinic's run length."""
    if definition == RelapseDefinition.REGULAR_USE and not regular_use_days:
        raise ValueError(
            "The 'return to regular use' definition needs the clinic's number of consecutive days."
        )
    relevant = sorted(
        (d for d in days if d.day >= start and (substance is None or d.substance == substance)),
        key=lambda d: d.day,
    )
    use_by_day: dict[dt.date, bool] = {}
    for entry in relevant:
        use_by_day[entry.day] = use_by_day.get(entry.day, False) or entry.used
    relapse_on: dt.date | None = None
    if definition == RelapseDefinition.ANY_USE:
        relapse_on = next((day for day, used in sorted(use_by_day.items()) if used), None)
    elif definition == RelapseDefinition.FIRST_HEAVY_DAY:
        drinks_by_day: dict[dt.date, Decimal] = {}
        for entry in relevant:
            if entry.substance == ALCOHOL and entry.used:
                drinks_by_day[entry.day] = drinks_by_day.get(entry.day, Decimal(0)) + (
                    entry.standard_drinks or 0
                )
        relapse_on = next(
            (day for day, drinks in sorted(drinks_by_day.items()) if is_heavy_drinking_day(drinks, sex)), None
        )
    else:
        assert regular_use_days is not None
        run_start: dt.date | None = None
        run = 0
        previous: dt.date | None = None
        for day, used in sorted(use_by_day.items()):
            # A gap in the calendar (an unreported day) breaks a run: it is not known to be use.
            consecutive = previous is not None and day - previous == dt.timedelta(days=1)
            if used:
                if run and consecutive:
                    run += 1
                else:
                    run, run_start = 1, day
                if run >= regular_use_days:
                    relapse_on = run_start
                    break
            else:
                run = 0
            previous = day
    last_day = max(use_by_day) if use_by_day else start
    return Relapse(
        definition=definition,
        start=start,
        relapse_on=relapse_on,
        days_to_relapse=(relapse_on - start).days if relapse_on else None,
        days_observed=(last_day - start).days,
    )


class TestKind(enum.StrEnum):
    URINE_TOX = "urine-tox"
    URINE_ETG = "urine-etg"
    BREATH_ALCOHOL = "breath-alcohol"


@dataclass(frozen=True)
class BiologicalTest:
    day: dt.date
    kind: TestKind
    substance: str
    positive: bool


@dataclass(frozen=True)
class Contradiction:
    test: BiologicalTest
    reason: str


def contradictions(tests: Iterable[BiologicalTest], days: Iterable[UseDay]) -> list[Contradiction]:
    """Tests that contradict the self-report of the same day and substance.

    Only a POSITIVE test against a report of NO use is flagged. A negative test beside reported use
    is not: tests miss use outside their detection window, so it contradicts nothing. A day without
    a report is not flagged either (nothing was said)."""
    reported: dict[tuple[dt.date, str], bool] = {}
    for entry in days:
        key = (entry.day, entry.substance)
        reported[key] = reported.get(key, False) or entry.used
    found: list[Contradiction] = []
    for test in tests:
        if test.positive and reported.get((test.day, test.substance)) is False:
            found.append(
                Contradiction(
                    test,
                    f"{test.kind.value} positive for {test.substance} on {test.day:%Y-%m-%d}, "
                    "a day reported with no use",
                )
            )
    return found
