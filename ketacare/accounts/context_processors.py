from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ketacare.accounts.roles import Action, role_may
from ketacare.accounts.selectors import active_memberships


def current_membership(request: HttpRequest) -> dict[str, Any]:
    """What the navigation needs: the user's clinics and roles, and what those roles may open.

    Derived from the memberships already loaded, so the menu costs one query on every page."""
    user = request.user
    if not user.is_authenticated:
        return {}
    memberships = list(active_memberships(user))  # type: ignore[arg-type]
    roles = {m.role for m in memberships}

    def may(action: Action) -> bool:
        return any(role_may(role, action) for role in roles)

    return {
        "memberships": memberships,
        "is_staff_member": any(m.role != "patient" for m in memberships),
        "may_view_patients": may(Action.VIEW_PATIENT),
        "may_audit": may(Action.VIEW_AUDIT),
        "may_research": may(Action.VIEW_DEIDENTIFIED),
        "may_manage_staff": may(Action.MANAGE_STAFF),
        "may_ledger": may(Action.LEDGER_VIEW),
        "may_administer": may(Action.ADMINISTER_KETAMINE),
    }
