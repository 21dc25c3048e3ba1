"""Request types for views that only run for a logged-in user (after login_required or API auth)."""

from __future__ import annotations

from django.http import HttpRequest

from ketacare.accounts.models import User


class AuthedRequest(HttpRequest):
    user: User  # type: ignore[assignment]
