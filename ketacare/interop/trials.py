"""The trials' primary endpoints for a clinic's cohort (a read for researchers and clinic leads).

Each trial is compared with the clinic's patients who have the trial's disorder as their primary
diagnosis and whose follow-up window, counted from their first ketamine session, has passed. The
calendar is streamed patient by patient (one pass per trial, ordered by patient), so memory stays
bounded by one patient's history, not the clinic's. No identifier leaves: only counts and rates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from itertools import groupby

from django.db.models import Min
from django.utils import timezone

from ketacare.accounts.models import Clinic, User
from ketacare.analytics import tlfb, trials
from ketacare.audit.actions import AuditAction
from ketacare.audit.services import record_event
from ketacare.dosing.models import DosingSession
from ketacare.interop.research import relapse_rule
from ketacare.outcomes.models import SubstanceUseDay
from ketacare.patients.models import Patient, SubstanceUseDisorder

_STREAM_CHUNK = 5000


def cohort_for(clinic: Clinic, substance: str, window_days: int) -> Iterator[trials.CohortPatient]:
    """Patients whose primary disorder is `substance`, with their first session as day 0 and their
    calendar inside the window, one at a time."""
    with_disorder = SubstanceUseDisorder.objects.filter(
        patient__clinic=clinic, substance=substance, is_primary=True, entered_in_error=False
    ).values("patient_id")
    first_session = dict(
        DosingSession.objects.filter(
            patient__clinic=clinic, patient_id__in=with_disorder, started_at__isnull=False
        )
        .values("patient_id")
        .annotate(first=Min("started_at"))
        .values_list("patient_id", "first")
    )
    index = {pid: timezone.localdate(at) for pid, at in first_session.items()}
    sex = dict(Patient.objects.filter(pk__in=list(index)).values_list("pk", "sex_at_birth"))
    rows = (
        SubstanceUseDay.objects.filter(patient_id__in=list(index), entered_in_error=False)
        .order_by("patient_id", "day")
        .values_list("patient_id", "day", "substance", "used", "standard_drinks")
        .iterator(chunk_size=_STREAM_CHUNK)
    )
    seen: set[int] = set()
    for pid, days in groupby(rows, key=lambda r: r[0]):
        start = index[pid]
        end = start + dt.timedelta(days=window_days)
        seen.add(pid)
        yield trials.CohortPatient(
            index_day=start,
            days=tuple(
                tlfb.UseDay(day, s, used, drinks) for _, day, s, used, drinks in days if start <= day < end
            ),
            sex=sex.get(pid),
        )
    # Patients with a session but no calendar at all: followed, with nothing reported.
    for pid in index.keys() - seen:
        yield trials.CohortPatient(index_day=index[pid], days=(), sex=sex.get(pid))


def trial_endpoints(user: User, clinic: Clinic) -> list[trials.TrialComparison]:
    """Each trial's endpoints for this clinic's cohort; the caller has checked that the user may see
    the clinic's de-identified data. The read is audited."""
    today = timezone.localdate()
    definition, regular_use_days = relapse_rule(clinic)
    comparisons = [
        trials.dakwar_2019(
            cohort_for(clinic, "cocaine", trials.DAKWAR_2019_WINDOW_DAYS), today=today, substance="cocaine"
        ),
        trials.dakwar_2020(
            cohort_for(clinic, tlfb.ALCOHOL, trials.DAKWAR_2020_WINDOW_DAYS),
            today=today,
            relapse=definition,
            regular_use_days=regular_use_days,
        ),
        trials.grabski_2022(
            cohort_for(clinic, tlfb.ALCOHOL, trials.GRABSKI_2022_WINDOW_DAYS),
            today=today,
            relapse=definition,
            regular_use_days=regular_use_days,
        ),
    ]
    record_event(
        actor=user,
        action=AuditAction.READ,
        clinic=clinic,
        entity_type="research.trials",
        entity_id=clinic.slug,
    )
    return comparisons
