"""The data folder (the SQLite database, the secret key, the audit key) readable by its owner only.

The folder is 0700 and every file KetaCare keeps there is 0600, whatever the umask. The SQLite file is
created empty with 0600 before SQLite opens it, because SQLite gives its write-ahead log and shared
memory files the permissions of the database file.
"""

from __future__ import annotations

import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def secure_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    folder.chmod(FOLDER_MODE)


def secure_file(path: Path) -> None:
    """Create the file empty (owner read/write only) if missing; narrow it if it exists."""
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE))
    path.chmod(FILE_MODE)
    for suffix in ("-wal", "-shm", "-journal"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.chmod(FILE_MODE)


def write_secret(path: Path, value: str) -> None:
    """Write a key file that only the owner can read, never briefly readable by others."""
    secure_folder(path.parent)
    descriptor = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, FILE_MODE)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(value)
    path.chmod(FILE_MODE)
