"""Roles and what each may do: the one place where the roles x actions matrix lives.

docs/security.md shows this matrix as a table; tests/test_roles.py holds the two together.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    PRESCRIBER = "prescriber", "Prescriber (physician or nurse practitioner)"
    NURSE = "nurse", "Nurse"
    THERAPIST = "therapist", "Therapist"
    CLINIC_ADMIN = "clinic_admin", "Clinic administrator"
    RESEARCHER = "researcher", "Researcher"
    PATIENT = "patient", "Patient"


class Action(models.TextChoices):
    VIEW_PATIENT = "patient.view", "See a patient's record"
    CREATE_PATIENT = "patient.create", "Register a patient"
    EDIT_DEMOGRAPHICS = "patient.edit_demographics", "Edit name, contact and identifiers"
    EDIT_CLINICAL = "patient.edit_clinical", "Record weight, allergies, medications, history, substance use"
    PLAN_DOSE = "dosing.plan", "Plan a ketamine dose and see what to expect from it (pharmacology model)"
    ADMINISTER_KETAMINE = "ketamine.administer", "Administer ketamine (also needs valid credentials)"
    SIGN_SESSION = "session.sign", "Sign a dosing session (also needs valid credentials)"
    MANAGE_SESSION_SETTINGS = "dosing.settings", "Set in-session alert thresholds and observation time"
    VIEW_AUDIT = "audit.view", "Browse the audit trail"
    MANAGE_STAFF = "staff.manage", "Manage staff, roles and credentials"
    VIEW_DEIDENTIFIED = "research.view", "See de-identified programme data"
    ASSIGN_INSTRUMENT = "outcomes.assign", "Assign questionnaires to a patient, once or on a schedule"
    RECORD_RESPONSE = "outcomes.record_response", "Enter a questionnaire the patient answered"
    RATE_CLINICIAN_SCALE = "outcomes.rate", "Enter a clinician-rated scale (COWS, CIWA-Ar, session scales)"
    RECORD_SUBSTANCE_USE = "outcomes.record_use", "Record daily substance use (timeline follow-back)"
    RECORD_LAB_RESULT = "outcomes.record_lab", "Record urine toxicology, EtG and breath alcohol results"
    ACKNOWLEDGE_ALERT = "outcomes.acknowledge_alert", "Acknowledge a safety alert and record the action taken"
    SCREEN_ELIGIBILITY = "screening.run", "Run eligibility screening for ketamine"
    OVERRIDE_SCREENING = "screening.override", "Override a relative contraindication with a justification"
    ORDER_KETAMINE = "ketamine.order", "Order, sign and discontinue ketamine (also needs valid credentials)"
    MANAGE_SAFETY_SETTINGS = "plans.settings", "Set the clinic's screening and dose-check limits"
    MANAGE_OUTCOME_SETTINGS = (
        "outcomes.settings",
        "Record or withdraw instrument permissions, relapse definition, crisis text",
    )
    MANAGE_CONSENTS = "privacy.consent", "Record, scan and revoke 42 CFR Part 2 consents; see disclosures"
    DISCLOSE = "privacy.disclose", "Disclose a record outside the programme (consent checked, notice, logged)"
    MANAGE_PRIVACY_SETTINGS = "privacy.settings", "Paste the Part 2 notice texts; set the emergency policy"
    BULK_EXPORT = "fhir.bulk_export", "Run an identified FHIR Bulk Data export to a named recipient"
    LEDGER_VIEW = "ledger.view", "See the controlled-substance ledger: balances, lots, entries, counts"
    LEDGER_DRAW = "ledger.draw", "Draw ketamine for a session, record its administration, return or waste"
    LEDGER_WITNESS = "ledger.witness", "Witness another clinician's waste or destruction"
    LEDGER_COUNT = "ledger.count", "Count the stock of a safe or cart"
    LEDGER_RECEIVE = "ledger.receive", "Receive stock; record products, lots, destruction, loss and reversals"
    LEDGER_RESOLVE = "ledger.resolve", "Resolve a count discrepancy with a reason"
    LEDGER_REPORT = "ledger.report", "See and export the dispensing record"
    BOOK_APPOINTMENT = (
        "calendar.book",
        "Book, cancel and record no-shows of appointments (therapists: therapy and integration only)",
    )
    EDIT_PLAN = "plans.edit", "Create and edit a treatment plan, change its status, record the agreement"
    DECIDE_BOOSTER = "plans.booster", "Accept or decline a plan's booster suggestion"
    ORDER_MAT = "mat.order", "Order, change and stop methadone, buprenorphine or naltrexone"
    RECORD_THERAPY = "therapy.record", "Record therapy, preparation and integration sessions"


# Staff roles act on the patients of their clinic. The patient role acts only on its own record
# (see patients.selectors), so it appears in no row here.
PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.VIEW_PATIENT: frozenset({Role.PRESCRIBER, Role.NURSE, Role.THERAPIST, Role.CLINIC_ADMIN}),
    Action.CREATE_PATIENT: frozenset({Role.PRESCRIBER, Role.NURSE, Role.CLINIC_ADMIN}),
    Action.EDIT_DEMOGRAPHICS: frozenset({Role.PRESCRIBER, Role.NURSE, Role.CLINIC_ADMIN}),
    Action.EDIT_CLINICAL: frozenset({Role.PRESCRIBER, Role.NURSE}),
    Action.PLAN_DOSE: frozenset({Role.PRESCRIBER, Role.NURSE}),
    Action.ADMINISTER_KETAMINE: frozenset({Role.PRESCRIBER, Role.NURSE}),
    Action.SIGN_SESSION: frozenset({Role.PRESCRIBER}),
    Action.MANAGE_SESSION_SETTINGS: frozenset({Role.CLINIC_ADMIN}),
    Action.VIEW_AUDIT: frozenset({Role.CLINIC_ADMIN}),
    Action.MANAGE_STAFF: frozenset({Role.CLINIC_ADMIN}),
    Action.VIEW_DEIDENTIFIED: frozenset({Role.RESEARCHER, Role.CLINIC_ADMIN}),
    Action.ASSIGN_INSTRUMENT: frozenset({Role.PRESCRIBER, Role.NURSE, Role.THERAPIST}),
    Action.RECORD_RESPONSE: frozenset({Role.PRESCRIBER, Role.NURSE, Role.THERAPIST}),
    Action.RATE_CLINICIAN_SCALE: frozenset({Role.PRESCRIBER, Role.NURSE}),
    Action.RECORD_SUBSTANCE_USE: frozenset({Role.PRESCRIBER, Role.NURSE, Role.THERAPIST}),
    Action.RECORD_LAB_RESULT: frozenset({Role.PRESCRIBER, Role.NURSE}),
    Action.ACKNOWLEDGE_ALERT: frozenset({Role.PRESCRIBER, Role.NURSE, Role.THERAPIST}),
    Action.MANAGE_OUTCOME_SETTINGS: frozenset({Role.CLINIC_ADMIN}),
    Action.MANAGE_CONSENTS: frozenset({Role.PRESCRIBER, Role.NURSE, Role.THERAPIST, Role.CLINIC_ADMIN}),
    Action.DISCLOSE: frozenset({Role.PRESCRIBER, Role.NURSE, Role.CLINIC_ADMIN}),
    Action.MANAGE_PRIVACY_SETTINGS: frozenset({Role.CLINIC_ADMIN}),
    Action.BULK_EXPORT: frozenset({Role.CLINIC_ADMIN}),
    Action.SCREEN_ELIGIBILITY: frozenset({Role.PRESCRIBER, Role.NURSE}),
    Action.OVERRIDE_SCREENING: frozenset({Role.PRESCRIBER}),
    Action.ORDER_KETAMINE: frozenset({Role.PRESCRIBER}),
    Action.MANAGE_SAFETY_SETTINGS: frozenset({Role.CLINIC_ADMIN}),
    Action.LEDGER_VIEW: frozenset({Role.PRESCRIBER, Role.NURSE, Role.CLINIC_ADMIN}),
    Action.LEDGER_DRAW: frozenset({Role.PRESCRIBER, Role.NURSE}),
    Action.LEDGER_WITNESS: frozenset({Role.PRESCRIBER, Role.NURSE}),
    Action.LEDGER_COUNT: frozenset({Role.PRESCRIBER, Role.NURSE}),
    Action.LEDGER_RECEIVE: frozenset({Role.CLINIC_ADMIN}),
    Action.LEDGER_RESOLVE: frozenset({Role.CLINIC_ADMIN}),
    Action.LEDGER_REPORT: frozenset({Role.CLINIC_ADMIN}),
    Action.BOOK_APPOINTMENT: frozenset({Role.PRESCRIBER, Role.NURSE, Role.THERAPIST}),
    Action.EDIT_PLAN: frozenset({Role.PRESCRIBER, Role.NURSE}),
    Action.DECIDE_BOOSTER: frozenset({Role.PRESCRIBER}),
    Action.ORDER_MAT: frozenset({Role.PRESCRIBER}),
    Action.RECORD_THERAPY: frozenset({Role.THERAPIST}),
}

# What a portal user may do on their own record (and only there): answer their questionnaires
# and report their own substance use. Clinician-rated scales stay with staff.
PATIENT_SELF_ACTIONS = frozenset({Action.VIEW_PATIENT, Action.RECORD_RESPONSE, Action.RECORD_SUBSTANCE_USE})

STAFF_ROLES = frozenset(Role) - {Role.PATIENT}


def role_may(role: str, action: Action) -> bool:
    return role in PERMISSIONS[action]
