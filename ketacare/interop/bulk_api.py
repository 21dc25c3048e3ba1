"""FHIR Bulk Data export under /api/v1/fhir: kick-off (`$export` for the whole system or a clinic's
Group), status polling, NDJSON downloads with the same authentication, and DELETE to cancel.

Kick-off answers 202 with Content-Location (the status URL); status answers 202 with X-Progress
while the worker runs, 200 with the manifest when done; files are served only to the user who
asked for the export.  Identified exports name `recipient` and `purpose` (a Part 2 disclosure,
clinic administrators); `_deidentified=true` gives the research view (researchers always get it).
"""

from __future__ import annotations

import json
import shutil

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from ninja import Query, Router
from pydantic import BaseModel, ConfigDict, Field

from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.models import Clinic
from ketacare.accounts.roles import Action
from ketacare.accounts.selectors import clinics_where, role_in
from ketacare.api_errors import ERROR_RESPONSES
from ketacare.audit.actions import AuditAction
from ketacare.audit.models import AuditEvent
from ketacare.audit.services import record_event
from ketacare.interop import bulk
from ketacare.interop.models import BulkExport, Purpose

router = Router(tags=["fhir bulk data"])
NDJSON = "application/fhir+ndjson"
PLAIN = r"^[^\x00-\x1f\x7f]*$"


class ExportParams(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    output_format: str | None = Field(None, alias="_outputFormat", max_length=40)
    deidentified: bool = Field(False, alias="_deidentified", description="The research view, no identifiers.")
    recipient: str | None = Field(None, max_length=300, pattern=PLAIN, description="Outside recipient.")
    purpose: Purpose | None = None


def _status_url(request: AuthedRequest, job: BulkExport) -> str:
    return request.build_absolute_uri(f"/api/v1/fhir/$export-status/{job.pk}")


def _kick_off(
    request: AuthedRequest, params: ExportParams, clinics: list[Clinic], group: Clinic | None
) -> HttpResponse:
    if params.output_format not in (None, NDJSON, "application/ndjson", "ndjson"):
        raise ValidationError("Only NDJSON output (application/fhir+ndjson) is offered.")
    if not params.deidentified and not (params.recipient and params.purpose):
        raise ValidationError(
            "An identified export is a disclosure: name its recipient and purpose, or ask for "
            "_deidentified=true."
        )
    job = BulkExport.objects.create(
        requested_by=request.user,
        group_clinic=group,
        clinic_ids=[c.pk for c in clinics],
        deidentified=params.deidentified,
        recipient="" if params.deidentified else (params.recipient or ""),
        purpose="" if params.deidentified else (params.purpose or ""),
        request_url=request.build_absolute_uri()[:500],
    )
    record_event(
        actor=request.user,
        action=AuditAction.EXPORT,
        entity=job,
        clinic=group,
        detail={"stage": "kick-off", "deidentified": job.deidentified, "clinics": len(clinics)},
    )
    bulk.run_bulk_export.enqueue(str(job.pk))
    response = HttpResponse(status=202)
    response["Content-Location"] = _status_url(request, job)
    return response


def _allowed_clinics(request: AuthedRequest, params: ExportParams) -> list[Clinic]:
    if params.deidentified:
        return list(clinics_where(request.user, Action.VIEW_DEIDENTIFIED).order_by("pk"))
    return list(clinics_where(request.user, Action.BULK_EXPORT).order_by("pk"))


@router.get("/$export", response={202: None, **ERROR_RESPONSES}, summary="Bulk export: every clinic of yours")
def system_export(request: AuthedRequest, params: Query[ExportParams]) -> HttpResponse:
    clinics = _allowed_clinics(request, params)
    if not clinics:
        record_event(
            actor=request.user,
            action=AuditAction.EXPORT,
            entity_type="interop.bulkexport",
            outcome=AuditEvent.Outcome.DENIED,
        )
        raise PermissionDenied(
            "Identified bulk export is for clinic administrators; researchers ask for _deidentified=true."
        )
    return _kick_off(request, params, clinics, None)


@router.get(
    "/Group/{group_id}/$export",
    response={202: None, **ERROR_RESPONSES},
    summary="Bulk export: one clinic's patients",
)
def group_export(request: AuthedRequest, group_id: str, params: Query[ExportParams]) -> HttpResponse:
    clinic = Clinic.objects.filter(slug=group_id).first()
    role = role_in(request.user, clinic) if clinic is not None else None
    if clinic is None or role is None:
        record_event(
            actor=request.user,
            action=AuditAction.EXPORT,
            entity_type="accounts.clinic",
            entity_id=group_id[:64],
            outcome=AuditEvent.Outcome.NOT_FOUND,
        )
        raise Http404("No such group.")
    if clinic not in _allowed_clinics(request, params):
        record_event(
            actor=request.user,
            action=AuditAction.EXPORT,
            entity=clinic,
            clinic=clinic,
            outcome=AuditEvent.Outcome.DENIED,
        )
        raise PermissionDenied(f"Your role ({role.label}) may not run this export.")
    return _kick_off(request, params, [clinic], clinic)


def _job_for(request: AuthedRequest, export_id: str) -> BulkExport:
    job = (
        BulkExport.objects.filter(pk=export_id, requested_by=request.user).first()
        if _is_uuid(export_id)
        else None
    )
    if job is None:
        raise Http404("No such export.")
    return job


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@router.get(
    "/$export-status/{export_id}",
    response={200: None, 202: None, **ERROR_RESPONSES},
    summary="Bulk export status",
)
def export_status(request: AuthedRequest, export_id: str) -> HttpResponse:
    job = _job_for(request, export_id)
    if job.status in (BulkExport.Status.QUEUED, BulkExport.Status.RUNNING):
        response = HttpResponse(status=202)
        response["X-Progress"] = job.progress or job.status
        response["Retry-After"] = "5"
        return response
    if job.status == BulkExport.Status.CANCELLED:
        raise Http404("This export was cancelled.")
    if job.status == BulkExport.Status.FAILED:
        outcome = {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "processing", "diagnostics": job.error}],
        }
        return HttpResponse(json.dumps(outcome), status=500, content_type="application/fhir+json")
    base = request.build_absolute_uri(f"/api/v1/fhir/$export-file/{job.pk}/")
    manifest = {
        "transactionTime": (job.finished_at or timezone.now()).isoformat(),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": [
            {"type": o["type"], "url": f"{base}{o['type']}.ndjson", "count": o["count"]}
            for o in job.output
            if not o.get("error")
        ],
        "error": [
            {"type": o["type"], "url": f"{base}{o['type']}.ndjson"} for o in job.output if o.get("error")
        ],
    }
    return HttpResponse(json.dumps(manifest), content_type="application/json")


