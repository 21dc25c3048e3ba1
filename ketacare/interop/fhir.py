"""The clinical record as FHIR R4 resources, built and checked with fhir.resources (R4B package).

Codes: LOINC only where verified (body weight 29463-7 and body height 8302-2 are fixed by the FHIR
R4 vital-signs profiles, hl7.org/fhir/R4/bodyweight.html and bodyheight.html; questionnaire totals use
the codes ketacare.instruments marks verified); everything else is text.  fhir.resources checks
structure, not value sets (shared/DESIGN.md), so every code below is one the R4 specification lists
for that element, and tests/test_fhir.py holds them.  Entries entered in error are exported with
status entered-in-error rather than left out, so a receiving system learns of the correction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fhir.resources.R4B.adverseevent import AdverseEvent
from fhir.resources.R4B.allergyintolerance import AllergyIntolerance
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.plandefinition import PlanDefinition
from fhir.resources.R4B.procedure import Procedure
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse as FhirResponse
from fhir.resources.R4B.resource import Resource
from fhir.resources.R4B.riskassessment import RiskAssessment

from ketacare import instruments
from ketacare.accounts.models import Clinic
from ketacare.dosing.models import DosingSession, SideEffect, VitalSign
from ketacare.outcomes.models import QuestionnaireResponse
from ketacare.patients.models import Allergy, BodyMeasurement, Medication, Patient, SubstanceUseDisorder
from ketacare.plans.models import Appointment, MatOrder, Order, Screening, TherapySession, TreatmentPlan
from ketacare.rules import dsm5
from ketacare.rules import protocols as protocol_library

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"

BODY_WEIGHT_LOINC = "29463-7"  # FHIR R4 bodyweight profile
BODY_HEIGHT_LOINC = "8302-2"  # FHIR R4 bodyheight profile
# FHIR R4 vital-signs value set (hl7.org/fhir/R4/valueset-observation-vitalsignresult.html): the blood
# pressure panel groups systolic and diastolic. R4's oxygen saturation profile
# (hl7.org/fhir/R4/oxygensat.html) requires LOINC 2708-6 in Observation.code; pulse oximetry, 59408-5,
# goes beside it as the more specific coding, as R4's own example (observation-example-satO2) does.
BP_PANEL_LOINC, SYSTOLIC_LOINC, DIASTOLIC_LOINC = "85354-9", "8480-6", "8462-4"
HEART_RATE_LOINC, RESPIRATORY_RATE_LOINC = "8867-4", "9279-1"
OXYGEN_SATURATION_LOINC, PULSE_OXIMETRY_LOINC = "2708-6", "59408-5"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ADVERSE_EVENT_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
ENCOUNTER_STATUS = {"planned": "planned", "in_progress": "in-progress", "ended": "finished"}

# FHIR administrative gender has no "intersex"; the record keeps sex at birth, which FHIR R4 core
# has no element for, so it is mapped to the nearest administrative code and said so in the docs.
GENDER = {"female": "female", "male": "male", "intersex": "other", "unknown": "unknown"}


def _concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def _text(text: str) -> dict[str, str]:
    return {"text": text}


def _ref(resource_type: str, resource_id: str) -> dict[str, str]:
    return {"reference": f"{resource_type}/{resource_id}"}


def mrn_system(clinic: Clinic) -> str:
    """The identifier system of a clinic's medical record numbers (a URN: the clinic has no URL)."""
    return f"urn:ketacare:{clinic.slug}:mrn"


def organization(clinic: Clinic) -> Organization:
    return Organization.model_validate(
        {"resourceType": "Organization", "id": f"clinic-{clinic.pk}", "name": clinic.name, "active": True}
    )


def patient_resource(patient: Patient) -> FhirPatient:
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    data: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "identifier": [{"system": mrn_system(patient.clinic), "value": patient.medical_record_number}],
        "name": [{"family": patient.family_name, "given": [patient.given_name]}],
        "gender": GENDER[patient.sex_at_birth],
        "birthDate": patient.date_of_birth.isoformat(),
        "managingOrganization": _ref("Organization", f"clinic-{patient.clinic_id}"),
    }
    if telecom:
        data["telecom"] = telecom
    if patient.address:
        data["address"] = [{"text": patient.address}]
    return FhirPatient.model_validate(data)


def _status(entry: Any, ok: str) -> str:
    return "entered-in-error" if entry.entered_in_error else ok


