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
