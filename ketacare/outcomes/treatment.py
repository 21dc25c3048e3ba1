"""The treatment a patient had, as outcomes need it: where the relapse clock starts and the session
markers on the trend charts.

outcomes is the lower app (docs/decisions.md #25): dosing builds on it (its sessions record discharge
and sedation scales through outcomes' instruments and read them through outcomes' selectors), so
outcomes never imports dosing nor reads its tables through the ORM. The apps that hold treatment
register a provider here instead (dosing does in its AppConfig.ready).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ketacare.patients.models import Patient


@dataclass(frozen=True)
class TreatmentEvent:
    """One treatment that started (a ketamine session, a MAT order or dose change, a therapy session),
    with its chart label."""

    at: dt.datetime
    label: str
    kind: str = "session"  # the chart marker's css class suffix: "session", "mat" or "therapy"


Provider = Callable[["Patient"], list[TreatmentEvent]]
_providers: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Register (or replace) the provider of one app's treatments; called from AppConfig.ready."""
    _providers[name] = provider


def treatment_events(patient: Patient) -> list[TreatmentEvent]:
    """Every registered app's treatments of this patient, oldest first."""
    events = [event for provider in _providers.values() for event in provider(patient)]
    return sorted(events, key=lambda event: event.at)


def ketamine_sessions(patient: Patient) -> list[TreatmentEvent]:
    """Only the ketamine sessions (kind "session"): the relapse clock and the booster forecast count
    from these, never from a MAT dose or a therapy session."""
    return [event for event in treatment_events(patient) if event.kind == "session"]