def body_observations(measurement: BodyMeasurement) -> list[Observation]:
    """Weight, and height when measured, as vital-signs Observations."""
    rows = [("weight", BODY_WEIGHT_LOINC, "Body weight", measurement.weight_kg, "kg")]
    if measurement.height_cm is not None:
        rows.append(("height", BODY_HEIGHT_LOINC, "Body height", measurement.height_cm, "cm"))
    out = []
    for kind, code, display, value, unit in rows:
        data: dict[str, Any] = {
            "resourceType": "Observation",
            "id": f"{kind}-{measurement.pk}",
            "status": _status(measurement, "final"),
            "category": [_concept(OBSERVATION_CATEGORY, "vital-signs", "Vital Signs")],
            "code": _concept(LOINC, code, display),
            "subject": _ref("Patient", str(measurement.patient_id)),
            "effectiveDateTime": measurement.measured_at.isoformat(),
            "valueQuantity": {"value": float(value), "unit": unit, "system": UCUM, "code": unit},
        }
        out.append(Observation.model_validate(data))
    return out


def allergy(entry: Allergy) -> AllergyIntolerance:
    data: dict[str, Any] = {
        "resourceType": "AllergyIntolerance",
        "id": str(entry.pk),
        "clinicalStatus": _concept(ALLERGY_CLINICAL, "active"),
        "verificationStatus": _concept(
            ALLERGY_VERIFICATION, "entered-in-error" if entry.entered_in_error else "confirmed"
        ),
        "code": _text(entry.substance),
        "patient": _ref("Patient", str(entry.patient_id)),
        "recordedDate": entry.recorded_at.isoformat(),
    }
    if entry.reaction or entry.severity != Allergy.Severity.UNKNOWN:
        reaction: dict[str, Any] = {"manifestation": [_text(entry.reaction or "not described")]}
        if entry.severity != Allergy.Severity.UNKNOWN:
            reaction["severity"] = entry.severity
        data["reaction"] = [reaction]
    return AllergyIntolerance.model_validate(data)


def medication(entry: Medication) -> MedicationStatement:
    status = "completed" if entry.stopped_on else "active"
    data: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "id": str(entry.pk),
        "status": _status(entry, status),
        "medicationCodeableConcept": _text(f"{entry.name} ({entry.get_drug_class_display()})"),
        "subject": _ref("Patient", str(entry.patient_id)),
        "dateAsserted": entry.recorded_at.isoformat(),
    }
    period = {
        key: day.isoformat() for key, day in (("start", entry.started_on), ("end", entry.stopped_on)) if day
    }
    if period:
        data["effectivePeriod"] = period
    if entry.dose_text:
        data["dosage"] = [{"text": entry.dose_text}]
    return MedicationStatement.model_validate(data)


def condition(entry: SubstanceUseDisorder) -> Condition:
    severity = dsm5.severity(entry.criteria_met)
    data: dict[str, Any] = {
        "resourceType": "Condition",
        "id": str(entry.pk),
        "clinicalStatus": _concept(CONDITION_CLINICAL, "active"),
        "verificationStatus": _concept(
            CONDITION_VERIFICATION, "entered-in-error" if entry.entered_in_error else "confirmed"
        ),
        "category": [_concept(CONDITION_CATEGORY, "problem-list-item", "Problem List Item")],
        "severity": _text(
            f"{severity.value} (DSM-5, {entry.criteria_met} of {dsm5.CRITERIA_COUNT} criteria)"
        ),
        "code": _text(f"{entry.get_substance_display()} use disorder"),
        "subject": _ref("Patient", str(entry.patient_id)),
        "recordedDate": entry.recorded_at.isoformat(),
    }
    return Condition.model_validate(data)


RESPONSE_STATUS = {"draft": "in-progress", "final": "completed"}


def _answer(item: Any, answer: int) -> dict[str, Any]:
    """An option item's answer is stored as the option's position: export it with its label."""
    if item.options:
        return {"valueCoding": {"code": str(answer), "display": item.options[answer].label}}
    return {"valueInteger": answer}


