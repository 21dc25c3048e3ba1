"""The research page: a clinic's cohort endpoints and its de-identified CSV, for researchers and
clinic administrators (research.view).  Every view and download is audited."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe

from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.models import Clinic
from ketacare.analytics import trials
from ketacare.analytics.cohort import summarise_cohort
from ketacare.audit.actions import AuditAction
from ketacare.audit.services import record_event
from ketacare.interop import research
from ketacare.interop.charts import km_svg
from ketacare.interop.selectors import research_clinic_for
from ketacare.interop.trials import trial_endpoints
from ketacare.patients.models import Patient


def _clinic(request: AuthedRequest) -> tuple[Clinic, list[Clinic]]:
    return research_clinic_for(request.user, request.GET.get("clinic"))


@login_required
def cohort(request: AuthedRequest) -> HttpResponse:
    clinic, clinics = _clinic(request)
    rows = research.cohort_rows(clinic)
    summary = summarise_cohort([r.endpoints for r in rows])
    definition, run = research.relapse_rule(clinic)
    record_event(
        actor=request.user,
        action=AuditAction.READ,
        clinic=clinic,
        entity_type="research.cohort",
        entity_id=clinic.slug,
        detail={"patients": summary.patients},
    )
    title = (
        f"Not relapsed ({definition.value}{f', {run} days' if run else ''}), {summary.with_calendar} patients"
    )
    context = {
        "clinic": clinic,
        "clinics": clinics,
        "summary": summary,
        "definition": definition,
        "regular_use_days": run,
        "chart": mark_safe(km_svg(summary.survival, title)),  # noqa: S308  (numbers and escaped text)
    }
    return render(request, "interop/cohort.html", context)


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a streamed response."""

    def write(self, value: str) -> str:
        return value


@login_required
def cohort_csv(request: AuthedRequest) -> StreamingHttpResponse:
    """The de-identified CSV, streamed row by row as the database returns them: constant memory
    whatever the clinic's size (docs/performance.md, Research)."""
    clinic, _ = _clinic(request)
    record_event(
        actor=request.user,
        action=AuditAction.EXPORT,
        clinic=clinic,
        entity_type="research.cohort",
        entity_id=clinic.slug,
        detail={"format": "research CSV", "patients": Patient.objects.filter(clinic=clinic).count()},
    )
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(research.COLUMNS)
        for row in research.iter_cohort_rows(clinic):
            yield writer.writerow(row.as_csv())

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="ketacare-{clinic.slug}-research-{stamp}.csv"'
    return response


@login_required
def trials_page(request: AuthedRequest) -> HttpResponse:
    clinic, clinics = _clinic(request)
    comparisons = trial_endpoints(request.user, clinic)
    return render(
        request,
        "interop/trials.html",
        {"clinic": clinic, "clinics": clinics, "comparisons": comparisons, "not_a_trial": trials.NOT_A_TRIAL},
    )
