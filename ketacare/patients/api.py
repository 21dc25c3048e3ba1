"""/api/v1/patients: list, read, create, update (never delete), and weight history."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.models import Clinic
from ketacare.accounts.roles import Action
from ketacare.accounts.selectors import clinics_where
from ketacare.api_errors import ERROR_RESPONSES
from ketacare.api_input import SearchText, StrictSchema
from ketacare.api_paging import Pagination
from ketacare.patients import selectors, services
from ketacare.patients.models import Patient
from ketacare.rules.record_limits import HEIGHT_CM_MAX, HEIGHT_CM_MIN, WEIGHT_KG_MAX, WEIGHT_KG_MIN
from ketacare.text_input import ADDRESS_MAX_LENGTH

router = Router(tags=["patients"])

WeightKg = Annotated[Decimal, Field(ge=WEIGHT_KG_MIN, le=WEIGHT_KG_MAX, max_digits=5, decimal_places=1)]
HeightCm = Annotated[Decimal, Field(ge=HEIGHT_CM_MIN, le=HEIGHT_CM_MAX, max_digits=4, decimal_places=1)]
SexAtBirth = Annotated[str, Field(pattern="^(female|male|intersex|unknown)$")]


class PatientOut(Schema):
    id: int
    clinic: str = Field(..., alias="clinic.slug")
    medical_record_number: str
    given_name: str
    family_name: str
    date_of_birth: dt.date
    sex_at_birth: str
    gender: str
    phone: str
    email: str
    address: str
    emergency_contact: str
    latest_weight_kg: Decimal | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


class PatientIn(StrictSchema):
    clinic: str | None = Field(None, description="Clinic slug; needed only when you work in several clinics.")
    medical_record_number: str = Field(..., min_length=1, max_length=32)
    given_name: str = Field(..., min_length=1, max_length=100)
    family_name: str = Field(..., min_length=1, max_length=100)
    date_of_birth: dt.date
    sex_at_birth: SexAtBirth
    gender: str = Field("", max_length=60)
    phone: str = Field("", max_length=32)
    email: str = Field("", max_length=254)
    address: str = Field("", max_length=ADDRESS_MAX_LENGTH)
    emergency_contact: str = Field("", max_length=200)
    weight_kg: WeightKg | None = None
    height_cm: HeightCm | None = None


class PatientPatch(StrictSchema):
    medical_record_number: str | None = Field(None, min_length=1, max_length=32)
    given_name: str | None = Field(None, min_length=1, max_length=100)
    family_name: str | None = Field(None, min_length=1, max_length=100)
    date_of_birth: dt.date | None = None
    sex_at_birth: SexAtBirth | None = None
    gender: str | None = Field(None, max_length=60)
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    address: str | None = Field(None, max_length=ADDRESS_MAX_LENGTH)
    emergency_contact: str | None = Field(None, max_length=200)


class MeasurementIn(StrictSchema):
    weight_kg: WeightKg
    height_cm: HeightCm | None = None
    measured_at: dt.datetime | None = None
    confirmed: bool = Field(
        False,
        description="Set after a 400 asking 'is this right?' when the weight jumped past the clinic's limit.",
    )


class MeasurementOut(Schema):
    id: int
    weight_kg: Decimal
    height_cm: Decimal | None
    measured_at: dt.datetime
    recorded_at: dt.datetime
    recorded_by: str = Field(..., alias="recorded_by.username")
    entered_in_error: bool
    error_reason: str


def _out(patient: Patient) -> Patient:
    latest = selectors.latest_measurement(patient)
    patient.latest_weight_kg = latest.weight_kg if latest else None  # type: ignore[attr-defined]
    return patient


@router.get("", response={200: list[PatientOut], **ERROR_RESPONSES}, summary="List and search patients")
@paginate(Pagination)
def list_patients(request: AuthedRequest, q: SearchText = ""):  # type: ignore[no-untyped-def]
    """Words in `q` match name, record number or date of birth (YYYY-MM-DD)."""
    return selectors.with_latest_weight(selectors.search_patients(request.user, q, audit=True))


@router.get("/{patient_id}", response={200: PatientOut, **ERROR_RESPONSES}, summary="Read one patient")
def read_patient(request: AuthedRequest, patient_id: int) -> Patient:
    return _out(selectors.get_patient_for(request.user, patient_id))


def _clinic_for_registration(request: AuthedRequest, slug: str | None) -> Clinic:
    clinics = clinics_where(request.user, Action.CREATE_PATIENT)
    if slug:
        clinic = clinics.filter(slug=slug).first()
        if clinic is None:
            raise PermissionDenied(f"You may not register patients in clinic '{slug}'.")
        return clinic
    candidates = list(clinics[:2])
    if not candidates:
        raise PermissionDenied("Your role may not register patients.")
    if len(candidates) > 1:
        raise ValidationError({"clinic": "You work in several clinics: say which one (its slug)."})
    return candidates[0]


@router.post("", response={201: PatientOut, **ERROR_RESPONSES}, summary="Register a patient")
def create_patient(request: AuthedRequest, payload: PatientIn) -> Status:
    data = payload.dict()
    clinic = _clinic_for_registration(request, data.pop("clinic"))
    patient = services.register_patient(by=request.user, clinic=clinic, **data)
    return Status(201, _out(patient))


@router.patch("/{patient_id}", response={200: PatientOut, **ERROR_RESPONSES}, summary="Correct demographics")
def update_patient(request: AuthedRequest, patient_id: int, payload: PatientPatch) -> Patient:
    patient = selectors.get_patient_for(request.user, patient_id, Action.EDIT_DEMOGRAPHICS)
    services.update_demographics(by=request.user, patient=patient, **payload.dict(exclude_unset=True))
    return _out(patient)


@router.get(
    "/{patient_id}/measurements",
    response={200: list[MeasurementOut], **ERROR_RESPONSES},
    summary="Weight and height history, newest first",
)
@paginate(Pagination)
def list_measurements(request: AuthedRequest, patient_id: int) -> Any:
    patient = selectors.get_patient_for(request.user, patient_id)
    return list(patient.measurements.select_related("recorded_by").order_by("-measured_at", "-id"))


@router.post(
    "/{patient_id}/measurements",
    response={201: MeasurementOut, **ERROR_RESPONSES},
    summary="Record a weight (and height)",
)
def record_measurement(request: AuthedRequest, patient_id: int, payload: MeasurementIn) -> Status:
    patient = selectors.get_patient_for(request.user, patient_id, Action.EDIT_CLINICAL)
    measurement = services.record_body_measurement(by=request.user, patient=patient, **payload.dict())
    return Status(201, measurement)
