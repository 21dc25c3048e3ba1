"""/api/v1/audit-events: the audit trail of the clinics where the caller is an auditor."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.roles import Action
from ketacare.accounts.selectors import clinics_where
from ketacare.api_errors import ERROR_RESPONSES
from ketacare.api_paging import Pagination
from ketacare.audit.selectors import events_visible_to

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
def list_events(request: AuthedRequest, patient_id: int | None = None):  # type: ignore[no-untyped-def]
    if not clinics_where(request.user, Action.VIEW_AUDIT).exists():
        raise PermissionDenied("Only a clinic administrator may read the audit trail.")
    events = events_visible_to(request.user)
    if patient_id is not None:
        events = events.filter(patient_id=patient_id)
    return events.order_by("-id")
