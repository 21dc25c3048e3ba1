"""/api/v1/tokens: list, create (from a verified browser session only) and revoke API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from ketacare.accounts import tokens
from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.models import ApiToken
from ketacare.accounts.services import create_own_api_token
from ketacare.api_auth import VerifiedSession
from ketacare.api_errors import ERROR_RESPONSES
from ketacare.api_input import StrictSchema
from ketacare.api_paging import Pagination

router = Router(tags=["tokens"])


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    user: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(..., description="The token itself: shown this once, never stored.")


class TokenIn(StrictSchema):
    name: str = Field(..., min_length=1, max_length=100)
    days: int | None = Field(None, ge=1, le=3650, description="Lifetime; at most the clinic's policy.")
    otp_token: str = Field(
        "", max_length=10, description="The current authenticator code, required when you have one."
    )


def _out(entry: ApiToken, **extra: Any) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "name": entry.name,
        "prefix": entry.prefix,
        "user": entry.user.get_username(),
        "created_at": entry.created_at,
        "expires_at": tokens.expires_at(entry),
        "last_used_at": entry.last_used_at,
        "revoked_at": entry.revoked_at,
        **extra,
    }


@router.get("", response={200: list[TokenOut], **ERROR_RESPONSES}, summary="Your tokens and your staff's")
@paginate(Pagination)
def list_tokens(request: AuthedRequest) -> Any:
    return [_out(t) for t in tokens.tokens_visible_to(request.user)]


@router.post(
    "",
    response={201: NewTokenOut, **ERROR_RESPONSES},
    summary="Create a token for yourself (from a logged-in browser session that passed the second factor; "
    "send the current authenticator code as otp_token when you have an authenticator)",
    auth=[VerifiedSession()],  # a bearer token (one factor) may not mint another
)
def create_token(request: AuthedRequest, payload: TokenIn) -> Status:
    token, plain = create_own_api_token(
        user=request.user, name=payload.name, days=payload.days, otp_token=payload.otp_token
    )
    return Status(201, _out(token, token=plain))


@router.post("/{token_id}/revoke", response={200: TokenOut, **ERROR_RESPONSES}, summary="Revoke a token")
def revoke_token(request: AuthedRequest, token_id: int) -> dict[str, Any]:
    return _out(tokens.revoke(by=request.user, token=tokens.token_for(request.user, token_id)))
