"""Where the current action comes from (web request, API, command line), for the audit trail."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class Origin:
    source: str = "system"
    ip_address: str | None = None
    user_agent: str = ""


# Origin is a frozen dataclass, so sharing the default instance is safe.
_current: ContextVar[Origin] = ContextVar("audit_origin", default=Origin())  # noqa: B039


def current_origin() -> Origin:
    return _current.get()


@contextmanager
def origin(value: Origin) -> Iterator[None]:
    token = _current.set(value)
    try:
        yield
    finally:
        _current.reset(token)


class AuditOriginMiddleware:
    """Remembers the client address and user agent of each request for the events it causes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        source = "api" if request.path.startswith("/api/") else "web"
        value = Origin(
            source=source,
            ip_address=request.META.get("REMOTE_ADDR") or None,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        )
        with origin(value):
            return self.get_response(request)
