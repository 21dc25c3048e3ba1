"""The research view of a clinic: one de-identified row per patient and the cohort's endpoints.

De-identified, not anonymous: no name, record number, date of birth or calendar date leaves;
patients get a pseudonym (an HMAC of the record id under the installation's SECRET_KEY, so it is
stable between exports and cannot be reversed without the key), ages are 5-year bands and times
are days from the start of the relapse clock: the patient's first ketamine session, or before any
session the first reported day without use (ketacare.analytics.tlfb.abstinence_start), as on the
patient's outcomes page; patients with neither have no time to relapse.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from ketacare.accounts.models import Clinic
from ketacare.analytics import tlfb
from ketacare.analytics.cohort import PatientEndpoints, age_band
from ketacare.dosing.models import DosingSession
from ketacare.outcomes.models import ClinicOutcomeSettings, QuestionnaireResponse, SubstanceUseDay
from ketacare.patients.models import Medication, Patient, SubstanceUseDisorder
from ketacare.rules import dsm5

MAT_CLASSES = (
    Medication.DrugClass.METHADONE,
    Medication.DrugClass.BUPRENORPHINE,
    Medication.DrugClass.NALTREXONE,
)
COLUMNS = (
    "research_id",
    "age_band",
    "sex_at_birth",
    "primary_substance",
    "dsm5_severity",
    "mat",
    "ketamine_sessions",
    "days_observed",
    "days_assessed",
    "percent_days_abstinent",
    "heavy_drinking_days",
    "relapsed",
    "days_to_relapse_or_censoring",
    "phq9_first",
    "phq9_last",
)


@dataclass(frozen=True)
class ResearchRow:
    research_id: str
    age_band: str
    sex_at_birth: str
    primary_substance: str
    dsm5_severity: str
    mat: str
    ketamine_sessions: int
    endpoints: PatientEndpoints
    phq9_first: int | None
    phq9_last: int | None

    def as_csv(self) -> list[str]:
        e = self.endpoints
        values: list[object] = [
            self.research_id,
            self.age_band,
            self.sex_at_birth,
            self.primary_substance,
            self.dsm5_severity,
            self.mat,
            self.ketamine_sessions,
            e.days_observed,
            e.days_assessed,
            e.percent_days_abstinent,
            e.heavy_drinking_days,
            int(e.relapsed),
            e.days_to_relapse_or_censoring,
            self.phq9_first,
            self.phq9_last,
        ]
        return ["" if v is None else str(v) for v in values]


def pseudonym(patient_id: int) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"research:{patient_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def relapse_rule(clinic: Clinic) -> tuple[tlfb.RelapseDefinition, int | None]:
    chosen = ClinicOutcomeSettings.objects.filter(clinic=clinic).first()
    if chosen is None:
        return tlfb.RelapseDefinition.ANY_USE, None
    return tlfb.RelapseDefinition(chosen.relapse_definition), chosen.regular_use_days


def cohort_rows(clinic: Clinic) -> list[ResearchRow]:
    """One row per patient of the clinic (the page: the cohort summary needs every row)."""
    return list(iter_cohort_rows(clinic))


def iter_cohort_rows(clinic: Clinic, chunk_size: int = 2000) -> Iterator[ResearchRow]:
    """One row per patient, in record order, computed by the database and streamed.

    Two queries (three for the 'regular use' rule), whatever the clinic's size: the calendar's
    counts per patient in one grouped pass (days assessed, days with use, heavy-drinking days, first
    and last day), and the patients with the rest as correlated subqueries that stop at their first
    match (first session, first abstinent day, the relapse, PHQ-9 first and last, MAT, diagnosis).
    Both come back ordered by patient and are merged as they stream, so memory stays constant
    (docs/performance.md, Research). The answers are those of ketacare.analytics.tlfb, which stays
    the reference: heavy-drinking days count each day's one alcohol report (the calendar keeps one
    valid report per day and substance, outcomes.SubstanceUseDay's unique constraint)."""
    definition, regular_use_days = relapse_rule(clinic)
    today = timezone.localdate()
    counts = _calendar_counts(clinic).iterator(chunk_size=chunk_size)
    patients = _patients(clinic, definition).iterator(chunk_size=chunk_size)
    runs = (
        _first_runs(clinic, regular_use_days, chunk_size)
        if definition == tlfb.RelapseDefinition.REGULAR_USE and regular_use_days
        else None
    )
    pending = next(counts, None)
    for facts in patients:
        while pending is not None and pending["patient_id"] < facts["pk"]:
            pending = next(counts, None)
        calendar = pending if pending is not None and pending["patient_id"] == facts["pk"] else None
        relapse_on = facts.get("relapse_on")
        if runs is not None:
            relapse_on = runs.first_run_on_or_after(facts["pk"], facts["start"])
        yield _row(facts, calendar, relapse_on, today, definition, regular_use_days)


