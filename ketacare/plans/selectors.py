"""Reads of screenings, orders and protocols, scoped to the user; audited.

Access to a patient's screening and orders goes through patients.selectors.get_patient_for (other
clinic 404, wrong role 403, both audited); an order by id through get_order_for, which does the same.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from ketacare.accounts.models import User
from ketacare.accounts.roles import Action
from ketacare.audit.actions import AuditAction
from ketacare.audit.models import AuditEvent
from ketacare.audit.services import record_event
from ketacare.patients.models import Patient
from ketacare.patients.selectors import get_patient_for
from ketacare.plans.models import ClinicProtocol, Order, Screening


def latest_screening(patient: Patient) -> Screening | None:
    return patient.screenings.select_related("run_by").order_by("-run_at", "-id").first()


def orders_of(patient: Patient) -> QuerySet[Order]:
    return (
        Order.objects.filter(patient=patient)
        .select_related("created_by", "signed_by")
        .order_by("-created_at", "-id")
    )


def signed_orders_of(patient: Patient) -> QuerySet[Order]:
    return orders_of(patient).filter(status=Order.Status.SIGNED)


def session_initial(order: Order) -> dict[str, Any]:
    """The session form's fields, filled from a signed order."""
    return {
        "order": order.pk,
        "route": order.route,
        "dose_mg": order.dose_mg,
        "duration_min": order.duration_min,
        "regimen": f"{order.protocol_id}: {order.dose_text} ({order.dose_mg} mg base)"[:300],
    }


def get_order_for(user: User, order_id: int, action: Action = Action.VIEW_PATIENT) -> Order:
    order = Order.objects.select_related("patient__clinic").filter(pk=order_id).first()
    if order is None:
        record_event(
            actor=user,
            action=action,
            entity_type="plans.order",
            entity_id=str(order_id),
            outcome=AuditEvent.Outcome.NOT_FOUND,
        )
        raise Http404("No such order.")
    order.patient = get_patient_for(user, order.patient_id, action)
    if action != Action.VIEW_PATIENT:
        record_event(
            actor=user,
            action=AuditAction.READ,
            entity=order,
            clinic=order.patient.clinic,
            patient_id=order.patient_id,
        )
    return order


def clinic_protocols_for(user: User) -> QuerySet[ClinicProtocol]:
    from ketacare.accounts.selectors import clinics_where

    return ClinicProtocol.objects.filter(clinic__in=clinics_where(user, Action.VIEW_PATIENT), active=True)
