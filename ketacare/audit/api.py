"""/api/v1/audit-events: the audit trail of the clinics where the caller is an auditor."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.roles import Action
from ketacare.accounts.selectors import clinics_where
from ketacare.api_errors import ERROR_RESPONSES
from ketacare.api_paging import Pagination
from ketacare.audit.actions import AuditAction
from ketacare.audit.selectors import events_visible_to
from ketacare.audit.services import record_event

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    id: int
    occurred_at: dt.datetime
    actor: str = Field(..., alias="actor_username")
    action: str
    entity_type: str
    entity_id: str
    patient_id: int | None
    outcome: str
    source: str
    ip_address: str | None
    detail: dict[str, Any]
    hash: str


@router.get("", response={200: list[AuditEventOut], **ERROR_RESPONSES}, summary="Audit events, newest first")
@paginate(Pagination)
def list_events(request: AuthedRequest, patient_id: int | None = Query(None, ge=1, le=2**63 - 1)):  # type: ignore[no-untyped-def]
    if not clinics_where(request.user, Action.VIEW_AUDIT).exists():
        raise PermissionDenied("Only a clinic administrator may read the audit trail.")
    events = events_visible_to(request.user)
    # Reading the trail is itself audited: it names patients and what was done to their records.
    record_event(
        actor=request.user,
        action=AuditAction.READ,
        entity_type="audit.auditevent",
        patient_id=patient_id,
        detail={"filter": "patient"} if patient_id is not None else {},
    )
    if patient_id is not None:
        events = events.filter(patient_id=patient_id)
    return events.order_by("-id")