def _calendar_counts(clinic: Clinic) -> QuerySet[Any]:
    """Per patient, in one grouped pass over the calendar."""
    heavy = Q(substance=tlfb.ALCOHOL, used=True) & (
        Q(
            patient__sex_at_birth=tlfb.Sex.MALE,
            standard_drinks__gt=tlfb.heavy_drinking_cutoff(tlfb.Sex.MALE),
        )
        | (
            ~Q(patient__sex_at_birth=tlfb.Sex.MALE)
            & Q(standard_drinks__gt=tlfb.heavy_drinking_cutoff(tlfb.Sex.FEMALE))
        )
    )
    return (
        SubstanceUseDay.objects.filter(patient__clinic=clinic, entered_in_error=False)
        .values("patient_id")
        .annotate(
            assessed=Count("day", distinct=True),
            use_days=Count("day", distinct=True, filter=Q(used=True)),
            heavy=Count("day", distinct=True, filter=heavy),
            first_day=Min("day"),
            last_day=Max("day"),
            last_alcohol_day=Max("day", filter=Q(substance=tlfb.ALCOHOL)),
        )
        .order_by("patient_id")
    )


def _valid_days(**conditions: Any) -> QuerySet[SubstanceUseDay]:
    return SubstanceUseDay.objects.filter(patient_id=OuterRef("pk"), entered_in_error=False, **conditions)


def _first_day(days: QuerySet[SubstanceUseDay]) -> Subquery:
    return Subquery(days.order_by("day").values("day")[:1])


def _patients(clinic: Clinic, definition: tlfb.RelapseDefinition) -> QuerySet[Any]:
    """The patients with everything but the calendar counts, as subqueries that stop early."""
    used_that_day = SubstanceUseDay.objects.filter(
        patient_id=OuterRef("patient_id"), day=OuterRef("day"), entered_in_error=False, used=True
    )
    started = DosingSession.objects.filter(patient_id=OuterRef("pk"), started_at__isnull=False)
    phq9 = QuestionnaireResponse.objects.filter(
        patient_id=OuterRef("pk"),
        entered_in_error=False,
        status=QuestionnaireResponse.Status.FINAL,
        instrument_id="phq-9",
        score_total__isnull=False,
    )
    disorders = SubstanceUseDisorder.objects.filter(
        patient_id=OuterRef("pk"), entered_in_error=False
    ).order_by("-is_primary", "pk")
    mat = {
        f"mat_{drug_class}": Exists(
            Medication.objects.filter(
                patient_id=OuterRef("pk"),
                entered_in_error=False,
                drug_class=drug_class,
                stopped_on__isnull=True,
            )
        )
        for drug_class in MAT_CLASSES
    }
    patients = (
        Patient.objects.filter(clinic=clinic)
        .annotate(
            first_session=Subquery(
                started.order_by("started_at").annotate(on=TruncDate("started_at")).values("on")[:1]
            ),
            sessions=Coalesce(
                Subquery(
                    started.order_by().values("patient_id").annotate(n=Count("pk")).values("n")[:1],
                    output_field=IntegerField(),
                ),
                0,
            ),
            abstinent_from=_first_day(_valid_days(used=False).exclude(Exists(used_that_day))),
            start=Coalesce(F("first_session"), F("abstinent_from")),
            cutoff=Case(
                When(sex_at_birth=tlfb.Sex.MALE, then=Value(tlfb.heavy_drinking_cutoff(tlfb.Sex.MALE))),
                default=Value(tlfb.heavy_drinking_cutoff(tlfb.Sex.FEMALE)),
            ),
            phq9_first=Subquery(phq9.order_by("answered_at", "pk").values("score_total")[:1]),
            phq9_last=Subquery(phq9.order_by("-answered_at", "-pk").values("score_total")[:1]),
            primary_substance=Subquery(disorders.values("substance")[:1]),
            primary_criteria=Subquery(disorders.values("criteria_met")[:1]),
            **mat,
        )
        .order_by("pk")
    )
    if definition == tlfb.RelapseDefinition.ANY_USE:
        patients = patients.annotate(
            relapse_on=_first_day(_valid_days(used=True, day__gte=OuterRef("start")))
        )
    elif definition == tlfb.RelapseDefinition.FIRST_HEAVY_DAY:
        patients = patients.annotate(
            relapse_on=_first_day(
                _valid_days(
                    substance=tlfb.ALCOHOL,
                    used=True,
                    day__gte=OuterRef("start"),
                    standard_drinks__gt=OuterRef("cutoff"),
                )
            )
        )
    return patients.values(
        "pk",
        "date_of_birth",
        "sex_at_birth",
        "start",
        "sessions",
        "phq9_first",
        "phq9_last",
        "primary_substance",
        "primary_criteria",
        *mat,
        *(["relapse_on"] if definition != tlfb.RelapseDefinition.REGULAR_USE else []),
    )


