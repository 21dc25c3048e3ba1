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
from ketacare.accounts.roles import Action, role_may
from ketacare.accounts.selectors import may_administer_ketamine, role_in
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
    identifiers: tuple[str, ...] = ()
    prescriber_on_site: User | None = None
    settings: ClinicSessionSettings | None = None


Gate = Callable[[StartContext], list[Refusal]]

# Identifiers a nurse may check against the record; at least two, as patient-identification practice
# asks (a process rule, not a clinical number).
IDENTIFIERS = {
    "full_name": "Full name",
    "date_of_birth": "Date of birth",
    "medical_record_number": "Record number (MRN)",
    "photo_id": "Photo identity document",
    "wristband": "Identity wristband",
}
IDENTIFIERS_MINIMUM = 2

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


def identity_gate(ctx: StartContext) -> list[Refusal]:
    """HARD: the nurse checked at least two identifiers of the patient against the record."""
    checked = {i for i in ctx.identifiers if i in IDENTIFIERS}
    if len(checked) >= IDENTIFIERS_MINIMUM:
        return []
    return [
        Refusal(
            "identity",
            "Confirm the patient's identity: check at least two identifiers (e.g. full name and date of "
            "birth) against the record and tick them.",
            HARD,
            "identity_identifiers",
        )
    ]


def pregnancy_applies(session: DosingSession, settings: ClinicSessionSettings | None) -> bool:
    """Whether the clinic's pregnancy-test gate applies to this patient (clinic-set; none by default)."""
    wanted = settings.pregnancy_test_for if settings is not None else ""
    sex = session.patient.sex_at_birth
    return (wanted == "female" and sex == "female") or (wanted == "not_male" and sex != "male")


def pregnancy_test_gate(ctx: StartContext) -> list[Refusal]:
    """RELATIVE, where the clinic asks for it: a negative pregnancy test recorded on the day of the dose.
    clinical-verified.md verifies no pregnancy rule for ketamine (the earlier brief's "exclusion" is
    unconfirmed, and the screening treats a recorded pregnancy as a relative caution by clinical
    judgement), so a missing or positive test needs the prescriber's recorded override."""
    if not pregnancy_applies(ctx.session, ctx.settings):
        return []
    day = timezone.localdate(ctx.at)
    latest = None
    for test in ctx.session.pregnancy_tests.filter(entered_in_error=False).order_by("tested_at", "id"):
        if timezone.localdate(test.tested_at) == day:
            latest = test
    if latest is None:
        message = (
            "No pregnancy test is recorded today (the clinic asks for one for this patient): record a "
            "negative result, or the prescriber must record an override to start."
        )
    elif latest.result == "positive":
        message = (
            "Today's pregnancy test is positive: the prescriber must record an override, with the reason, "
            "to start."
        )
    else:
        return []
    return [Refusal("pregnancy-test", message, RELATIVE)]


def credentials_gate(ctx: StartContext) -> list[Refusal]:
    on = timezone.localdate(ctx.at)
    decision = may_administer_ketamine(ctx.by, ctx.session.patient.clinic, on=on)
    if decision:
        return []
    when = "today" if on == timezone.localdate() else f"on {on:%Y-%m-%d}"
    return [Refusal("credentials", f"You may not administer ketamine {when}:", HARD)] + [
        Refusal("credentials", reason, HARD) for reason in decision.reasons
    ]


def prescriber_on_site_required(session: DosingSession, settings: ClinicSessionSettings | None) -> bool:
    """Esketamine: the REMS requires a prescriber on site during administration and monitoring
    (clinical-verified.md §1c, VERIFIED). Ketamine: where the clinic asks for it (clinic-set)."""
    return session.drug == "esketamine" or bool(settings is not None and settings.prescriber_on_site_required)


def prescriber_on_site_gate(ctx: StartContext) -> list[Refusal]:
    """HARD where required: a prescriber of the clinic, with valid credentials on the day, is named as
    on site (a prescriber who starts the session is on site)."""
    if not prescriber_on_site_required(ctx.session, ctx.settings):
        return []
    clinic = ctx.session.patient.clinic
    on = timezone.localdate(ctx.at)
    named = ctx.prescriber_on_site
    if named is None:
        role = role_in(ctx.by, clinic)
        named = ctx.by if role is not None and role_may(role, Action.SIGN_SESSION) else None
    if named is None:
        return [
            Refusal(
                "prescriber-on-site",
                "Name the prescriber on site during the dose and the monitoring"
                + (" (the esketamine REMS requires one)." if ctx.session.drug == "esketamine" else "."),
                HARD,
                "prescriber_on_site",
            )
        ]
    role = role_in(named, clinic)
    if role is None or not role_may(role, Action.SIGN_SESSION):
        return [
            Refusal(
                "prescriber-on-site", f"{named} is not a prescriber of {clinic}.", HARD, "prescriber_on_site"
            )
        ]
    decision = may_administer_ketamine(named, clinic, on=on)
    if not decision:
        return [
            Refusal(
                "prescriber-on-site",
                f"The prescriber on site, {named}, may not supervise today: " + " ".join(decision.reasons),
                HARD,
                "prescriber_on_site",
            )
        ]
    return []


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


START_GATES: list[Gate] = [
    identity_gate,
    checklist_gate,
    credentials_gate,
    prescriber_on_site_gate,
    pregnancy_test_gate,
    baseline_bp_gate,
]


def check_start(ctx: StartContext) -> list[Refusal]:
    return [refusal for gate in START_GATES for refusal in gate(ctx)]
