from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.roles import Action
from ketacare.accounts.selectors import clinics_where
from ketacare.audit.actions import AuditAction
from ketacare.audit.selectors import events_visible_to
from ketacare.audit.services import record_event

PAGE_SIZE = 50


@login_required
def event_list(request: AuthedRequest) -> HttpResponse:
    """The auditor's view of their clinics' events, newest first, filterable."""
    if not clinics_where(request.user, Action.VIEW_AUDIT).exists():
        raise PermissionDenied("Only a clinic administrator may browse the audit trail.")
    events = events_visible_to(request.user)
    record_event(actor=request.user, action=AuditAction.READ, entity_type="audit.auditevent")
    filters = {
        "actor": request.GET.get("actor", "").strip(),
        "action": request.GET.get("action", "").strip(),
        "patient": request.GET.get("patient", "").strip(),
        "outcome": request.GET.get("outcome", "").strip(),
    }
    if filters["actor"]:
        events = events.filter(actor_username__icontains=filters["actor"])
    if filters["action"]:
        events = events.filter(action=filters["action"])
    if filters["patient"].isdigit():
        events = events.filter(patient_id=int(filters["patient"]))
    if filters["outcome"]:
        events = events.filter(outcome=filters["outcome"])
    page = Paginator(events.order_by("-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/list.html", {"page": page, "filters": filters})
