"""Panels other apps add to the session page, without dosing importing them.

An app above dosing (the controlled-substance ledger: what was drawn, administered and wasted for the
session) registers a panel in its AppConfig.ready(); the session page asks `render` once and shows
each non-empty piece of HTML after the dose card. Like sign_checks, dosing depends on no app here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from django.http import HttpRequest

    from ketacare.dosing.models import DosingSession

Panel = Callable[["HttpRequest", "DosingSession"], SafeString | None]

_panels: list[Panel] = []


def register(panel: Panel) -> Panel:
    """Add a panel (idempotent: registering the same function twice keeps one)."""
    if panel not in _panels:
        _panels.append(panel)
    return panel


def render(request: HttpRequest, session: DosingSession) -> list[SafeString]:
    """Every registered panel's HTML for this session and viewer, leaving out the empty ones."""
    return [html for panel in _panels if (html := panel(request, session))]
