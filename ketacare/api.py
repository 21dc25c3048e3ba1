"""The REST API at /api/v1: django-ninja, OpenAPI 3.1 at /api/v1/docs, one error shape for all.

Clients authenticate with `Authorization: Bearer <token>` (`ketacare token create USERNAME`);
a logged-in browser session works too, with CSRF protection on writes.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer

from ketacare.accounts.models import User
from ketacare.accounts.selectors import user_for_api_token
from ketacare.accounts.tokens import is_locked_out
from ketacare.accounts.tokens_api import router as tokens_router
from ketacare.api_auth import VerifiedSession
from ketacare.audit.api import router as audit_router
from ketacare.dosing.api import day_board_router, rems_router
from ketacare.dosing.api import router as sessions_router
from ketacare.interop.api import router as fhir_router
from ketacare.interop.bulk_api import router as bulk_router
from ketacare.interop.privacy_api import consents_router, disclosures_router
from ketacare.interop.research_api import router as research_router
from ketacare.ledger.api import router as ledger_router
from ketacare.outcomes.api import instruments_router
from ketacare.outcomes.api import router as outcomes_router
from ketacare.patients.api import router as patients_router
from ketacare.plans.api import orders_router, protocols_router
from ketacare.plans.api import patients_router as screening_router
from ketacare.plans.calendar_api import router as appointments_router
from ketacare.plans.plan_api import mat_router, plans_router, therapy_router


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_api_token(token)
        if user is not None and is_locked_out(request, user):
            return None  # locked out after failed log-ins: the token waits too
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="KetaCare API",
    version="1",
    description=(
        "Clinical record of a ketamine-assisted addiction-treatment programme. Errors share one shape "
        "(`Error`): 400 a clinical or business rule refused the data, 401 no valid credentials, 403 your "
        "role may not do this, 404 no such record (or not one of your clinics'), "
        "422 the request is malformed."
    ),
    auth=[BearerToken(), VerifiedSession()],
    urls_namespace="api",
)


def _error(
    request: HttpRequest, status: int, detail: str, errors: list[dict[str, Any]] | None = None
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


@api.exception_handler(ValidationError)
def _malformed(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())[1:]) or None,
            "message": error.get("msg", ""),
        }
        for error in exc.errors
    ]
    return _error(request, 422, "The request has missing or malformed fields.", errors)


@api.exception_handler(DjangoValidationError)
def _refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": None if field == "__all__" else field, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"field": None, "message": message} for message in exc.messages]
    return _error(request, 400, "The data was refused; nothing was saved.", errors)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "Authentication required: send Authorization: Bearer <token>.")


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or "Your role may not do this.")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "Not found.")


api.add_router("/patients", patients_router)
api.add_router("/audit-events", audit_router)
api.add_router("/instruments", instruments_router)
api.add_router("/patients", outcomes_router)
api.add_router("/fhir", fhir_router)
api.add_router("/research", research_router)
api.add_router("/sessions", sessions_router)
api.add_router("/consents", consents_router)
api.add_router("/disclosures", disclosures_router)
api.add_router("/fhir", bulk_router)
api.add_router("/patients", screening_router)
api.add_router("/protocols", protocols_router)
api.add_router("/orders", orders_router)
api.add_router("/plans", plans_router)
api.add_router("/mat-orders", mat_router)
api.add_router("/therapy-sessions", therapy_router)
api.add_router("/ledger", ledger_router)
api.add_router("/day-board", day_board_router)
api.add_router("/rems-forms", rems_router)
api.add_router("/tokens", tokens_router)
api.add_router("/appointments", appointments_router)
