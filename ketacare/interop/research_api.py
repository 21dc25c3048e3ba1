"""/api/v1/research: the programme's de-identified aggregates (researchers and clinic administrators)."""

from typing import Any

from ninja import Field, Query, Router, Schema

from ketacare.accounts.http import AuthedRequest
from ketacare.analytics import trials
from ketacare.api_errors import ERROR_RESPONSES
from ketacare.api_input import StrictSchema
from ketacare.interop.selectors import research_clinic_for
from ketacare.interop.trials import trial_endpoints

router = Router(tags=["research"])


class ClinicQuery(StrictSchema):
    clinic: str | None = Field(None, max_length=80, description="A clinic's slug; default: your first.")


class EndpointOut(Schema):
    name: str
    definition: str
    clinic_value: str
    n: int | None = None
    estimate: float | None = Field(None, description="Percent, mean percent, or median days (see name)")
    lower_95: float | None = None
    upper_95: float | None = None


class PublishedOut(Schema):
    measure: str
    value: str
    status: str
    source: str


class TrialOut(Schema):
    trial: str
    title: str
    population_note: str
    eligible_patients: int
    endpoints: list[EndpointOut]
    published: list[PublishedOut]
    caveats: list[str]


def _endpoint(e: trials.Endpoint) -> dict[str, Any]:
    out: dict[str, Any] = {"name": e.name, "definition": e.definition, "clinic_value": e.clinic_value}
    d = e.detail
    if isinstance(d, trials.Proportion):
        out |= {"n": d.n, "estimate": d.percent, "lower_95": d.lower_95, "upper_95": d.upper_95}
    elif isinstance(d, trials.Mean):
        out |= {"n": d.n, "estimate": d.mean, "lower_95": d.lower_95, "upper_95": d.upper_95}
    elif isinstance(d, trials.TimeToRelapse):
        out |= {"n": d.n, "estimate": d.median_days}
    return out


@router.get(
    "/trials",
    response={200: list[TrialOut], **ERROR_RESPONSES},
    summary="Each trial's primary endpoints for the clinic's cohort, beside the verified published results",
)
def trial_comparisons(request: AuthedRequest, query: Query[ClinicQuery]) -> list[dict[str, Any]]:
    clinic, _ = research_clinic_for(request.user, query.clinic)
    return [
        {
            "trial": c.trial,
            "title": c.title,
            "population_note": c.population_note,
            "eligible_patients": c.eligible_patients,
            "endpoints": [_endpoint(e) for e in c.endpoints],
            "published": [vars(p) for p in c.published],
            "caveats": list(c.caveats),
        }
        for c in trial_endpoints(request.user, clinic)
    ]
