"""The hash chain: each event's hash covers its content and the previous event's hash.

The hash is keyed (HMAC-SHA256) with the audit key, which lives outside the database (a file in the
data folder, or KETACARE_AUDIT_KEY): someone who can write to the database but not read that key
cannot re-hash an edited chain so that it verifies again (ketacare/audit/keys.py).
"""

from __future__ import annotations

import hashlib
import hmac
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


def _encoded(fields: dict[str, Any]) -> bytes:
    content = {name: _canonical(fields[name]) for name in CHAINED_FIELDS}
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def event_hash(fields: dict[str, Any], key: bytes | None = None) -> str:
    """HMAC-SHA256 of the event's content under the audit key (the configured one by default)."""
    if key is None:
        from ketacare.audit.keys import audit_key

        key = audit_key()
    return hmac.new(key, _encoded(fields), hashlib.sha256).hexdigest()


def unkeyed_hash(fields: dict[str, Any]) -> str:
    """The hash of chains written before the audit key existed (see settings.AUDIT_UNKEYED_BEFORE_ID)."""
    return hashlib.sha256(_encoded(fields)).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events_checked: int
    first_broken_id: int | None = None
    problem: str = ""
