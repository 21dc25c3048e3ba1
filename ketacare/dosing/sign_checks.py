"""Checks other apps add to signing a session, without dosing importing them.

An app that must hold a signature back (the controlled-substance ledger: the drawn amount not yet
accounted for) registers a check in its AppConfig.ready(); dosing's sign service asks `problems`
once and refuses with every message. Dosing depends on no app that registers here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ketacare.dosing.models import DosingSession

Check = Callable[["DosingSession"], list[str]]

_checks: list[Check] = []


def register(check: Check) -> Check:
    """Add a check (idempotent: registering the same function twice keeps one)."""
    if check not in _checks:
        _checks.append(check)
    return check


def problems(session: DosingSession) -> list[str]:
    """Every reason, from every registered check, why this session cannot be signed yet."""
    return [message for check in _checks for message in check(session)]
