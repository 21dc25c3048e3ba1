"""The audit key: the secret that keys the audit chain's hashes and signs its checkpoints.

It is kept OUTSIDE the database: `KETACARE_AUDIT_KEY` (hex or any text) or, by default, the file
`audit_key` in the data folder (created once, owner-only, beside `secret_key`). Back it up with the
database (`ketacare backup` does): without it the chain cannot be verified. Whoever holds it can forge
the chain, so a database administrator should not.
"""

from __future__ import annotations

import functools
import secrets
from pathlib import Path

from django.conf import settings

from ketacare.data_dir import secure_file, write_secret

KEY_FILE_NAME = "audit_key"


def key_file() -> Path:
    return Path(settings.DATA_DIR) / KEY_FILE_NAME


@functools.cache
def _key(configured: str, path: str) -> bytes:
    if configured:
        return configured.encode()
    file = Path(path)
    if not file.exists():
        write_secret(file, secrets.token_hex(32))
    secure_file(file)
    return file.read_text().strip().encode()


def audit_key() -> bytes:
    return _key(getattr(settings, "AUDIT_KEY", "") or "", str(key_file()))
