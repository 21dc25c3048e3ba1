"""The patient's outcomes at a glance (a read): what changed since the latest ketamine session."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from ketacare import instruments
from ketacare.analytics.changes import Change, Measure, Reading, changes_since
from ketacare.outcomes import selectors
from ketacare.outcomes.booster import session_days
from ketacare.patients.models import Patient

# Scales on which a higher total is better (readiness, recovery and alertness); on every other
# instrument here a higher total is worse. A reading aid, not a clinical threshold.
HIGHER_IS_BETTER = frozenset({"readiness-ruler", "padss", "aldrete", "moaas"})
# Without a session yet, changes are read over this many days (a display choice).
DEFAULT_LOOKBACK_DAYS = 30


@dataclass(frozen=True)
class Glance:
    since: dt.date
    since_what: str  # "the latest ketamine session" or "30 days ago"
    changes: list[Change]


def glance(patient: Patient) -> Glance:
    """Changes in every answered questionnaire since the latest ketamine session (or 30 days)."""
    sessions = session_days(patient)
    today = timezone.localdate()
    if sessions:
        since, what = sessions[-1], "the latest ketamine session"
    else:
        since, what = today - dt.timedelta(days=DEFAULT_LOOKBACK_DAYS), f"{DEFAULT_LOOKBACK_DAYS} days ago"
    measures = []
    for instrument_id in selectors.instruments_answered(patient):
        instrument = instruments.get_instrument(instrument_id)
        low, high = instrument.total_range or (0, 1)
        measures.append(
            Measure(
                name=instrument.abbreviation,
                readings=[
                    Reading(
                        timezone.localdate(p.answered_at),
                        p.total,
                        p.band,
                        selectors.band_rank(instrument_id, p.band),
                    )
                    for p in selectors.trend(patient, instrument_id)
                ],
                scale_span=high - low,
                higher_is_worse=instrument_id not in HIGHER_IS_BETTER,
            )
        )
    return Glance(since=since, since_what=what, changes=changes_since(measures, since))