@router.delete(
    "/$export-status/{export_id}", response={202: None, **ERROR_RESPONSES}, summary="Cancel a bulk export"
)
def cancel_export(request: AuthedRequest, export_id: str) -> HttpResponse:
    job = _job_for(request, export_id)
    BulkExport.objects.filter(pk=job.pk).update(
        status=BulkExport.Status.CANCELLED, finished_at=timezone.now()
    )
    shutil.rmtree(bulk.directory(job), ignore_errors=True)
    record_event(actor=request.user, action=AuditAction.CANCEL, entity=job, detail={"stage": "cancel"})
    return HttpResponse(status=202)


@router.get(
    "/$export-file/{export_id}/{file_name}",
    response={200: None, **ERROR_RESPONSES},
    summary="One NDJSON file",
)
def export_file(request: AuthedRequest, export_id: str, file_name: str) -> FileResponse:
    job = _job_for(request, export_id)
    kinds = {o["type"] for o in job.output}
    kind = file_name.removesuffix(".ndjson")
    if job.status != BulkExport.Status.COMPLETE or kind not in kinds or not file_name.endswith(".ndjson"):
        raise Http404("No such file.")
    path = bulk.directory(job) / f"{kind}.ndjson"
    if not path.is_file():
        raise Http404("No such file.")
    record_event(
        actor=request.user, action=AuditAction.EXPORT, entity=job, detail={"stage": "download", "type": kind}
    )
    return FileResponse(path.open("rb"), content_type=NDJSON)
