"""`{% session_alerts_panel %}`: the open in-session alerts of the user's clinics, for other pages
(the prescriber's worklist). One line in their template; the read is audited here."""

from __future__ import annotations

from typing import Any

from django import template

from ketacare.audit.actions import AuditAction
from ketacare.audit.services import record_event
from ketacare.dosing import selectors

register = template.Library()


@register.inclusion_tag("dosing/_alerts_panel.html", takes_context=True)
def session_alerts_panel(context: dict[str, Any]) -> dict[str, Any]:
    user = context["request"].user
    alerts = list(selectors.open_alerts_for(user))
    if alerts:
        record_event(
            actor=user,
            action=AuditAction.SEARCH,
            entity_type="dosing.sessionalert",
            detail={"open": len(alerts), "sessions": sorted({a.session_id for a in alerts})},
        )
    return {"session_alerts": alerts}
