"""The hash chain: each event's hash covers its content and the previous event's hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64

CHAINED_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_username",
    "clinic_id",
    "action",
    "entity_type",
    "entity_id",
    "patient_id",
    "detail",
    "source",
    "ip_address",
    "user_agent",
    "outcome",
    "prev_hash",
)


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return value


def event_hash(fields: dict[str, Any]) -> str:
    content = {name: _canonical(fields[name]) for name in CHAINED_FIELDS}
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events_checked: int
    first_broken_id: int | None = None
    problem: str = ""
