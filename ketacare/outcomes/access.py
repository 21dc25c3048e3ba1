"""Transition only: the access rule moved to `ketacare.patients.selectors` (`may`, `require`,
`is_own_record`, `get_patient_for`), where every record access is decided. Delete this module once
the branches merged in December 2026 import from there (docs/decisions.md #23)."""

from __future__ import annotations

from ketacare.accounts.selectors import require_in_clinic
from ketacare.patients.selectors import is_own_record, may, require

__all__ = ["is_own_record", "may", "require", "require_in_clinic"]
