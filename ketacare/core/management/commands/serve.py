from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from ketacare.accounts.models import User


class Command(BaseCommand):
    help = "Migrate, optionally load the demo clinic, and serve KetaCare with waitress."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--with-demo", action="store_true", help="Load the demo clinic into an empty database"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        import waitress  # type: ignore[import-untyped]

        from ketacare.wsgi import application

        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if options["with_demo"]:
            if not User.objects.exists():
                call_command("demo")
            else:
                from ketacare.demo import print_logins

                print_logins(self.stdout)
        database = settings.DATABASES["default"]
        self.stdout.write(f"Database: {database['ENGINE'].rsplit('.', 1)[-1]} {database['NAME']}")
        if not settings.REQUIRE_MFA:
            self.stdout.write("Two-factor login is not required (KETACARE_REQUIRE_MFA=0).")
        url = f"http://{options['host']}:{options['port']}"
        self.stdout.write(self.style.SUCCESS(f"KetaCare is running at {url}  (Ctrl+C stops it)"))
        waitress.serve(
            application, host=options["host"], port=options["port"], threads=options["threads"], _quiet=True
        )
