"""Acting as a persona in tests: one implementation, used by the root conftest's `act_as` fixture.

A `Persona` is one user (or nobody): `.client` is a web client logged in as them (one factor; two-factor
login has its own tests), `.api` a client that sends their bearer token, `.headers` the token header.
The token is created on first use only, because creating one appends an audit event.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Literal, TypedDict

from django.test import Client

if TYPE_CHECKING:
    from ketacare.accounts.models import User

PersonaName = Literal["prescriber", "nurse", "therapist", "clinic_admin", "researcher", "patient", "outsider"]


class Personas(TypedDict):
    """The root conftest's `personas`: one user per role in one clinic, and an outsider in another."""

    prescriber: User
    nurse: User
    therapist: User
    clinic_admin: User
    researcher: User
    patient: User
    outsider: User


class Persona:
    """One user (None: anonymous) as a browser session and as an API caller."""

    def __init__(self, user: User | None) -> None:
        self.user = user

    @cached_property
    def client(self) -> Client:
        client = Client()
        if self.user is not None:
            client.force_login(self.user)
        return client

    @cached_property
    def headers(self) -> dict[str, str]:
        if self.user is None:
            return {}
        from ketacare.accounts.services import create_api_token

        _, token = create_api_token(user=self.user, name="test")
        return {"Authorization": f"Bearer {token}"}

    @cached_property
    def api(self) -> Client:
        return Client(headers=self.headers)


def act_as(user: User | None) -> Persona:
    return Persona(user)


def client_for(user: User | None) -> Client:
    """A web client logged in as `user` (anonymous for None)."""
    return act_as(user).client


def api_client(user: User | None) -> Client:
    """An API client sending `user`'s bearer token (anonymous for None)."""
    return act_as(user).api
