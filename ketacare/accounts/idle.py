"""The idle timeout: only what the user does renews the login, not what a page does by itself.

Django renews the login on every request (SESSION_SAVE_EVERY_REQUEST, SESSION_COOKIE_AGE minutes of
idleness). A page's background requests (the day board's polling, the live region of a finished
session, an automatic heartbeat) are marked with `mark_background(request)` by their view: the session
is then not saved, so its expiry stays where the user's last action put it, and the answer says so
(`X-KetaCare-Idle: unchanged`) so the page's idle warning keeps counting (dosing/static/dosing/session.js).
A monitored session's own polling and heartbeat are not marked: they keep the login alive.
"""

from __future__ import annotations

from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

IDLE_HEADER = "X-KetaCare-Idle"


def mark_background(request: HttpRequest) -> None:
    """This request is the page's, not the user's: it does not renew the login."""
    request.background_request = True  # type: ignore[attr-defined]


class IdleSessionMiddleware(SessionMiddleware):
    """SessionMiddleware that does not renew the login for a background request (unless the request
    itself changed the session, e.g. logged in or out)."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if getattr(request, "background_request", False) and not request.session.modified:
            if request.session.accessed:
                patch_vary_headers(response, ("Cookie",))
            response[IDLE_HEADER] = "unchanged"
            return response
        return super().process_response(request, response)
