"""The gates before the dose: a list of checks, one function each, that refuse a start.

Each gate takes the start's context and returns its refusals. A HARD refusal blocks the start; a
RELATIVE one lets the session start only with the prescriber's recorded override (who and why).
Other apps add gates by appending to START_GATES (e.g. the signed order and the screening re-run of
the plans app: see docs/dosing.md, "Gates").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from django.utils import timezone

from ketacare.accounts.models import User
from ketacare.accounts.selectors import may_administer_ketamine
from ketacare.dosing.models import ClinicSessionSettings, DosingSession

HARD: Literal["hard"] = "hard"
RELATIVE: Literal["relative"] = "relative"


@dataclass(frozen=True)
class Refusal:
    gate: str
    message: str
    kind: Literal["hard", "relative"]
    field: str | None = None  # the form field it belongs to, if any

    @property
    def hard(self) -> bool:
        return self.kind == HARD


@dataclass
class StartContext:
    session: DosingSession
    by: User
    at: dt.datetime
    confirmations: dict[str, bool] = field(default_factory=dict)
    settings: ClinicSessionSettings | None = None


Gate = Callable[[StartContext], list[Refusal]]

CONFIRMATIONS = (
    ("consent_confirmed", "Confirm that consent is on file."),
    ("fasting_confirmed", "Confirm that the patient fasted as instructed."),
    ("escort_confirmed", "Confirm that an escort or transport home is arranged."),
)


def checklist_gate(ctx: StartContext) -> list[Refusal]:
    return [
        Refusal("checklist", message, HARD, name)
        for name, message in CONFIRMATIONS
        if not ctx.confirmations.get(name)
    ]


def credentials_gate(ctx: StartContext) -> list[Refusal]:
    on = timezone.localdate(ctx.at)
    decision = may_administer_ketamine(ctx.by, ctx.session.patient.clinic, on=on)
    if decision:
        return []
    when = "today" if on == timezone.localdate() else f"on {on:%Y-%m-%d}"
    return [Refusal("credentials", f"You may not administer ketamine {when}:", HARD)] + [
        Refusal("credentials", reason, HARD) for reason in decision.reasons
    ]


def baseline_bp_gate(ctx: StartContext) -> list[Refusal]:
    """Against the clinic-set pre-dose blood-pressure limit (KetaCare ships none: the label's 140/90
    is SECONDARY in clinical-verified.md §1b). With a limit set, a baseline reading is required."""
    s = ctx.settings
    if s is None or (s.predose_systolic_max_mmhg is None and s.predose_diastolic_max_mmhg is None):
        return []
    baseline = (
        ctx.session.vitals.filter(entered_in_error=False, measured_at__lte=ctx.at)
        .order_by("-measured_at")
        .first()
    )
    if baseline is None:
        return [Refusal("baseline-bp", "Record a baseline blood pressure before the dose.", HARD)]
    too_high = (
        s.predose_systolic_max_mmhg is not None and baseline.systolic_mmhg > s.predose_systolic_max_mmhg
    ) or (s.predose_diastolic_max_mmhg is not None and baseline.diastolic_mmhg > s.predose_diastolic_max_mmhg)
    if too_high:
        return [
            Refusal(
                "baseline-bp",
                f"The baseline blood pressure {baseline.systolic_mmhg}/{baseline.diastolic_mmhg} mmHg "
                "is above the clinic's pre-dose limit: the prescriber must record an override to start.",
                RELATIVE,
            )
        ]
    return []


START_GATES: list[Gate] = [checklist_gate, credentials_gate, baseline_bp_gate]


def check_start(ctx: StartContext) -> list[Refusal]:
    return [refusal for gate in START_GATES for refusal in gate(ctx)]