def questionnaire_response(entry: QuestionnaireResponse) -> list[Resource]:
    """The answers, and for a final response the total score as a survey Observation."""
    instrument = instruments.get_instrument(entry.instrument_id)
    questionnaire = f"urn:ketacare:instrument:{instrument.id}"
    answers = [
        {"linkId": item.label, "text": item.text, "answer": [_answer(item, int(answer))]}
        for item, answer in zip(instrument.items, entry.answers, strict=False)
        if answer is not None
    ]
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(entry.pk),
        "questionnaire": questionnaire,
        "status": _status(entry, RESPONSE_STATUS[entry.status]),
        "subject": _ref("Patient", str(entry.patient_id)),
        "authored": entry.answered_at.isoformat(),
    }
    if answers:
        response["item"] = answers
    out: list[Resource] = [FhirResponse.model_validate(response)]
    if entry.status == QuestionnaireResponse.Status.FINAL and entry.score_total is not None:
        code = (
            _concept(LOINC, instrument.loinc.total, f"{instrument.abbreviation} total score")
            if instrument.loinc.total
            else _text(f"{instrument.abbreviation} total score")
        )
        score: dict[str, Any] = {
            "resourceType": "Observation",
            "id": f"score-{entry.pk}",
            "status": _status(entry, "final"),
            "category": [_concept(OBSERVATION_CATEGORY, "survey", "Survey")],
            "code": code,
            "subject": _ref("Patient", str(entry.patient_id)),
            "effectiveDateTime": entry.answered_at.isoformat(),
            "valueInteger": entry.score_total,
            "derivedFrom": [_ref("QuestionnaireResponse", str(entry.pk))],
        }
        if entry.band_label:
            score["interpretation"] = [_text(entry.band_label)]
        out.append(Observation.model_validate(score))
    return out


def session_resources(session: DosingSession) -> list[Resource]:
    """A dosing session as an Encounter, its dose as a MedicationAdministration (once started), its
    vital signs as Observations and its side effects as AdverseEvents, all pointing at the Encounter."""
    encounter_id = f"session-{session.pk}"
    encounter_ref = _ref("Encounter", encounter_id)
    subject = _ref("Patient", str(session.patient_id))
    encounter: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": encounter_id,
        "status": ENCOUNTER_STATUS[session.status],
        "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "serviceType": _text("Ketamine dosing session"),
        "subject": subject,
    }
    if session.started_at:
        encounter["period"] = {"start": session.started_at.isoformat()}
        if session.ended_at:
            encounter["period"]["end"] = session.ended_at.isoformat()
    out: list[Resource] = [Encounter.model_validate(encounter)]
    if session.started_at:
        given: dict[str, Any] = {
            "resourceType": "MedicationAdministration",
            "id": f"dose-{session.pk}",
            "status": "completed" if session.ended_at else "in-progress",
            "medicationCodeableConcept": _text("ketamine (dose as base)"),
            "subject": subject,
            "context": encounter_ref,
            "effectivePeriod": dict(encounter["period"]),
            "dosage": {
                "route": _text(session.get_route_display()),
                "dose": {"value": float(session.dose_mg), "unit": "mg", "system": UCUM, "code": "mg"},
            },
        }
        if session.regimen:
            given["dosage"]["text"] = session.regimen
        out.append(MedicationAdministration.model_validate(given))
    for vital in session.vitals.order_by("measured_at", "pk"):
        out.extend(_vital_observations(vital, subject, encounter_ref))
    for effect in session.side_effects.order_by("occurred_at", "pk"):
        out.append(_adverse_event(effect, subject, encounter_ref))
    return out


def _vital(
    vital: VitalSign, kind: str, code: str, display: str, subject: dict[str, str], encounter: dict[str, str]
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"{kind}-{vital.pk}",
        "status": _status(vital, "final"),
        "category": [_concept(OBSERVATION_CATEGORY, "vital-signs", "Vital Signs")],
        "code": _concept(LOINC, code, display),
        "subject": subject,
        "encounter": encounter,
        "effectiveDateTime": vital.measured_at.isoformat(),
    }


