"""/api/v1/appointments: book, list (each answered with its conflicts now), cancel, record a no-show.

Access as on the pages: nurses and prescribers book any kind, therapists therapy and integration;
every staff role that sees patients reads its clinic's calendar; a patient reads their own; another
clinic's patient answers 404. A conflict answers 400 naming it (field `confirm_reason`) unless the body
carries `confirm_reason`; a room or chair clash answers 400 whatever the reason.
"""

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.models import User
from ketacare.accounts.roles import Action
from ketacare.accounts.selectors import clinics_where
from ketacare.api_errors import ERROR_RESPONSES
from ketacare.api_input import ALLOW_FUTURE, BoundedDate, StrictSchema
from ketacare.api_paging import Lazy, Pagination
from ketacare.patients.models import Patient
from ketacare.patients.selectors import get_patient_for
from ketacare.plans import calendar_selectors as selectors
from ketacare.plans import calendar_services as services
from ketacare.plans.models import Appointment, Order

router = Router(tags=["appointments"])

Kind = Annotated[str, Field(pattern="^(" + "|".join(Appointment.Kind.values) + ")$")]
Planned = Annotated[dt.datetime, ALLOW_FUTURE]


class AppointmentIn(StrictSchema):
    patient_id: int
    clinician_id: int
    kind: Kind
    starts_at: Planned
    ends_at: Planned
    location: Annotated[str, Field(max_length=60, description="Room or chair")] = ""
    order_id: int | None = Field(None, description="The signed order of a ketamine session (default: latest)")
    note: Annotated[str, Field(max_length=300)] = ""
    confirm_reason: Annotated[str, Field(max_length=1000)] = ""


class CancelIn(StrictSchema):
    reason: Annotated[str, Field(min_length=1, max_length=300)]


class NoShowIn(StrictSchema):
    note: Annotated[str, Field(max_length=300)] = ""


class AppointmentFilter(StrictSchema):
    patient_id: int | None = None
    clinician_id: int | None = None
    date_from: BoundedDate | None = Field(None, description="First day (inclusive)")
    date_to: BoundedDate | None = Field(None, description="Last day (inclusive)")
    kind: Kind | None = None
    status: Annotated[str, Field(pattern="^(booked|attended|no-show|cancelled)$")] | None = None


class ConflictOut(Schema):
    code: str
    message: str
    refuses: bool


class AppointmentOut(Schema):
    id: int
    patient_id: int
    clinician_id: int
    clinician: str
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    location: str
    order_id: int | None
    note: str
    status: str
    status_reason: str
    confirmed_conflicts: list[str]
    confirm_reason: str
    dosing_session_id: int | None
    conflicts: list[ConflictOut]


def _out(appointment: Appointment) -> dict[str, Any]:
    return {
        "id": appointment.pk,
        "patient_id": appointment.patient_id,
        "clinician_id": appointment.clinician_id,
        "clinician": str(appointment.clinician),
        "kind": appointment.kind,
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "location": appointment.location,
        "order_id": appointment.order_id,
        "note": appointment.note,
        "status": appointment.status,
        "status_reason": appointment.status_reason,
        "confirmed_conflicts": appointment.confirmed_conflicts,
        "confirm_reason": appointment.confirm_reason,
        "dosing_session_id": appointment.dosing_session_id,
        "conflicts": [c.as_dict() for c in selectors.conflicts_for(appointment)],
    }


def _clinician(patient: Patient, clinician_id: int) -> User:
    clinician = selectors.clinicians_of(patient.clinic).filter(pk=clinician_id).first()
    if clinician is None:
        raise ValidationError({"clinician_id": "No such clinician in the patient's clinic."})
    return clinician


@router.get(
    "",
    response={200: list[AppointmentOut], **ERROR_RESPONSES},
    summary="Appointments (a patient's, a clinician's, or the clinic's), each with its conflicts now",
)
@paginate(Pagination)
def list_appointments(request: AuthedRequest, filters: Query[AppointmentFilter]) -> Any:
    user = request.user
    if filters.patient_id is not None:
        patient = get_patient_for(user, filters.patient_id)
        qs = selectors.appointments_of(patient)
    else:
        patient = None
        if not clinics_where(user, Action.VIEW_PATIENT).exists():
            # A portal user reads their own appointments.
            own = Patient.objects.filter(portal_user=user).first()
            if own is None:
                raise Http404("No appointments.")
            patient = get_patient_for(user, own.pk)
            qs = selectors.appointments_of(patient)
        else:
            qs = selectors.visible_to(user)
    if filters.clinician_id is not None:
        qs = qs.filter(clinician_id=filters.clinician_id)
    if filters.kind is not None:
        qs = qs.filter(kind=filters.kind)
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    if filters.date_from is not None:
        qs = qs.filter(starts_at__date__gte=filters.date_from)
    if filters.date_to is not None:
        qs = qs.filter(starts_at__date__lte=filters.date_to)
    if patient is None:
        selectors.audit_read(user, None, page="api-appointments")
    return Lazy(qs.order_by("starts_at", "id"), _out)


@router.post("", response={201: AppointmentOut, **ERROR_RESPONSES}, summary="Book an appointment")
def book(request: AuthedRequest, payload: AppointmentIn) -> Status:
    data = payload.dict()
    patient = get_patient_for(request.user, data.pop("patient_id"), Action.BOOK_APPOINTMENT)
    clinician = _clinician(patient, data.pop("clinician_id"))
    order_id = data.pop("order_id")
    order = None
    if order_id is not None:
        order = Order.objects.filter(pk=order_id, patient=patient).first()
        if order is None:
            raise ValidationError({"order_id": "No such order for this patient."})
    appointment = services.book(by=request.user, patient=patient, clinician=clinician, order=order, **data)
    return Status(201, _out(appointment))


@router.get("/{appointment_id}", response={200: AppointmentOut, **ERROR_RESPONSES}, summary="One appointment")
def read(request: AuthedRequest, appointment_id: int) -> dict[str, Any]:
    return _out(selectors.get_appointment_for(request.user, appointment_id))


@router.post(
    "/{appointment_id}/cancel",
    response={200: AppointmentOut, **ERROR_RESPONSES},
    summary="Cancel an appointment with the reason (it stays, cancelled)",
)
def cancel(request: AuthedRequest, appointment_id: int, payload: CancelIn) -> dict[str, Any]:
    appointment = selectors.get_appointment_for(request.user, appointment_id, Action.BOOK_APPOINTMENT)
    return _out(services.cancel(by=request.user, appointment=appointment, reason=payload.reason))


@router.post(
    "/{appointment_id}/no-show",
    response={200: AppointmentOut, **ERROR_RESPONSES},
    summary="Record that the patient did not attend",
)
def no_show(request: AuthedRequest, appointment_id: int, payload: NoShowIn) -> dict[str, Any]:
    appointment = selectors.get_appointment_for(request.user, appointment_id, Action.BOOK_APPOINTMENT)
    return _out(services.record_no_show(by=request.user, appointment=appointment, note=payload.note))


@router.post(
    "/{appointment_id}/attended",
    response={200: AppointmentOut, **ERROR_RESPONSES},
    summary="Record that the patient attended (a ketamine session: open it from the day board)",
)
def attended(request: AuthedRequest, appointment_id: int) -> dict[str, Any]:
    appointment = selectors.get_appointment_for(request.user, appointment_id, Action.BOOK_APPOINTMENT)
    return _out(services.record_attended(by=request.user, appointment=appointment))
