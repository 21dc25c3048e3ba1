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
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
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
    """One row per patient of the clinic, in a fixed number of queries whatever its size.

    Plain tuples (values_list), not model instances: a clinic's calendar is hundreds of thousands of
    rows, and building objects for them was most of the time (docs/performance.md, Exports)."""
    definition, regular_use_days = relapse_rule(clinic)
    patients = (
        Patient.objects.filter(clinic=clinic)
        .order_by("pk")
        .values_list("pk", "date_of_birth", "sex_at_birth")
    )
    of_clinic = {"patient__clinic": clinic, "entered_in_error": False}
    days: dict[int, list[tlfb.UseDay]] = defaultdict(list)
    for pid, day, substance, used, drinks in (
        SubstanceUseDay.objects.filter(**of_clinic)
        .order_by("patient_id", "day", "substance")
        .values_list("patient_id", "day", "substance", "used", "standard_drinks")
    ):
        days[pid].append(tlfb.UseDay(day, substance, used, drinks))
    primary: dict[int, tuple[str, int]] = {}
    for pid, substance, criteria in (
        SubstanceUseDisorder.objects.filter(**of_clinic)
        .order_by("patient_id", "-is_primary", "pk")
        .values_list("patient_id", "substance", "criteria_met")
    ):
        primary.setdefault(pid, (substance, criteria))
    mat: dict[int, set[str]] = defaultdict(set)
    for pid, drug_class in Medication.objects.filter(
        **of_clinic, drug_class__in=MAT_CLASSES, stopped_on__isnull=True
    ).values_list("patient_id", "drug_class"):
        mat[pid].add(drug_class)
    first_session: dict[int, dt.date] = {}
    sessions: dict[int, int] = defaultdict(int)
    for pid, started in (
        DosingSession.objects.filter(patient__clinic=clinic, started_at__isnull=False)
        .order_by("patient_id", "started_at")
        .values_list("patient_id", "started_at")
    ):
        first_session.setdefault(pid, timezone.localdate(started))
        sessions[pid] += 1
    phq9: dict[int, list[int]] = defaultdict(list)
    for pid, total in (
        QuestionnaireResponse.objects.filter(
            **of_clinic, status=QuestionnaireResponse.Status.FINAL, instrument_id="phq-9"
        )
        .order_by("patient_id", "answered_at", "pk")
        .values_list("patient_id", "score_total")
    ):
        if total is not None:  # a final PHQ-9 is always scored; the check keeps the types honest
            phq9[pid].append(total)
    today = timezone.localdate()
    return [
        _row(
            _PatientFacts(
                pid,
                born,
                sex,
                days[pid],
                primary.get(pid),
                mat[pid],
                phq9[pid],
                first_session.get(pid),
                sessions[pid],
            ),
            today,
            definition,
            regular_use_days,
        )
        for pid, born, sex in patients
    ]


@dataclass(frozen=True)
class _PatientFacts:
    pk: int
    date_of_birth: dt.date
    sex_at_birth: str
    days: list[tlfb.UseDay]
    primary: tuple[str, int] | None  # substance, DSM-5 criteria met
    mat: set[str]
    phq9: list[int]
    first_session: dt.date | None
    sessions: int  # ketamine sessions that started


def _row(
    facts: _PatientFacts, today: dt.date, definition: tlfb.RelapseDefinition, regular_use_days: int | None
) -> ResearchRow:
    days = facts.days
    sex = facts.sex_at_birth if facts.sex_at_birth in ("female", "male") else None
    summary = tlfb.summarise(days, sex)
    start = facts.first_session or tlfb.abstinence_start(days)
    relapsed, observed = False, 0
    to_event: int | None = None
    if start is not None:
        try:
            relapse = tlfb.find_relapse(
                days,
                definition,
                start=start,
                sex=sex,
                substance="alcohol" if definition == tlfb.RelapseDefinition.FIRST_HEAVY_DAY else None,
                regular_use_days=regular_use_days,
            )
        except ValueError:  # a clinic rule without its run length: no relapse can be judged
            relapse = None
        if relapse is not None:
            relapsed = relapse.relapse_on is not None
            observed = relapse.days_observed
            to_event = relapse.days_to_relapse if relapse.days_to_relapse is not None else observed
    substance, criteria = facts.primary if facts.primary else ("", None)
    first_day = days[0].day if days else None
    return ResearchRow(
        research_id=pseudonym(facts.pk),
        age_band=age_band(_age(facts.date_of_birth, first_day or today)),
        sex_at_birth=facts.sex_at_birth,
        primary_substance=substance,
        dsm5_severity=dsm5.severity(criteria).value if criteria is not None else "",
        mat="+".join(sorted(facts.mat)),
        ketamine_sessions=facts.sessions,
        endpoints=PatientEndpoints(
            days_observed=observed,
            days_assessed=summary.days_assessed,
            percent_days_abstinent=summary.percent_days_abstinent,
            heavy_drinking_days=summary.heavy_drinking_days,
            relapsed=relapsed,
            days_to_relapse_or_censoring=to_event,
        ),
        phq9_first=facts.phq9[0] if facts.phq9 else None,
        phq9_last=facts.phq9[-1] if facts.phq9 else None,
    )


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
