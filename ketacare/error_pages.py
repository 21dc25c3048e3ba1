"""KetaCare's own pages where Django would show a raw one: a failed CSRF check and a wrong method (405).

404 and 500 use templates/404.html and 500.html (Django's default handlers, DEBUG off). A CSRF failure
most often follows an idle-timeout log-out: the page says so and that typed values on a session page
are kept on the device (dosing/static/dosing/session.js).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "csrf_failure.html", status=403)


class MethodNotAllowedPage:
    """Give a bare 405 (e.g. require_POST opened by a link or a reload) a page with a way back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and not response.content and not request.path.startswith("/api/"):
            page = render(request, "405.html", status=405)
            if response.has_header("Allow"):
                page["Allow"] = response["Allow"]
            return page
        return response
