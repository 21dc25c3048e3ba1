"""FHIR Bulk Data export (hl7.org/fhir/uv/bulkdata): one NDJSON file per resource type, written by
the database task worker (`manage.py db_worker`), never in the request.

Two modes:
- identified, to a named outside recipient for a purpose (clinic administrators): only the patients
  with a consent in force naming that recipient for that purpose are exported; each is logged as a
  Disclosure carrying the clinic's notice, and every resource carries the notice and the Part 2
  labels. Patients without such a consent are left out and counted in an OperationOutcome.
- de-identified (researchers and clinic administrators): no name, identifier, contact, birth date,
  calendar date or free text leaves; patients are the research pseudonyms of interop/research.py.

Every resource is validated with fhir.resources R4B (as the single-patient export is) before it
is written.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_tasks import task
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.resource import Resource

from ketacare.audit.actions import AuditAction
from ketacare.audit.services import record_event
from ketacare.interop import fhir, labels, privacy
from ketacare.interop.models import BulkExport, Disclosure
from ketacare.interop.research import pseudonym
from ketacare.patients.models import Patient

BULK_ROOT = settings.DATA_DIR / "private" / "bulk"
# Resource types a de-identified export may carry, and the elements removed from every resource.
DEIDENTIFIED_TYPES = frozenset(
    {"Patient", "Condition", "Observation", "MedicationStatement", "QuestionnaireResponse"}
)
IDENTIFYING_KEYS = frozenset(
    {
        "name",
        "identifier",
        "telecom",
        "address",
        "birthDate",
        "managingOrganization",
        "recordedDate",
        "effectiveDateTime",
        "effectivePeriod",
        "dateAsserted",
        "authored",
        "period",
        "date",
        "dosage",
        "note",
        "interpretation",
        "encounter",
        "derivedFrom",
    }
)


def directory(job: BulkExport) -> Path:
    return BULK_ROOT / str(job.id)


def _patient_resources(patient: Patient) -> list[Resource]:
    bundle = fhir.everything(patient, "urn:ketacare:bulk/")
    resources = [e.resource for e in bundle.entry or [] if e.resource is not None]
    return [r for r in resources if r.get_resource_type() != "Organization"]


def _deidentify(data: dict[str, Any], patient_id: int) -> dict[str, Any]:
    code = pseudonym(patient_id)

    def scrub(value: Any) -> Any:
        if isinstance(value, dict):
            out = {k: scrub(v) for k, v in value.items() if k not in IDENTIFYING_KEYS}
            if out.get("reference") == f"Patient/{patient_id}":
                out["reference"] = f"Patient/{code}"
            return out
        if isinstance(value, list):
            return [scrub(v) for v in value]
        return value

    out = scrub(data)
    if out["resourceType"] == "Patient":
        out["id"] = code
    else:
        out["id"] = f"{code}-{out['id']}"
    if out["resourceType"] == "QuestionnaireResponse":
        for item in out.get("item") or []:
            item.pop("text", None)
    return out


def _validated(data: dict[str, Any]) -> dict[str, Any]:
    model = get_fhir_model_class(data["resourceType"])
    return model.model_validate(data).model_dump(mode="json", exclude_none=True)


def _patients(job: BulkExport) -> Iterator[Patient]:
    yield from Patient.objects.filter(clinic_id__in=job.clinic_ids).select_related("clinic").order_by("pk")


def _write(job: BulkExport) -> None:
    out_dir = directory(job)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = defaultdict(int)
    files: dict[str, Any] = {}
    excluded = 0
    user = job.requested_by
    try:
        for patient in _patients(job):
            BulkExport.objects.filter(pk=job.pk).update(progress=f"patient {patient.pk}")
            if BulkExport.objects.filter(pk=job.pk, status=BulkExport.Status.CANCELLED).exists():
                return
            notice, disclosure_id = "", None
            if not job.deidentified:
                request = privacy.DisclosureRequest(recipient=job.recipient, purpose=job.purpose)
                if privacy.covering_consent(patient, request) is None:
                    excluded += 1
                    continue
                disclosure = privacy.disclose(
                    by=user,
                    patient=patient,
                    request=request,
                    channel=Disclosure.Channel.BULK_EXPORT,
                    information=f"FHIR Bulk Data export {job.pk}",
                )
                notice, disclosure_id = disclosure.notice, disclosure.pk
            for resource in _patient_resources(patient):
                data = resource.model_dump(mode="json", exclude_none=True)
                kind = data["resourceType"]
                if job.deidentified:
                    if kind not in DEIDENTIFIED_TYPES:
                        continue
                    data = _deidentify(data, patient.pk)
                data = _validated(labels.labelled_dict(data, notice=notice, disclosure_id=disclosure_id))
                if kind not in files:
                    files[kind] = (out_dir / f"{kind}.ndjson").open("w", encoding="utf-8")
                files[kind].write(json.dumps(data, separators=(",", ":")) + "\n")
                counts[kind] += 1
        if excluded:
            outcome = {
                "resourceType": "OperationOutcome",
                "issue": [
                    {
                        "severity": "information",
                        "code": "suppressed",
                        "diagnostics": f"{excluded} patients left out: no consent in force names this "
                        "recipient for this purpose (42 CFR Part 2).",
                    }
                ],
            }
            with (out_dir / "OperationOutcome.ndjson").open("w", encoding="utf-8") as fh:
                fh.write(json.dumps(_validated(outcome)) + "\n")
    finally:
        for fh in files.values():
            fh.close()
    BulkExport.objects.filter(pk=job.pk, status=BulkExport.Status.RUNNING).update(
        status=BulkExport.Status.COMPLETE,
        progress="complete",
        output=[{"type": k, "count": counts[k]} for k in sorted(counts)]
        + ([{"type": "OperationOutcome", "count": 1, "error": True}] if excluded else []),
        finished_at=timezone.now(),
    )


@task()
def run_bulk_export(export_id: str) -> str:
    """Write the NDJSON files of one export. Returns its final status."""
    with transaction.atomic():
        job = BulkExport.objects.select_for_update().select_related("requested_by").get(pk=export_id)
        if job.status != BulkExport.Status.QUEUED:
            return job.status
        job.status = BulkExport.Status.RUNNING
        job.save(update_fields=["status"])
    try:
        _write(job)
    except (ValidationError, PermissionDenied, ValueError) as exc:
        BulkExport.objects.filter(pk=job.pk).update(
            status=BulkExport.Status.FAILED, error=str(exc)[:300], finished_at=timezone.now()
        )
    job.refresh_from_db()
    record_event(
        actor=job.requested_by,
        action=AuditAction.EXPORT,
        entity_type="interop.bulkexport",
        entity_id=str(job.pk),
        detail={"format": "FHIR Bulk NDJSON", "deidentified": job.deidentified, "status": job.status},
    )
    if job.status == BulkExport.Status.CANCELLED:
        shutil.rmtree(directory(job), ignore_errors=True)
    return job.status
