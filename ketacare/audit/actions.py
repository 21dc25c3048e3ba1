"""What an audit event may say: the action vocabulary and the detail keys the trail may hold.

`record_event` accepts only an `AuditAction` member, or a role action (`accounts.roles.Action`) for an
access decision or a role-named act (refusals, dose planning, signing). docs/security.md lists them.

The trail is append-only and permanent, so it holds names, codes and ids only, never clinical values
(scores, flags raised, results, doses, severities): a value entered in error there could never be
corrected. The rows' version history (django-simple-history) keeps values. `DETAIL_KEYS` is the
whitelist of what `detail` may hold; `record_event` refuses any other key, so a service that writes a
value field fails its tests (ketacare/audit/tests/test_vocabulary.py).
"""

from __future__ import annotations

from django.db import models


class AuditAction(models.TextChoices):
    CREATE = "create", "Created a record"
    READ = "read", "Read a record"
    UPDATE = "update", "Changed a record"
    SEARCH = "search", "Searched or listed records"
    SUBMIT = "submit", "Submitted a draft questionnaire"
    CORRECT = "correct", "Recorded a correction of an entry"
    ENTERED_IN_ERROR = "entered-in-error", "Marked an entry entered in error"
    WITHDRAW = "withdraw", "Withdrew a permission"
    ACKNOWLEDGE = "acknowledge", "Acknowledged a safety alert"
    ALERT = "alert", "Raised a safety alert"
    REMIND = "remind", "Sent a reminder"
    EXPORT = "export", "Exported data (FHIR, research)"
    START_SESSION = "dosing.start", "Started a dosing session"
    END_SESSION = "dosing.end", "Ended a dosing session"
    LOGIN = "login", "Logged in (or failed to)"
    LOGOUT = "logout", "Logged out"
    LOGIN_SECOND_FACTOR = "login-second-factor", "Passed the second factor"
    TWO_FACTOR_ENROLLED = "two-factor-enrolled", "Enrolled an authenticator app"
    PASSWORD_RESET_ISSUED = (
        "password-reset.issued",
        "Issued a one-time password-reset link for a staff member",
    )
    PASSWORD_RESET_USED = "password-reset.used", "Set a new password with a one-time link (or was refused)"
    SIGN = "sign", "Signed a consent"
    REVOKE = "revoke", "Revoked a consent in writing"
    DISCLOSE = "disclose", "Disclosed a record outside the programme (42 CFR Part 2), or was refused"
    CANCEL = "cancel", "Cancelled a bulk export"
    ORDER_SIGN = "order.sign", "Signed a ketamine order"
    ORDER_DISCONTINUE = "order.discontinue", "Discontinued a ketamine order"
    ALERT_SESSION = "dosing.alert", "Raised a session alert (a vital sign beyond a clinic threshold)"
    ACKNOWLEDGE_SESSION_ALERT = "dosing.alert.acknowledge", "Acknowledged a session alert with what was done"
    PREPARE_DOSE = "dosing.prepare", "Recorded the prepared dose (volume, rate, lot)"
    REMS_SUBMITTED = "dosing.rems.submitted", "Marked an esketamine monitoring form as submitted"
    DAY_BOARD = "dosing.dayboard", "Opened the day board"
    # The controlled-substance ledger (ketacare/ledger): one action per kind of entry.
    LEDGER_LOCATION = "ledger.location", "Set up a storage location"
    LEDGER_PRODUCT = "ledger.product", "Recorded a controlled-substance product"
    LEDGER_LOT = "ledger.lot", "Recorded a lot"
    LEDGER_SETTINGS = "ledger.settings", "Changed the clinic's ledger policy"
    LEDGER_RECEIPT = "ledger.receipt", "Received stock"
    LEDGER_TRANSFER = "ledger.transfer", "Transferred stock between locations"
    LEDGER_DRAW = "ledger.draw", "Drew stock for a session"
    LEDGER_ADMINISTRATION = "ledger.administration", "Recorded an administration from a draw"
    LEDGER_RETURN = "ledger.return", "Returned stock"
    LEDGER_WASTE = "ledger.waste", "Wasted stock (with the witness policy asks)"
    LEDGER_DESTRUCTION = "ledger.destruction", "Recorded expiry or destruction"
    LEDGER_LOSS = "ledger.loss", "Recorded a loss or theft"
    LEDGER_ADJUSTMENT = "ledger.adjustment", "Adjusted the ledger to a count"
    LEDGER_REVERSAL = "ledger.reversal", "Reversed a wrong ledger entry"
    LEDGER_LOSS_NOTICE = "ledger.loss_notice", "Recorded a loss notice or report"
    LEDGER_COUNT = "ledger.count", "Counted stock"
    LEDGER_RESOLVE = "ledger.resolve", "Resolved a count discrepancy"
    # The calendar (ketacare/plans/calendar_services.py).
    APPOINTMENT_BOOK = "appointment.book", "Booked an appointment (conflicts confirmed with a reason)"
    APPOINTMENT_STATUS = "appointment.status", "Recorded an appointment attended, missed or cancelled"


# Names, codes and ids only. Adding a key is a decision: say in review why it is not a clinical value.
DETAIL_KEYS = frozenset(
    {
        # what was touched or changed (field names, never their values)
        "fields",
        "changed",
        "replaces",
        "status",
        "revoked",
        # codes of catalogues (instrument ids, substances, kinds, routes, models, roles)
        "instrument",
        "substance",
        "kind",
        "route",
        "model",
        "flag",
        "alerts",
        "checklist",
        "relapse_definition",
        "regular_use_days",
        "interval_days",
        "format",
        # dates of scheduling, not of findings
        "day",
        "due_on",
        "expires_on",
        # people and accounts
        "username",
        "user",
        "member",
        "responsible",
        "role",
        "role_before",
        "role_after",
        "active_before",
        "active_after",
        "name",
        "to",
        # why a row was withdrawn or ended (the reason the user gave for the correction)
        "reason",
        # sizes of reads and exports
        "rows",
        "entries",
        "patients",
        "query",
        # ids and codes of the ledger, orders, screening, consents and exports (never quantities)
        "lot",
        "location",
        "session",
        "witness",
        "witness_method",
        "loss_report",
        "from",
        "counterpart",
        "discrepancies",
        "product",
        "schedule",
        "basis",
        "reverses",
        "entry",
        "count_frequency",
        "protocol",
        "screening",
        "checks",
        "code",
        "trigger",
        "purpose",
        "refused",
        "signed_via",
        "channel",
        "consent_id",
        "stage",
        "deidentified",
        "clinics",
        "type",
        "part",
        "disclosures",
        "adjustment",
        # a report's period (dates of the report, not of findings)
        "start",
        "end",
        # the session: alert codes and the acknowledgement's action code, gates passed on an override
        "late",
        "action",
        "overridden",
        "second_check",
        "open",
        "sessions",
        # the calendar: an appointment's conflict codes (spacing, detox-gate, credentials, ...)
        "conflicts",
        # which page or filter a read came through (view names, filter names)
        "page",
        "filter",
        # The dose-planning page keeps no row of its own yet (decisions #17): its regimen is in the
        # trail until plans are rows; then it moves to the plan row and this key goes.
        "regimen",
    }
)
