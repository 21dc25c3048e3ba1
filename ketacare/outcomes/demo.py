"""Months of plausible synthetic outcomes for the demo clinic, built through the real services.

Invented trajectories: craving, depression and alcohol craving that fall after treatment starts
with day-to-day noise and the odd bad week; a substance-use calendar whose use thins out; tests
that mostly agree with the report (one does not); and one patient whose latest PHQ-9 item 9 is
positive, so the worklist has an alert to show. Repeatable: the caller passes a seeded random.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from ketacare.accounts.models import User
from ketacare.analytics import forecast
from ketacare.outcomes import services
from ketacare.patients.models import Patient

DAYS = 120  # four months of history since the first ketamine session (ketacare.dosing.demo)
PRE_TREATMENT_DAYS = 14  # the calendar opens two weeks before treatment, as a TLFB baseline does
INDUCTION_DAYS = (0, 7, 14)  # the same as ketacare.dosing.demo.COURSE_DAYS, which imports this module
USE_SUBSTANCES = ("alcohol", "opioids", "cocaine", "amphetamines")
# Invented, to look like a programme: responders stay abstinent for weeks (mean 75 days to first
# use), non-responders relapse within days (mean 6); after a relapse use comes and goes.
MEAN_DAYS_TO_FIRST_USE = {True: 75.0, False: 6.0}
USE_PROBABILITY_AFTER_RELAPSE = {True: 0.2, False: 0.5}


def _noon(day: dt.date, rng: random.Random) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(9, 20), rng.randint(0, 59))))


def _spread(total: int, items: int, top: int, rng: random.Random) -> list[int]:
    """Item answers (each 0..top) that add up to `total` (capped at items * top)."""
    answers = [0] * items
    for _ in range(min(total, items * top)):
        candidates = [i for i in range(items) if answers[i] < top]
        answers[rng.choice(candidates)] += 1
    return answers


def _improving(start: float, end: float, progress: float, rng: random.Random, noise: float) -> float:
    return start + (end - start) * progress + rng.gauss(0, noise)


def _calendar(
    *,
    by: User,
    patient: Patient,
    substance: str | None,
    start: dt.date,
    responder: bool,
    rng: random.Random,
    reported_clean: dt.date | None,
) -> dict[dt.date, bool]:
    """A daily substance-use calendar: frequent use before the first session, then abstinence until
    a first use drawn from the patient's (invented) response, then intermittent use; a few days
    unreported, as in any real calendar. Returns the use by day."""
    use_on: dict[dt.date, bool] = {}
    if substance not in USE_SUBSTANCES:
        return use_on
    first_use = 1 + int(rng.expovariate(1 / MEAN_DAYS_TO_FIRST_USE[responder]))
    for offset in range(-PRE_TREATMENT_DAYS, DAYS):
        day = start + dt.timedelta(days=offset)
        if rng.random() < 0.05 and day != reported_clean:
            continue  # not reported
        if offset < 0:
            used = rng.random() < 0.8
        elif offset == 0 or day == reported_clean:
            used = False  # the session day: dosed abstinent
        else:
            used = offset == first_use or (
                offset > first_use and rng.random() < USE_PROBABILITY_AFTER_RELAPSE[responder]
            )
        drinks = Decimal(rng.randint(2, 9)) if used and substance == "alcohol" else None
        services.record_substance_use(
            by=by, patient=patient, day=day, substance=substance, used=used, standard_drinks=drinks
        )
        use_on[day] = used
    return use_on


def _last_induction(offset: int) -> int:
    """The day of the latest induction session (ketacare.dosing.demo.COURSE_DAYS) on or before it."""
    return max(day for day in INDUCTION_DAYS if day <= offset)


def build(
    *, staff: dict[str, User], patients: list[Patient], portal_user: User, rng: random.Random, today: dt.date
) -> None:
    nurse = staff["nurse"]
    for index, patient in enumerate(patients):
        substance = (
            patient.substance_use_disorders.filter(is_primary=True)
            .values_list("substance", flat=True)
            .first()
        )
        by = portal_user if patient.portal_user_id == portal_user.pk else nurse
        start = today - dt.timedelta(days=DAYS)
        responder = rng.random() < 0.7  # most patients improve; some do not
        # Craving falls after each induction session and comes back over weeks (invented curves, so
        # that the booster forecast has something to fit): responders fall further and slower.
        fade = forecast.Fade(
            level=rng.uniform(65, 80),
            drop=rng.uniform(35, 50) if responder else rng.uniform(10, 20),
            rate_per_day=rng.uniform(0.02, 0.05) if responder else rng.uniform(0.1, 0.2),
        )
        services.assign_instrument(
            by=nurse, patient=patient, instrument_id="phq-9", interval_days=14, starts_on=start
        )
        services.assign_instrument(
            by=nurse,
            patient=patient,
            instrument_id="craving-vas",
            interval_days=1,
            starts_on=today - dt.timedelta(days=7),
        )
        if substance == "alcohol":
            services.assign_instrument(
                by=nurse, patient=patient, instrument_id="pacs", interval_days=7, starts_on=start
            )
        # The fifth patient reports no use two weeks ago, and the test that day says otherwise.
        contradicted = start + dt.timedelta(days=DAYS - 15) if index == 4 else None
        use_on = _calendar(
            by=by,
            patient=patient,
            substance=substance,
            start=start,
            responder=responder,
            rng=rng,
            reported_clean=contradicted,
        )
        for offset in range(DAYS):
            day = start + dt.timedelta(days=offset)
            progress = offset / DAYS if responder else 0.15 * offset / DAYS
            bad_week = (offset // 7) % 6 == 5 and rng.random() < 0.5
            if offset % 14 == 0:
                total = round(_improving(16, 6, progress, rng, 2) + (4 if bad_week else 0))
                answers = _spread(max(0, min(24, total)), 8, 3, rng) + [0]
                if index == 1 and offset + 14 >= DAYS:
                    answers[8] = 1  # the latest PHQ-9 of the second patient: item 9 "several days"
                services.record_response(
                    by=by,
                    patient=patient,
                    instrument_id="phq-9",
                    answers=answers,
                    answered_at=_noon(day, rng),
                )
            if substance == "alcohol" and offset % 7 == 3:
                pacs = round(_improving(22, 8, progress, rng, 3))
                services.record_response(
                    by=by,
                    patient=patient,
                    instrument_id="pacs",
                    answers=_spread(max(0, min(30, pacs)), 5, 6, rng),
                    answered_at=_noon(day, rng),
                )
            if offset % 7 == 0 or by == portal_user:
                craving = round(fade.value_at(offset - _last_induction(offset)) + rng.gauss(0, 6))
                craving += 15 if bad_week else 0
                services.record_response(
                    by=by,
                    patient=patient,
                    instrument_id="craving-vas",
                    answers=[max(0, min(100, craving))],
                    answered_at=_noon(day, rng),
                )
            if substance in USE_SUBSTANCES and offset % 15 == 0:
                positive = use_on.get(day, False) or day == contradicted
                services.record_lab_result(
                    by=nurse,
                    patient=patient,
                    substance=substance,
                    positive=positive,
                    kind="urine-etg" if substance == "alcohol" else "urine-tox",
                    collected_at=_noon(day, rng),
                )
    # The portal patient has checked in through the phone page on most recent days.
    portal_patient = next(p for p in patients if p.portal_user_id == portal_user.pk)
    for offset in range(14, 0, -1):
        day = today - dt.timedelta(days=offset)
        if rng.random() < 0.8:
            services.record_daily_report(
                by=portal_user,
                patient=portal_patient,
                mood_0_10=rng.randint(4, 8),
                craving_0_100=rng.randint(10, 45),
                day=day,
            )
