"""Queue the appointment reminder sweep; the db_worker sends them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ketacare.plans.tasks import send_appointment_reminders


class Command(BaseCommand):
    help = "Queue the sweep that reminds patients of their appointments (run daily or hourly)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = send_appointment_reminders.enqueue()
        self.stdout.write(f"Queued appointment reminder sweep {result.id}.\n")
