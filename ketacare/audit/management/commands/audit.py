from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketacare.audit import checkpoints
from ketacare.audit.selectors import verify_chain


class Command(BaseCommand):
    help = (
        "Audit trail tools. `audit verify` checks the keyed hash chain and every signed checkpoint, and "
        "fails on a break; `audit checkpoint` appends a signed checkpoint to the checkpoint file and "
        "prints it (send it to another system to keep it out of reach)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subcommand", choices=["verify", "checkpoint"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "checkpoint":
            content = checkpoints.write()
            if content is None:
                raise CommandError("The audit trail is empty: nothing to checkpoint yet.")
            self.stdout.write(json.dumps(content, sort_keys=True))
            return
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"Audit chain BROKEN at event {report.first_broken_id}: {report.problem} "
                f"({report.events_checked} events before it are intact)."
            )
        self.stdout.write(f"Audit chain intact: {report.events_checked} events verified.")
