from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketacare.audit.selectors import verify_chain


class Command(BaseCommand):
    help = "Audit trail tools. `audit verify` checks the hash chain and fails on a break."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subcommand", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"Audit chain BROKEN at event {report.first_broken_id}: {report.problem} "
                f"({report.events_checked} events before it are intact)."
            )
        self.stdout.write(f"Audit chain intact: {report.events_checked} events verified.")