def _quantity(value: int, unit: str, ucum: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": ucum}


def _vital_observations(
    vital: VitalSign, subject: dict[str, str], encounter: dict[str, str]
) -> list[Observation]:
    bp = _vital(vital, "bp", BP_PANEL_LOINC, "Blood pressure panel", subject, encounter)
    bp["component"] = [
        {
            "code": _concept(LOINC, SYSTOLIC_LOINC, "Systolic blood pressure"),
            "valueQuantity": _quantity(vital.systolic_mmhg, "mmHg", "mm[Hg]"),
        },
        {
            "code": _concept(LOINC, DIASTOLIC_LOINC, "Diastolic blood pressure"),
            "valueQuantity": _quantity(vital.diastolic_mmhg, "mmHg", "mm[Hg]"),
        },
    ]
    heart = _vital(vital, "hr", HEART_RATE_LOINC, "Heart rate", subject, encounter)
    heart["valueQuantity"] = _quantity(vital.heart_rate_per_min, "/min", "/min")
    oxygen = _vital(
        vital, "spo2", OXYGEN_SATURATION_LOINC, "Oxygen saturation in Arterial blood", subject, encounter
    )
    oxygen["code"]["coding"].append(
        {
            "system": LOINC,
            "code": PULSE_OXIMETRY_LOINC,
            "display": "Oxygen saturation in Arterial blood by Pulse oximetry",
        }
    )
    oxygen["valueQuantity"] = _quantity(vital.spo2_percent, "%", "%")
    rows = [bp, heart, oxygen]
    if vital.respiratory_rate_per_min is not None:
        breathing = _vital(vital, "rr", RESPIRATORY_RATE_LOINC, "Respiratory rate", subject, encounter)
        breathing["valueQuantity"] = _quantity(vital.respiratory_rate_per_min, "/min", "/min")
        rows.append(breathing)
    return [Observation.model_validate(row) for row in rows]


def _adverse_event(effect: SideEffect, subject: dict[str, str], encounter: dict[str, str]) -> AdverseEvent:
    # R4 AdverseEvent has no entered-in-error status, so an entry marked in error says so in its text.
    text = effect.get_kind_display() + (f": {effect.note}" if effect.note else "")
    if effect.entered_in_error:
        text += f" (entered in error: {effect.error_reason})"
    return AdverseEvent.model_validate(
        {
            "resourceType": "AdverseEvent",
            "id": f"side-effect-{effect.pk}",
            "actuality": "actual",
            "event": _text(text),
            "subject": subject,
            "encounter": encounter,
            "date": effect.occurred_at.isoformat(),
            "severity": _concept(ADVERSE_EVENT_SEVERITY, effect.severity),
        }
    )


# R4 MedicationRequest.status (hl7.org/fhir/R4/valueset-medicationrequest-status.html).
ORDER_STATUS = {"draft": "draft", "signed": "active", "discontinued": "stopped"}


def risk_assessment(screening: Screening) -> RiskAssessment:
    """An eligibility screening: the result in the note, each reason a prediction with its source."""
    return RiskAssessment.model_validate(
        {
            "resourceType": "RiskAssessment",
            "id": f"screening-{screening.pk}",
            "status": "final",
            "code": _text("Ketamine eligibility screening"),
            "subject": _ref("Patient", str(screening.patient_id)),
            "occurrenceDateTime": screening.run_at.isoformat(),
            "prediction": [
                {
                    "outcome": _text(reason["message"]),
                    "qualitativeRisk": _text(reason["class"]),
                    "rationale": reason["source"],
                }
                for reason in screening.reasons
            ]
            or None,
            "note": [{"text": f"Result: {screening.result}"}],
        }
    )


def plan_definition(protocol_id: str, title: str) -> PlanDefinition:
    """A protocol of the library (or a clinic's), with its citation."""
    data: dict[str, Any] = {
        "resourceType": "PlanDefinition",
        "id": protocol_id,
        "status": "active",
        "title": title,
    }
    if protocol_id in protocol_library.LIBRARY:
        p = protocol_library.LIBRARY[protocol_id]
        data["description"] = p.title
        data["relatedArtifact"] = [{"type": "citation", "citation": p.citation}]
    return PlanDefinition.model_validate(data)


def medication_request(order: Order) -> MedicationRequest:
    """A ketamine order: dose per session in mg of base, the regimen as written, the sessions."""
    dosage = (
        f"{order.dose_text} = {order.dose_mg} mg ketamine base per session "
        f"(weight {order.weight_kg} kg), {order.sessions} session(s)"
    )
    if order.interval_days:
        dosage += f" {order.interval_days} days apart"
    return MedicationRequest.model_validate(
        {
            "resourceType": "MedicationRequest",
            "id": f"order-{order.pk}",
            "status": ORDER_STATUS[order.status],
            "intent": "order",
            "medicationCodeableConcept": _text("ketamine (dose as base)"),
            "subject": _ref("Patient", str(order.patient_id)),
            "authoredOn": order.created_at.isoformat(),
            "instantiatesUri": [f"PlanDefinition/{order.protocol_id}"],
            "dosageInstruction": [
                {
                    "text": dosage,
                    "route": _text(order.get_route_display()),
                    "doseAndRate": [
                        {
                            "doseQuantity": {
                                "value": float(order.dose_mg),
                                "unit": "mg",
                                "system": UCUM,
                                "code": "mg",
                            }
                        }
                    ],
                }
            ],
        }
    )


# R4 CarePlan.status (hl7.org/fhir/R4/valueset-request-status.html): a discontinued plan is revoked.
CAREPLAN_STATUS = {
    "draft": "draft",
    "active": "active",
    "on_hold": "on-hold",
    "completed": "completed",
    "discontinued": "revoked",
}
# R4 CarePlan.activity.detail.status (hl7.org/fhir/R4/valueset-care-plan-activity-status.html).
ACTIVITY_STATUS = {
    "draft": "not-started",
    "active": "in-progress",
    "on_hold": "on-hold",
    "completed": "completed",
    "discontinued": "stopped",
}
MAT_STATUS = {"active": "active", "stopped": "stopped"}


def care_plan(plan: TreatmentPlan) -> CarePlan:
    """A treatment plan: goals (the patient's words) as notes, the ketamine course, therapy and MAT as
    activities; the protocol it follows as instantiatesUri."""
    detail_status = ACTIVITY_STATUS[plan.status]
    activities: list[dict[str, Any]] = []
    if plan.protocol_id:
        course = f"Ketamine course following {plan.protocol_id}"
        if plan.induction_sessions:
            course += f": {plan.induction_sessions} induction session(s)"
            if plan.induction_spacing_days:
                course += f", at least {plan.induction_spacing_days} day(s) apart"
        if plan.maintenance_instrument:
            course += (
                f"; a booster when {plan.maintenance_instrument} stays above the clinic's threshold for "
                f"{plan.maintenance_weeks} consecutive week(s)"
            )
        activities.append(
            {"detail": {"kind": "MedicationRequest", "status": detail_status, "description": course}}
        )
    for therapy in plan.therapies.filter(active=True):
        activities.append({"detail": {"status": detail_status, "description": str(therapy)}})
    for order in plan.mat_orders.order_by("id"):
        activities.append({"reference": _ref("MedicationRequest", f"mat-{order.pk}")})
    data: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": f"plan-{plan.pk}",
        "status": CAREPLAN_STATUS[plan.status],
        "intent": "plan",
        "title": plan.title,
        "subject": _ref("Patient", str(plan.patient_id)),
        "created": plan.created_at.isoformat(),
        "note": [{"text": f"Goal (patient's words): {g.text}"} for g in plan.goals.filter(active=True)]
        or None,
        "activity": activities or None,
    }
    if plan.protocol_id:
        data["instantiatesUri"] = [f"PlanDefinition/{plan.protocol_id}"]
    return CarePlan.model_validate(data)


