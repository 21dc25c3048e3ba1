from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketacare.accounts.models import User
from ketacare.accounts.services import create_api_token
from ketacare.audit.context import Origin, origin


class Command(BaseCommand):
    help = "API tokens. `token create USERNAME` prints a new token once; only its hash is stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subcommand", choices=["create"])
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help="What the token is for")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {options['username']!r}.")
        with origin(Origin(source="cli")):
            _, plain = create_api_token(user=user, name=options["name"])
        self.stdout.write(plain)
        self.stderr.write("Keep this token secret; it is shown once and cannot be shown again.")
