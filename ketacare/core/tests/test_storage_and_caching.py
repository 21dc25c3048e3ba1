"""Nothing with patient data is cached, and the data folder is readable by its owner only."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from ketacare.accounts import services as accounts


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.django_db
def test_every_page_and_api_answer_with_patient_data_says_no_store(nurse, patient) -> None:
    client = Client()
    client.force_login(nurse)
    token = accounts.create_api_token(user=nurse, name="cache")[1]
    answers = [
        client.get(reverse("patients:list")),
        client.get(reverse("patients:detail", args=[patient.pk])),
        Client().get(f"/api/v1/patients/{patient.pk}", headers={"Authorization": f"Bearer {token}"}),
        Client().get("/api/v1/patients", headers={"Authorization": f"Bearer {token}"}),
        Client().get(f"/api/v1/patients/{patient.pk}"),  # refused answers too
        Client().get(reverse("patients:list")),  # the redirect to log in
    ]
    for answer in answers:
        assert "no-store" in answer.headers.get("Cache-Control", ""), answer


def test_a_new_installation_keeps_its_data_folder_and_database_file_to_its_owner(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "KETACARE_SECRET_KEY"}}
    env["KETACARE_DATA_DIR"] = str(data)
    old_umask = os.umask(0o022)
    try:
        result = subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        os.umask(old_umask)
    assert result.returncode == 0, result.stderr
    assert _mode(data) == 0o700
    assert _mode(data / "ketacare.sqlite3") == 0o600
    assert _mode(data / "secret_key") == 0o600
    for companion in data.glob("ketacare.sqlite3-*"):
        assert _mode(companion) == 0o600, companion
