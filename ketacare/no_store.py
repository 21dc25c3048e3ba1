"""`Cache-Control: no-store` on every page and API answer KetaCare itself produces.

Almost every answer carries patient data or depends on who asks, so nothing is cached, not by the
browser (a shared ward computer's back button, its disk cache) nor by a proxy. Static files
(stylesheets, scripts) are served before this middleware by whitenoise, with their own long caching.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private, max-age=0
        return response
