from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def private_files_in_tmp(tmp_path: Path, monkeypatch: Any) -> None:
    """Scanned consents and bulk files go to the test's own folder, not the installation's data."""
    from ketacare.interop import bulk, models

    monkeypatch.setitem(models.PRIVATE_FILES.__dict__, "base_location", str(tmp_path / "private"))
    monkeypatch.setitem(models.PRIVATE_FILES.__dict__, "location", str(tmp_path / "private"))
    monkeypatch.setattr(bulk, "BULK_ROOT", tmp_path / "private" / "bulk")
