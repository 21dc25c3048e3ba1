"""Who may read a clinic's de-identified programme data: the one place the research pages and API ask."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Action
from ketacare.accounts.selectors import clinics_where


def research_clinic_for(user: User, slug: str | None) -> tuple[Clinic, list[Clinic]]:
    """The chosen clinic (the first by name when none is named) and every clinic whose de-identified
    data this user may read; 403 with none, 404 for a clinic that is not among them."""
    clinics = list(clinics_where(user, Action.VIEW_DEIDENTIFIED).order_by("name"))
    if not clinics:
        raise PermissionDenied("Only researchers and clinic administrators see de-identified programme data.")
    if not slug:
        return clinics[0], clinics
    chosen = next((c for c in clinics if c.slug == slug), None)
    if chosen is None:
        raise Http404("No such clinic among yours.")
    return chosen, clinics
