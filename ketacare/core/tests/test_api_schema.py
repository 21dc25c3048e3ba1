"""The whole API: its committed OpenAPI snapshot and its documentation page."""

from __future__ import annotations

import json
from pathlib import Path

from ketacare.api import api

SNAPSHOT = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"


def test_the_committed_openapi_snapshot_matches_the_api() -> None:
    """Regenerate with `ketacare manage openapi_schema > docs/openapi.json` after an intended change."""
    assert json.loads(SNAPSHOT.read_text()) == json.loads(json.dumps(api.get_openapi_schema()))


def test_the_api_documentation_page_loads_its_assets_from_this_server(client, nurse) -> None:
    client.force_login(nurse)
    page = client.get("/api/v1/docs").content.decode()
    assert "cdn." not in page and "https://" not in page.split("<body", 1)[0]
