"""Outcomes pages, split by who uses them: `portal` (the patient's own record) and `staff`.
Chart SVGs are drawn in `charts` from data the selectors return."""

from ketacare.outcomes.views.portal import portal, portal_answer, portal_support, portal_trends
from ketacare.outcomes.views.staff import (
    alert_detail,
    assign,
    clinic_settings,
    correct_response,
    entry_error,
    lab_result_new,
    patient_outcomes,
    staff_answer,
    use_day_new,
    withdraw_permission,
    worklist,
)

__all__ = [
    "alert_detail",
    "assign",
    "clinic_settings",
    "correct_response",
    "entry_error",
    "lab_result_new",
    "patient_outcomes",
    "portal",
    "portal_answer",
    "portal_support",
    "portal_trends",
    "staff_answer",
    "use_day_new",
    "withdraw_permission",
    "worklist",
]
