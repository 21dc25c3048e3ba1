"""A month of appointments for the demo clinic, around the demo's sessions, through the real services.

Deterministic (no randomness): for the first Riverside patients with a signed order, the rest of
their ketamine course over the next four weeks (each in their own chair, from the protocol's
spacing), an integration visit the day after each session, a preparation visit before the first,
weekly therapy over the past two weeks (attended, one missed, one cancelled with its reason) and a
MAT review. Two patients are booked for a ketamine session later today, so the day board shows
appointments to open. Conflicts that arise (a nurse with two chairs, a detox gate) are booked with a
written demo reason, as a clinic would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.utils import timezone

from ketacare.accounts.models import User
from ketacare.patients.models import Patient
from ketacare.plans import calendar_services as calendar
from ketacare.plans.models import Appointment, Order

DEMO_REASON = "Demo: reviewed by the booking nurse; two chairs run in parallel under one nurse."
PATIENTS = 8
HORIZON_DAYS = 28


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def _book(**kw: object) -> Appointment | None:
    """Book; on a conflict, book with the demo reason; a refused chair clash is left out."""
    try:
        return calendar.book(**kw)  # type: ignore[arg-type]
    except ValidationError as exc:
        if "confirm_reason" not in getattr(exc, "message_dict", {}):
            return None
    try:
        return calendar.book(**kw, confirm_reason=DEMO_REASON)  # type: ignore[arg-type]
    except ValidationError:
        return None


def build(
    *,
    staff: dict[str, User],
    patients_: list[Patient],
    now: dt.datetime,
    in_session_today: Sequence[Patient] = (),
) -> None:
    """`in_session_today`: the patients of the demo's session day (dosing), booked nothing more today."""
    nurse, prescriber, therapist = staff["nurse"], staff["prescriber"], staff["therapist"]
    today = timezone.localdate(now)
    with_orders = [
        (p, o)
        for p in patients_
        if (o := p.ketamine_orders.filter(status=Order.Status.SIGNED).order_by("-signed_at").first())
    ][:PATIENTS]
    for index, (patient, order) in enumerate(with_orders):
        chair = f"Chair {index % 4 + 1}" if index < 4 else f"Room {index - 3}"
        hour = 8 + (index % 4) * 2
        days = [
            d
            for d in calendar.propose_course(order, at=dt.time(hour), length_min=180)
            # Today's chairs belong to the session day the dosing demo builds: courses start tomorrow.
            if 0 < (d.starts_at.date() - today).days <= HORIZON_DAYS
        ]
        first: dt.date | None = None
        for d in days:
            booked = _book(
                by=nurse,
                patient=patient,
                clinician=nurse if index % 2 == 0 else prescriber,
                kind="ketamine-session",
                starts_at=d.starts_at,
                ends_at=d.ends_at,
                location=chair,
                order=order,
            )
            if booked is None:
                continue
            first = first or d.starts_at.date()
            after = d.starts_at.date() + dt.timedelta(days=1)
            _book(
                by=therapist,
                patient=patient,
                clinician=therapist,
                kind="integration",
                starts_at=_at(after, 9 + index % 8),
                ends_at=_at(after, 9 + index % 8, 50),
                location="Therapy room",
            )
        if first is not None and (first - today).days >= 2:
            prep = first - dt.timedelta(days=2)
            _book(
                by=nurse,
                patient=patient,
                clinician=therapist,
                kind="preparation",
                starts_at=_at(prep, 9 + index % 8),
                ends_at=_at(prep, 9 + index % 8, 50),
                location="Therapy room",
            )
        for weeks_ago in (2, 1):
            day = today - dt.timedelta(days=7 * weeks_ago)
            therapy = _book(
                by=therapist,
                patient=patient,
                clinician=therapist,
                kind="therapy",
                starts_at=_at(day, 9 + index % 8),
                ends_at=_at(day, 9 + index % 8, 50),
                location="Therapy room",
            )
            if therapy is None:
                continue
            if index == 1 and weeks_ago == 1:
                calendar.record_no_show(by=therapist, appointment=therapy)
            elif index == 2 and weeks_ago == 1:
                calendar.cancel(
                    by=therapist, appointment=therapy, reason="Demo: the patient had a family emergency."
                )
            else:
                calendar.record_attended(by=therapist, appointment=therapy)
        review = today + dt.timedelta(days=14 + 2 * index)
        _book(
            by=nurse,
            patient=patient,
            clinician=prescriber,
            kind="mat-visit"
            if patient.medications.filter(
                drug_class__in=("methadone", "buprenorphine", "naltrexone")
            ).exists()
            else "review",
            starts_at=_at(review, 16),
            ends_at=_at(review, 16, 30),
            location="Consulting room",
        )
    # Later today: two ketamine sessions booked and not yet opened (the day board offers to open them).
    later = now + dt.timedelta(hours=1)
    busy = {p.pk for p in in_session_today}
    for patient, order in [(p, o) for p, o in with_orders if p.pk not in busy][-2:]:
        _book(
            by=nurse,
            patient=patient,
            clinician=nurse,
            kind="ketamine-session",
            starts_at=later,
            ends_at=later + dt.timedelta(hours=3),
            location=f"Bay {patient.pk}",
            order=order,
        )
