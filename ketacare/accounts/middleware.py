"""Two-factor login: staff with a device must pass it; when MFA is required, staff must enrol one."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from ketacare.accounts.selectors import second_factor_missing

# Pages a half-logged-in user may still reach; /api/ has its own token authentication.
_OPEN_PREFIXES = (
    "/static/",
    "/api/",
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/two-factor/",
    "/accounts/reset/",  # a password-reset link works without logging in
)


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not request.path.startswith(_OPEN_PREFIXES):
            missing = second_factor_missing(user)  # type: ignore[arg-type]
            if missing:
                target = "accounts:two_factor_verify" if missing == "verify" else "accounts:two_factor_setup"
                return HttpResponseRedirect(
                    f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}"
                )
        return self.get_response(request)
