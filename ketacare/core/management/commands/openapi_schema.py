from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from ketacare.api import api


class Command(BaseCommand):
    help = "Print the OpenAPI schema (the committed snapshot is docs/openapi.json)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(json.dumps(api.get_openapi_schema(), indent=2, sort_keys=True))
