"""A throw-away Django for benchmarks: a fresh SQLite database in a temporary folder, never a clinic's."""

from __future__ import annotations

import os
import tempfile


def setup_throwaway_django() -> None:
    """Configure and migrate a temporary SQLite database (call before importing any model)."""
    os.environ.pop("DATABASE_URL", None)
    os.environ["KETACARE_DATA_DIR"] = tempfile.mkdtemp(prefix="ketacare-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketacare.settings")
    os.environ["KETACARE_REQUIRE_MFA"] = "0"
    os.environ["KETACARE_ALLOWED_HOSTS"] = "testserver"

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
