from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketacare.accounts import tokens
from ketacare.accounts.models import ApiToken, User
from ketacare.accounts.services import create_api_token
from ketacare.audit.context import Origin, origin


class Command(BaseCommand):
    help = (
        "API tokens. `token create USERNAME [--name N] [--days D]` prints a new token once (only its hash "
        "is stored); `token list [USERNAME]` lists tokens; `token revoke ID` revokes one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subcommand", choices=["create", "list", "revoke"])
        parser.add_argument("target", nargs="?", default="", help="USERNAME (create, list) or token ID")
        parser.add_argument("--name", default="command line", help="What the token is for")
        parser.add_argument("--days", type=int, default=None, help="Lifetime in days (at most the policy)")

    def handle(self, *args: Any, **options: Any) -> None:
        with origin(Origin(source="cli")):
            getattr(self, f"_{options['subcommand']}")(options)

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        return user

    def _create(self, options: dict[str, Any]) -> None:
        user = self._user(options["target"])
        try:
            _, plain = create_api_token(user=user, name=options["name"], days=options["days"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(plain)
        self.stderr.write("Keep this token secret; it is shown once and cannot be shown again.")

    def _list(self, options: dict[str, Any]) -> None:
        listed = ApiToken.objects.select_related("user").order_by("user__username", "-created_at")
        if options["target"]:
            listed = listed.filter(user=self._user(options["target"]))
        for token in listed:
            state = (
                "revoked"
                if token.revoked_at
                else "expired"
                if tokens.is_expired(token)
                else f"expires {tokens.expires_at(token):%Y-%m-%d}"
            )
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            who = token.user.get_username()
            self.stdout.write(f"{token.pk}\t{who}\t{token.prefix}…\t{token.name}\t{state}\tused {used}")

    def _revoke(self, options: dict[str, Any]) -> None:
        token = ApiToken.objects.select_related("user").filter(pk=int(options["target"] or 0)).first()
        if token is None:
            raise CommandError(f"No token with id {options['target']!r}.")
        tokens.revoke(by=token.user, token=token)
        self.stdout.write(f"Token {token.pk} ({token.prefix}…, {token.name}) of {token.user} revoked.")
