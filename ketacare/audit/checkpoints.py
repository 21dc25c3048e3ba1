"""Signed checkpoints of the audit chain, kept outside the database.

A checkpoint is one JSON line: the id and hash of the newest event, how many events there were up to
it, when, and an HMAC signature under the audit key. Lines are appended to AUDIT_CHECKPOINT_FILE (in
the data folder unless configured elsewhere) automatically, at most every AUDIT_CHECKPOINT_INTERVAL_S
seconds after a write, and on demand by `ketacare audit checkpoint`, which also prints the line so
that it can be sent to another system (a log server, an email to the privacy officer).

`ketacare audit verify` checks every checkpoint against the database: a chain whose newest rows were
deleted, or that was rebuilt from some event on, no longer contains the checkpointed event with its
hash and count, and fails. Only rows written after the last checkpoint can vanish unnoticed, so the
interval bounds that window.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from ketacare.audit.keys import audit_key
from ketacare.audit.models import AuditEvent
from ketacare.data_dir import FILE_MODE

SIGNED_FIELDS = ("event_id", "hash", "count", "at")


def checkpoint_file() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_FILE)


def _signature(content: dict[str, Any]) -> str:
    encoded = json.dumps({k: content[k] for k in SIGNED_FIELDS}, sort_keys=True, separators=(",", ":"))
    return hmac.new(audit_key(), encoded.encode(), hashlib.sha256).hexdigest()


def current() -> dict[str, Any] | None:
    """A signed checkpoint of the chain as it stands (None while it is empty)."""
    newest = AuditEvent.objects.order_by("-id").values("id", "hash").first()
    if newest is None:
        return None
    content: dict[str, Any] = {
        "event_id": newest["id"],
        "hash": newest["hash"],
        "count": AuditEvent.objects.filter(id__lte=newest["id"]).count(),
        "at": timezone.now().isoformat(timespec="seconds"),
    }
    content["signature"] = _signature(content)
    return content


def write() -> dict[str, Any] | None:
    """Append a checkpoint to the checkpoint file (owner-only) and return it."""
    content = current()
    if content is None:
        return None
    path = checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, FILE_MODE)
    with os.fdopen(descriptor, "a") as handle:
        handle.write(json.dumps(content, sort_keys=True) + "\n")
    return content


def write_if_due() -> None:
    """After a committed write: a checkpoint when the last one is older than the interval."""
    path = checkpoint_file()
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        age = float("inf")
    if age >= settings.AUDIT_CHECKPOINT_INTERVAL_S:
        write()


def read(path: Path | None = None) -> list[dict[str, Any]]:
    path = path or checkpoint_file()
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def problem_with(checkpoint: dict[str, Any]) -> str | None:
    """Why the database no longer matches this checkpoint, or None when it does."""
    if not hmac.compare_digest(str(checkpoint.get("signature", "")), _signature(checkpoint)):
        return f"the checkpoint of {checkpoint.get('at')} is not signed with this installation's audit key"
    event_id = checkpoint["event_id"]
    event = AuditEvent.objects.filter(id=event_id).values("hash").first()
    if event is None:
        return (
            f"event {event_id}, recorded by the checkpoint of {checkpoint['at']}, is missing "
            "(the newest events were deleted?)"
        )
    if event["hash"] != checkpoint["hash"]:
        return f"event {event_id} no longer has the hash the checkpoint of {checkpoint['at']} recorded"
    count = AuditEvent.objects.filter(id__lte=event_id).count()
    if count != checkpoint["count"]:
        return (
            f"{count} events up to event {event_id}, but the checkpoint of {checkpoint['at']} "
            f"counted {checkpoint['count']}"
        )
    return None
