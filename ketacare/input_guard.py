"""A middleware that refuses malformed input before any view sees it, for pages and the API alike.

- Text with NUL or another control character, in the query string or a submitted form, is a 400 with
  a message saying so (PostgreSQL cannot store NUL at all; it used to surface as a server error).
  The rule is ketacare.text_input's, which the API's StrictSchema applies to JSON bodies.
- The API parses JSON only: a body sent to /api/ as anything but `application/json` is a 415, so a
  form or text/plain post (which a browser can send cross-site without a preflight) is never read.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError

from ketacare.text_input import CONTROL_MESSAGE, has_control_characters

API_PREFIX = "/api/"
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _refusal(request: HttpRequest, status: int, detail: str, field: str | None = None) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            {"detail": detail, "errors": [{"field": field, "message": detail}]}, status=status
        )
    return HttpResponse(
        f"<!doctype html><title>Not accepted</title><main><h1>Not accepted</h1><p>{detail}</p></main>",
        status=status,
        content_type="text/html; charset=utf-8",
    )


def _bad_field(values: dict[str, list[str]]) -> str | None:
    for name, items in values.items():
        if has_control_characters(name) or any(has_control_characters(item) for item in items):
            return name
    return None


class StrictInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = _bad_field(dict(request.GET.lists()))
        if field is not None:
            return _refusal(request, 400, CONTROL_MESSAGE, field)
        if request.method in BODY_METHODS:
            if request.path.startswith(API_PREFIX):
                has_body = int(request.META.get("CONTENT_LENGTH") or 0) > 0
                if has_body and request.content_type != "application/json":
                    return _refusal(
                        request, 415, "Send the request body as JSON, with Content-Type: application/json."
                    )
            else:
                try:
                    field = _bad_field(dict(request.POST.lists()))
                except MultiPartParserError:
                    return _refusal(request, 400, "The form could not be read.")
                if field is not None:
                    return _refusal(request, 400, CONTROL_MESSAGE, field)
        return self.get_response(request)