def mat_request(order: MatOrder) -> MedicationRequest:
    """A MAT order: the drug, the current dose in mg and the schedule; the dose history in notes."""
    data: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": f"mat-{order.pk}",
        "status": MAT_STATUS[order.status],
        "intent": "order",
        "medicationCodeableConcept": _text(
            f"{order.get_drug_display()} ({order.get_form_display().lower()})"
        ),
        "subject": _ref("Patient", str(order.patient_id)),
        "authoredOn": order.created_at.isoformat(),
        "dosageInstruction": [
            {
                "text": f"{order.dose_mg} mg, {order.schedule}, from {order.start_on.isoformat()}",
                "doseAndRate": [
                    {
                        "doseQuantity": {
                            "value": float(order.dose_mg),
                            "unit": "mg",
                            "system": UCUM,
                            "code": "mg",
                        }
                    }
                ],
            }
        ],
        "note": [
            {"text": f"{c.dose_mg} mg from {c.effective_on.isoformat()}: {c.reason}"}
            for c in order.dose_changes.all()
        ]
        or None,
    }
    if order.plan_id:
        data["basedOn"] = [_ref("CarePlan", f"plan-{order.plan_id}")]
    return MedicationRequest.model_validate(data)


def therapy_procedure(session: TherapySession) -> Procedure:
    """A therapy, preparation or integration session; a missed one is not-done."""
    if session.entered_in_error:
        status = "entered-in-error"
    elif session.attendance == TherapySession.Attendance.MISSED:
        status = "not-done"
    else:
        status = "completed"
    data: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": f"therapy-{session.pk}",
        "status": status,
        "category": _text(session.get_kind_display()),
        "code": _text(session.get_modality_display()),
        "subject": _ref("Patient", str(session.patient_id)),
        "performedDateTime": session.occurred_at.isoformat(),
    }
    if status == "not-done":
        data["statusReason"] = _text("Missed by the patient")
    if session.plan_id:
        data["basedOn"] = [_ref("CarePlan", f"plan-{session.plan_id}")]
    notes = [n for n in (session.note, f"Homework: {session.homework}" if session.homework else "") if n]
    if session.duration_min:
        notes.append(f"Duration {session.duration_min} min")
    if notes:
        data["note"] = [{"text": n} for n in notes]
    return Procedure.model_validate(data)


