from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ketacare.demo import build_demo_clinic, print_logins


class Command(BaseCommand):
    help = "Build the synthetic demo clinic (seeded: the same every time). Never on a real database."

    def handle(self, *args: Any, **options: Any) -> None:
        if not build_demo_clinic(self.stdout):
            self.stdout.write("The demo clinic is already there; nothing changed.")
            print_logins(self.stdout)
