"""Browser-session authentication for the API (the bearer token's is in ketacare/api.py)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import SessionAuth

from ketacare.accounts.selectors import second_factor_missing


class VerifiedSession(SessionAuth):
    """A browser session, counted only once its second factor (when it needs one) is done."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None and second_factor_missing(user):
            return None
        return user