def plan_resources(patient: Patient) -> list[Resource]:
    """Screenings, the protocols the orders follow, the orders; treatment plans, MAT orders and
    therapy sessions."""
    out: list[Resource] = [risk_assessment(s) for s in patient.screenings.order_by("run_at", "id")]
    orders = list(patient.ketamine_orders.order_by("created_at", "id"))
    seen: dict[str, str] = {}
    for order in orders:
        seen.setdefault(order.protocol_id, order.protocol_title)
    for plan in patient.treatment_plans.order_by("created_at", "id"):  # type: ignore[attr-defined]
        if plan.protocol_id:
            seen.setdefault(plan.protocol_id, plan.protocol_title or plan.protocol_id)
    out.extend(plan_definition(pid, title) for pid, title in seen.items())
    out.extend(medication_request(o) for o in orders)
    out.extend(care_plan(p) for p in patient.treatment_plans.order_by("created_at", "id"))  # type: ignore[attr-defined]
    out.extend(mat_request(o) for o in patient.mat_orders.prefetch_related("dose_changes").order_by("id"))  # type: ignore[attr-defined]
    out.extend(therapy_procedure(s) for s in patient.therapy_sessions.order_by("occurred_at", "id"))  # type: ignore[attr-defined]
    return out


# Appointment.status (R4 value set appointmentstatus): booked, fulfilled, noshow, cancelled.
APPOINTMENT_STATUS = {
    "booked": "booked",
    "attended": "fulfilled",
    "no-show": "noshow",
    "cancelled": "cancelled",
}


def appointment(entry: Appointment) -> FhirAppointment:
    """A calendar appointment: kind as text, the patient and the clinician as participants, the room
    or chair in the description; a cancellation carries its reason."""
    data: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": f"appointment-{entry.pk}",
        "status": APPOINTMENT_STATUS[entry.status],
        "appointmentType": _text(entry.get_kind_display()),
        "description": entry.get_kind_display() + (f", {entry.location}" if entry.location else ""),
        "start": entry.starts_at.isoformat(),
        "end": entry.ends_at.isoformat(),
        "created": entry.created_at.isoformat(),
        "participant": [
            {"actor": {**_ref("Patient", str(entry.patient_id))}, "status": "accepted"},
            {"actor": {"display": str(entry.clinician)}, "status": "accepted"},
        ],
    }
    if entry.status == Appointment.Status.CANCELLED:
        data["cancelationReason"] = _text(entry.status_reason)
    if entry.order_id:
        data["supportingInformation"] = [_ref("MedicationRequest", f"order-{entry.order_id}")]
    return FhirAppointment.model_validate(data)


def everything(patient: Patient, base_url: str) -> Bundle:
    """A collection Bundle of the patient's record: demographics, clinic, measurements, allergies,
    medications, substance use disorders, questionnaire responses (with their totals) and dosing
    sessions (with dose, vital signs and side effects)."""
    resources: list[Resource] = [patient_resource(patient), organization(patient.clinic)]
    groups: Iterable[Iterable[Resource]] = (
        (obs for m in patient.measurements.order_by("measured_at", "id") for obs in body_observations(m)),
        (allergy(a) for a in patient.allergies.order_by("id")),
        (medication(m) for m in patient.medications.order_by("id")),
        (condition(c) for c in patient.substance_use_disorders.order_by("id")),
        (r for q in patient.responses.order_by("answered_at", "id") for r in questionnaire_response(q)),
        (r for s in patient.dosing_sessions.order_by("created_at", "id") for r in session_resources(s)),
        plan_resources(patient),
        (
            appointment(a)
            for a in patient.appointments.select_related("clinician").order_by("starts_at", "id")
        ),
    )
    for group in groups:
        resources.extend(group)
    base = base_url.rstrip("/")
    entries = [
        {
            "fullUrl": f"{base}/{r.get_resource_type()}/{r.id}",
            "resource": r.model_dump(mode="json", exclude_none=True),
        }
        for r in resources
    ]
    return Bundle.model_validate({"resourceType": "Bundle", "type": "collection", "entry": entries})
