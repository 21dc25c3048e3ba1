from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ketacare.accounts.roles import Action
from ketacare.accounts.selectors import active_memberships, clinics_where


def current_membership(request: HttpRequest) -> dict[str, Any]:
    """What the navigation needs: the user's clinics and roles, and whether they audit."""
    user = request.user
    if not user.is_authenticated:
        return {}
    memberships = list(active_memberships(user))  # type: ignore[arg-type]
    return {
        "memberships": memberships,
        "is_staff_member": any(m.role != "patient" for m in memberships),
        "may_audit": clinics_where(user, Action.VIEW_AUDIT).exists(),
        "may_research": clinics_where(user, Action.VIEW_DEIDENTIFIED).exists(),
        "may_manage_staff": clinics_where(user, Action.MANAGE_STAFF).exists(),
        # type: ignore[arg-type]
    }
