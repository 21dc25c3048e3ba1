"""`ketacare backup FILE` and `ketacare restore FILE` (the logic is in ketacare/backup.py)."""

from __future__ import annotations

import argparse
import os
import sys


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketacare.settings")
    import django

    django.setup()


def backup_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="ketacare backup",
        description="Write the database, the secret and audit keys and the audit checkpoints to one "
        "owner-only archive (safe while KetaCare runs).",
    )
    parser.add_argument("archive", help="Where to write the archive, e.g. /backups/ketacare-2026-12-04.tar")
    args = parser.parse_args(argv)
    _setup()
    from pathlib import Path

    from ketacare.audit.context import Origin, origin
    from ketacare.backup import BackupError, backup

    try:
        with origin(Origin(source="cli")):
            manifest = backup(Path(args.archive))
    except BackupError as exc:
        print(f"Backup failed: {exc}", file=sys.stderr)
        return 1
    print(
        f"Backed up the {manifest['engine']} database ({manifest['audit_events']} audit events) and "
        f"{', '.join(manifest['keys']) or 'no key files'} to {args.archive}. Keep it as safe as the record."
    )
    return 0


def restore_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="ketacare restore",
        description="Restore a `ketacare backup` archive into this installation's database and data "
        "folder, then verify the audit chain. Stop every KetaCare process first.",
    )
    parser.add_argument("archive")
    args = parser.parse_args(argv)
    _setup()
    from pathlib import Path

    from ketacare.backup import BackupError, restore

    try:
        report = restore(Path(args.archive))
    except BackupError as exc:
        print(f"Restore failed: {exc}", file=sys.stderr)
        return 1
    if not report.chain_ok:
        print(f"Restored, but the audit chain does NOT verify: {report.problem}", file=sys.stderr)
        return 2
    intact = f"audit chain intact: {report.events_verified} events verified"
    print(f"Restored the {report.engine} database; {intact}.")
    return 0
