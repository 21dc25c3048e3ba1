"""The one error shape of the REST API, shared by every router."""

from __future__ import annotations

from ninja import Schema


class ErrorItem(Schema):
    field: str | None = None
    message: str


class Error(Schema):
    """Every error answer: a sentence for people, and per-field messages where there are any."""

    detail: str
    errors: list[ErrorItem] = []


ERROR_RESPONSES: dict[int, type[Schema]] = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}
