"""`ketacare backup FILE` and `ketacare restore FILE`: everything an installation needs to read its
data again, in one owner-only archive.

The archive (a tar file, mode 0600) holds:
- the database: SQLite through its online backup API (a consistent copy while KetaCare runs), or
  PostgreSQL through `pg_dump --format=custom` (the PostgreSQL client tools must be installed and match
  the server's major version; Debian: `apt-get install postgresql-client`);
- `secret_key` (sessions, and the research pseudonyms derive from it) and `audit_key` (keys the audit
  chain), when they are kept in the data folder;
- the audit checkpoints kept outside the database, and a manifest (when, which engine, the newest
  audit event's id and hash).

Restore puts the database and the key files back (keys already in the data folder are kept beside
as `*.replaced-<time>`), then verifies the audit chain against the restored keys and checkpoints and
fails when it does not hold. Restore is for a stopped server: stop every web worker first.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import timezone

from ketacare.audit import checkpoints
from ketacare.audit.keys import KEY_FILE_NAME, audit_key
from ketacare.audit.models import AuditEvent
from ketacare.audit.selectors import verify_chain
from ketacare.data_dir import FILE_MODE, secure_file, write_secret

SQLITE_MEMBER = "database.sqlite3"
POSTGRES_MEMBER = "database.pgdump"
KEY_MEMBERS = ("secret_key", KEY_FILE_NAME)
CHECKPOINTS_MEMBER = "audit_checkpoints.jsonl"
MANIFEST_MEMBER = "manifest.json"


class BackupError(Exception):
    """A backup or restore that cannot be done, with a sentence saying why."""


@dataclass(frozen=True)
class RestoreReport:
    engine: str
    events_verified: int
    chain_ok: bool
    problem: str = ""


def _database() -> dict[str, Any]:
    return dict(settings.DATABASES["default"])


def _engine() -> str:
    engine = _database()["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"No backup method for the database engine {engine}.")


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = _database()
    args = ["--host", str(db.get("HOST") or "localhost"), "--port", str(db.get("PORT") or 5432)]
    args += ["--username", str(db.get("USER") or "postgres"), "--dbname", str(db["NAME"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools "
            "(Debian: apt-get install postgresql-client) matching the server's major version."
        )
    return path


def _dump_database(target: Path) -> str:
    engine = _engine()
    if engine == "sqlite":
        source = sqlite3.connect(str(_database()["NAME"]))
        try:
            copy = sqlite3.connect(str(target))
            with copy:
                source.backup(copy)
            copy.close()
        finally:
            source.close()
        return SQLITE_MEMBER
    args, env = _pg_env()
    result = subprocess.run(  # noqa: S603 - fixed tool, arguments from settings
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    return POSTGRES_MEMBER


def backup(archive: Path) -> dict[str, Any]:
    """Write the archive; returns its manifest."""
    audit_key()  # make sure the key file exists before it is copied (unless configured elsewhere)
    head = AuditEvent.objects.order_by("-id").values("id", "hash").first()
    manifest: dict[str, Any] = {
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "engine": _engine(),
        "audit_head": head,
        "audit_events": AuditEvent.objects.count(),
        "keys": [],
    }
    with tempfile.TemporaryDirectory() as work:
        dumped = Path(work) / "database"
        member = _dump_database(dumped)
        archive.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(archive, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, FILE_MODE)
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
            tar.add(dumped, arcname=member)
            data_dir = Path(settings.DATA_DIR)
            for name in KEY_MEMBERS:
                if (data_dir / name).exists():
                    tar.add(data_dir / name, arcname=name)
                    manifest["keys"].append(name)
            if checkpoints.checkpoint_file().exists():
                tar.add(checkpoints.checkpoint_file(), arcname=CHECKPOINTS_MEMBER)
            encoded = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST_MEMBER)
            info.size = len(encoded)
            info.mode = FILE_MODE
            tar.addfile(info, io.BytesIO(encoded))
    return manifest


def _restore_database(member: str, source: Path) -> None:
    engine = _engine()
    expected = SQLITE_MEMBER if engine == "sqlite" else POSTGRES_MEMBER
    if member != expected:
        raise BackupError(f"This archive holds a {member} but this installation runs on {engine}.")
    connections.close_all()
    if engine == "sqlite":
        target_path = Path(str(_database()["NAME"]))
        secure_file(target_path)
        backup_copy = sqlite3.connect(str(source))
        try:
            target = sqlite3.connect(str(target_path))
            with target:
                backup_copy.backup(target)
            target.close()
        finally:
            backup_copy.close()
        secure_file(target_path)
        return
    args, env = _pg_env()
    result = subprocess.run(  # noqa: S603 - fixed tool, arguments from settings
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            *args,
            str(source),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")


def _restore_file(source: Path, target: Path) -> None:
    value = source.read_text()
    if target.exists() and target.read_text() != value:
        target.rename(target.with_name(f"{target.name}.replaced-{timezone.now():%Y%m%dT%H%M%S}"))
    write_secret(target, value)


def restore(archive: Path) -> RestoreReport:
    """Restore database, keys and checkpoints from the archive, then verify the audit chain."""
    if not archive.exists():
        raise BackupError(f"No archive at {archive}.")
    with tempfile.TemporaryDirectory() as work, tarfile.open(archive) as tar:
        names = set(tar.getnames())
        tar.extractall(work, filter="data")
        folder = Path(work)
        member = SQLITE_MEMBER if SQLITE_MEMBER in names else POSTGRES_MEMBER
        if member not in names:
            raise BackupError("This archive holds no database.")
        data_dir = Path(settings.DATA_DIR)
        for name in KEY_MEMBERS:
            if name in names:
                _restore_file(folder / name, data_dir / name)
        if CHECKPOINTS_MEMBER in names:
            _restore_file(folder / CHECKPOINTS_MEMBER, checkpoints.checkpoint_file())
        _restore_database(member, folder / member)
    from ketacare.audit.keys import _key

    _key.cache_clear()  # the restored audit key
    report = verify_chain()
    return RestoreReport(_engine(), report.events_checked, report.ok, report.problem)
