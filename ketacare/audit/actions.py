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
        # The dose-planning page keeps no row of its own yet (decisions #17): its regimen is in the
        # trail until plans are rows; then it moves to the plan row and this key goes.
        "regimen",
    }
)