class _FirstRuns:
    """For the 'return to regular use' rule: each patient's days with use, streamed in order, and
    the first run of `length` consecutive days on or after the patient's start (a gap, an unreported
    day, breaks a run, as in ketacare.analytics.tlfb.find_relapse)."""

    def __init__(self, days: Iterator[tuple[int, dt.date]], length: int) -> None:
        self._days = days
        self._length = length
        self._pending = next(days, None)

    def first_run_on_or_after(self, patient_id: int, start: dt.date | None) -> dt.date | None:
        found: dt.date | None = None
        run_start: dt.date | None = None
        previous: dt.date | None = None
        run = 0
        while self._pending is not None and self._pending[0] <= patient_id:
            pid, day = self._pending
            self._pending = next(self._days, None)
            if pid < patient_id or start is None or day < start or found is not None:
                continue
            if run and previous is not None and day - previous == dt.timedelta(days=1):
                run += 1
            else:
                run, run_start = 1, day
            previous = day
            if run >= self._length:
                found = run_start
        return found


def _first_runs(clinic: Clinic, length: int, chunk_size: int) -> _FirstRuns:
    days = (
        SubstanceUseDay.objects.filter(patient__clinic=clinic, entered_in_error=False, used=True)
        .order_by("patient_id", "day")
        .values_list("patient_id", "day")
        .distinct()
        .iterator(chunk_size=chunk_size)
    )
    return _FirstRuns(days, length)


def _row(
    facts: dict[str, Any],
    calendar: dict[str, Any] | None,
    relapse_on: dt.date | None,
    today: dt.date,
    definition: tlfb.RelapseDefinition,
    regular_use_days: int | None,
) -> ResearchRow:
    assessed = calendar["assessed"] if calendar else 0
    start: dt.date | None = facts["start"]
    relapsed, observed = False, 0
    to_event: int | None = None
    judged = definition != tlfb.RelapseDefinition.REGULAR_USE or bool(regular_use_days)
    if start is not None and judged:
        # The last day the rule looks at (alcohol only for the heavy-drinking rule), or the start.
        last_key = "last_alcohol_day" if definition == tlfb.RelapseDefinition.FIRST_HEAVY_DAY else "last_day"
        last = calendar[last_key] if calendar else None
        observed = max(0, (last - start).days) if last is not None else 0
        relapsed = relapse_on is not None
        to_event = (relapse_on - start).days if relapse_on is not None else observed
    criteria = facts["primary_criteria"]
    mat = {str(c) for c in MAT_CLASSES if facts[f"mat_{c}"]}
    first_day = calendar["first_day"] if calendar else None
    abstinent = assessed - calendar["use_days"] if calendar else 0
    return ResearchRow(
        research_id=pseudonym(facts["pk"]),
        age_band=age_band(_age(facts["date_of_birth"], first_day or today)),
        sex_at_birth=facts["sex_at_birth"],
        primary_substance=facts["primary_substance"] or "",
        dsm5_severity=dsm5.severity(criteria).value if criteria is not None else "",
        mat="+".join(sorted(mat)),
        ketamine_sessions=facts["sessions"],
        endpoints=PatientEndpoints(
            days_observed=observed,
            days_assessed=assessed,
            percent_days_abstinent=(round(100 * abstinent / assessed, 1) if assessed else None),
            heavy_drinking_days=calendar["heavy"] if calendar else 0,
            relapsed=relapsed,
            days_to_relapse_or_censoring=to_event,
        ),
        phq9_first=facts["phq9_first"],
        phq9_last=facts["phq9_last"],
    )


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
