"""Every write of outcomes, by subject: atomic, role-checked (`patients.selectors.require`), each row
saved and audited together (`records.save_audited`). Reads are in `outcomes.selectors`.

- `licences`: instrument permissions and the clinic's outcome settings
- `responses`: questionnaire responses, corrections and the safety alerts they raise
- `assignments`: assignments and reminders
- `self_report`: substance use, the daily check-in, test results and their withdrawal

Callers keep writing `services.record_response(...)`: the names below are the package's API.
"""

from ketacare.outcomes.services.assignments import assign_instrument, send_reminder, stop_assignment
from ketacare.outcomes.services.licences import (
    instrument_or_error,
    record_instrument_permission,
    require_available,
    update_outcome_settings,
    withdraw_instrument_permission,
)
from ketacare.outcomes.services.responses import (
    ALERTED_FLAGS,
    Answers,
    Recorded,
    acknowledge_alert,
    correct_response,
    email_safety_alert,
    mark_response_entered_in_error,
    record_response,
    request_contact,
    update_draft,
)
from ketacare.outcomes.services.self_report import (
    Entry,
    entered_in_error_action,
    mark_entry_entered_in_error,
    record_daily_report,
    record_lab_result,
    record_substance_use,
)

__all__ = [
    "ALERTED_FLAGS",
    "Answers",
    "Entry",
    "Recorded",
    "acknowledge_alert",
    "assign_instrument",
    "correct_response",
    "email_safety_alert",
    "entered_in_error_action",
    "instrument_or_error",
    "mark_entry_entered_in_error",
    "mark_response_entered_in_error",
    "record_daily_report",
    "record_instrument_permission",
    "record_lab_result",
    "record_response",
    "record_substance_use",
    "request_contact",
    "require_available",
    "send_reminder",
    "stop_assignment",
    "update_draft",
    "update_outcome_settings",
    "withdraw_instrument_permission",
]
