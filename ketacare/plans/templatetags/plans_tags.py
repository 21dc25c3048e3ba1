"""The screening banner on a patient's page: the stored result, and whether the record changed it."""

from __future__ import annotations

from typing import Any

from django import template

from ketacare.patients.models import Patient

register = template.Library()


@register.inclusion_tag("plans/_banner.html")
def screening_banner(patient: Patient, link: bool = True) -> dict[str, Any]:
    from ketacare.plans.selectors import latest_screening
    from ketacare.plans.views import screening_context

    return {"patient": patient, "link": link, **screening_context(patient, latest_screening(patient))}


@register.inclusion_tag("plans/_session_safety.html")
def session_safety(session: Any) -> dict[str, Any]:
    """On a session's page: the order it gives, the screening overrides in force (issue 10) and the
    patient's MAT as a concomitant medication (issue 12)."""
    from ketacare.plans.selectors import active_mat_orders
    from ketacare.plans.services import active_overrides

    return {
        "order": session.order,
        "overrides": list(active_overrides(session.patient).values()),
        "mat_orders": list(active_mat_orders(session.patient_id)),
    }
