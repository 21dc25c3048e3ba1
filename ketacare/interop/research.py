"""The research view of a clinic: one de-identified row per patient and the cohort's endpoints.

De-identified, not anonymous: no name, record number, date of birth or calendar date leaves;
patients get a pseudonym (an HMAC of the record id under the installation's SECRET_KEY, so it is
stable between exports and cannot be reversed without the key), ages are 5-year bands and times
are days from the patient's programme start.  Programme start is the first day reported in the
substance-use calendar, as on the patient's outcomes page, until dosing sessions exist.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from ketacare.accounts.models import Clinic
from ketacare.analytics import tlfb
from ketacare.analytics.cohort import PatientEndpoints, age_band
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
    """One row per patient of the clinic, in a fixed number of queries."""
    definition, regular_use_days = relapse_rule(clinic)
    patients = (
        Patient.objects.filter(clinic=clinic)
        .order_by("pk")
        .prefetch_related(
            Prefetch(
                "substance_use_days",
                queryset=SubstanceUseDay.objects.filter(entered_in_error=False).order_by("day", "substance"),
            ),
            Prefetch(
                "substance_use_disorders",
                queryset=SubstanceUseDisorder.objects.filter(entered_in_error=False).order_by(
                    "-is_primary", "pk"
                ),
            ),
            Prefetch(
                "medications",
                queryset=Medication.objects.filter(
                    entered_in_error=False, drug_class__in=MAT_CLASSES, stopped_on__isnull=True
                ).order_by("drug_class"),
            ),
            Prefetch(
                "responses",
                queryset=QuestionnaireResponse.objects.filter(
                    entered_in_error=False, status=QuestionnaireResponse.Status.FINAL, instrument_id="phq-9"
                ).order_by("answered_at", "pk"),
            ),
        )
    )
    today = timezone.localdate()
    return [_row(p, today, definition, regular_use_days) for p in patients]


def _row(
    patient: Patient, today: dt.date, definition: tlfb.RelapseDefinition, regular_use_days: int | None
) -> ResearchRow:
    days = [
        tlfb.UseDay(d.day, d.substance, d.used, d.standard_drinks) for d in patient.substance_use_days.all()
    ]
    sex = patient.sex_at_birth if patient.sex_at_birth in ("female", "male") else None
    summary = tlfb.summarise(days, sex)
    start = days[0].day if days else None
    relapsed, to_event, observed = False, 0, 0
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
    disorders = list(patient.substance_use_disorders.all())
    primary = disorders[0] if disorders else None
    phq9 = [r.score_total for r in patient.responses.all()]
    age_at_start = _age(patient.date_of_birth, start or today)
    return ResearchRow(
        research_id=pseudonym(patient.pk),
        age_band=age_band(age_at_start),
        sex_at_birth=patient.sex_at_birth,
        primary_substance=primary.substance if primary else "",
        dsm5_severity=dsm5.severity(primary.criteria_met).value if primary else "",
        mat="+".join(sorted({m.drug_class for m in patient.medications.all()})),
        endpoints=PatientEndpoints(
            days_observed=observed,
            days_assessed=summary.days_assessed,
            percent_days_abstinent=summary.percent_days_abstinent,
            heavy_drinking_days=summary.heavy_drinking_days,
            relapsed=relapsed,
            days_to_relapse_or_censoring=to_event,
        ),
        phq9_first=phq9[0] if phq9 else None,
        phq9_last=phq9[-1] if phq9 else None,
    )


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
