"""Queue today's questionnaire reminders; the db_worker sends them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ketacare.outcomes.tasks import send_due_reminders


class Command(BaseCommand):
    help = "Queue the sweep that reminds patients of due questionnaires (run daily; `db_worker` runs it)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = send_due_reminders.enqueue()
        self.stdout.write(f"Queued reminder sweep {result.id}.\n")
