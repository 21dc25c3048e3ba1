"""The predicted course of a session, from the pharmacology engine, for this patient and this regimen,
recomputed from the actual infusion events when there are any, with "now" placed on it."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from ketacare.dosing import selectors, services
from ketacare.dosing.models import DosingSession
from ketacare.pharmacology import DoseError, simulate
from ketacare.pharmacology.model import DoseEvent, Regimen
from ketacare.pharmacology.plot import course_svg
from ketacare.pharmacology.request import DoseRequest, RequestError, plan
from ketacare.pharmacology.timeline import timeline
from ketacare.pharmacology.units import Dose

POPULATION_N = 200  # a smaller band than the planning page: the session page is opened often
SEED = 1


@dataclass(frozen=True)
class Course:
    svg: SafeString
    summary: list[str]
    from_events: bool
    now_min: float | None
    notes: list[str]


def _regimen_from_events(session: DosingSession) -> Regimen | None:
    """The infusion as given: one constant-rate event per running interval (mg base)."""
    per_ml = services.base_mg_per_ml(session)
    if per_ml is None or session.started_at is None:
        return None
    events = list(session.infusion_events.order_by("at", "id"))
    pieces: list[DoseEvent] = []
    rate: Decimal | None = None
    since: dt.datetime | None = None
    end = session.ended_at or timezone.now()
    for event in [*events, None]:
        at = event.at if event is not None else end
        if rate is not None and since is not None and at > since:
            minutes = (at - since).total_seconds() / 60
            amount = float(rate * per_ml) * minutes / 60
            start = (since - session.started_at).total_seconds() / 60
            pieces.append(DoseEvent("iv-infusion", amount, max(start, 0.0), minutes))
        if event is not None:
            rate = event.rate_ml_h if event.kind in ("start", "resume", "rate_change") else None
            since = event.at
    return Regimen(tuple(pieces)) if pieces else None


def session_course(session: DosingSession) -> Course | None:
    """The course, computed at most once a minute per session and pump history (the live region is
    redrawn after every reading by everyone viewing it; the course changes only with the pump events,
    the prepared dose, the weight on record and the minute that places "now")."""
    from django.core.cache import cache

    events = list(session.infusion_events.order_by("at", "id").values_list("id", "at", "rate_ml_h"))
    weight = selectors.covariates_of(session.patient)
    minute = int(timezone.now().timestamp() // 60) if session.ended_at is None else 0
    key = (
        "dosing-course:"
        + hashlib.sha256(
            repr(
                (
                    session.pk,
                    session.status,
                    session.dose_mg,
                    session.concentration_mg_per_ml,
                    session.concentration_as,
                    events,
                    weight and weight.pk_patient,
                    minute,
                )
            ).encode()
        ).hexdigest()
    )
    course = cache.get(key)
    if course is None:
        course = _compute_course(session)
        cache.set(key, course, 120)
    return course


def _compute_course(session: DosingSession) -> Course | None:
    """None when the record has no weight or the engine cannot model the route for this patient."""
    covariates = selectors.covariates_of(session.patient)
    if covariates is None:
        return None
    request = DoseRequest(
        route=session.route,
        dose=Dose(float(session.dose_mg), False, "base"),
        duration_min=float(session.duration_min or 0) if session.route == "iv-infusion" else 0.0,
    )
    try:
        decided = plan(request, covariates.pk_patient)
    except (RequestError, DoseError) as exc:
        return Course(mark_safe(""), [], False, None, [str(exc)])  # noqa: S308  (empty)
    regimen = decided.regimen
    actual = _regimen_from_events(session) if session.route == "iv-infusion" else None
    if actual is not None:
        regimen = actual
    expected = timeline(
        decided.model, decided.patient, regimen, hours=12.0, n=POPULATION_N, seed=SEED, params=decided.params
    )
    end = max(180.0, regimen.end_min + 120.0, (expected.typical.recovery_min or 0.0) + 60.0)
    times = np.linspace(0.0, min(end, 12 * 60.0), 361)
    simulated = simulate(decided.model, decided.patient, regimen, times, params=decided.params)
    now_min = None
    if session.started_at is not None and session.ended_at is None:
        now_min = (timezone.now() - session.started_at).total_seconds() / 60
    return Course(
        svg=mark_safe(course_svg(decided.model, regimen, times, simulated, now_min=now_min)),  # noqa: S308  (numbers, escaped text)
        summary=[line for line in expected.summary().splitlines() if line],
        from_events=actual is not None,
        now_min=now_min,
        notes=decided.notes,
    )
