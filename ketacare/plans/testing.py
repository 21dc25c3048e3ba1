"""A signed order for tests of other apps that plan sessions (a session needs one since issue 10).

Built through the real services: a prescriber of the patient's clinic (created with valid
credentials when the clinic has none), a clinic protocol for the route, an order in mg, signed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from ketacare.accounts import selectors as account_selectors
from ketacare.accounts import services as accounts
from ketacare.accounts.models import Credential, Membership, User
from ketacare.accounts.roles import Role
from ketacare.patients.models import Patient
from ketacare.plans import services
from ketacare.plans.models import ClinicProtocol, Order
from ketacare.rules import eligibility


def order_prescriber(patient: Patient) -> User:
    membership = (
        Membership.objects.filter(clinic=patient.clinic, role=Role.PRESCRIBER, active=True)
        .select_related("user")
        .first()
    )
    if membership is not None and account_selectors.may_administer_ketamine(membership.user, patient.clinic):
        return membership.user
    user = accounts.create_user(username=f"orders-{patient.clinic.slug}", password="correct horse battery")
    accounts.add_membership(user=user, clinic=patient.clinic, role=Role.PRESCRIBER)
    future = timezone.localdate() + dt.timedelta(days=365)
    accounts.record_credential(
        user=user,
        kind=Credential.Kind.LICENCE,
        licence_type=Credential.LicenceType.PHYSICIAN,
        number="L-orders",
        jurisdiction="Test State",
        expires_on=future,
    )
    accounts.record_credential(user=user, kind=patient.clinic.administering_requires, expires_on=future)
    return user


def signed_order(
    patient: Patient, route: str = "iv-infusion", dose_mg: Decimal | float | str = "32.25", sessions: int = 20
) -> Order:
    by = order_prescriber(patient)
    name = f"Test regimen ({route})"
    protocol = ClinicProtocol.objects.filter(clinic=patient.clinic, name=name).first()
    if protocol is None:
        protocol = services.add_clinic_protocol(
            by=by,
            clinic=patient.clinic,
            name=name,
            route=route,
            mg_per_kg_min=Decimal("0.001"),
            mg_per_kg_max=Decimal("20"),
            sessions=52,
            min_spacing_days=1,
        )
    # A prescriber has reviewed any relative reason (a stimulant disorder, say): other apps' tests are
    # about their own subject, not about screening, which has its own tests.
    screening = services.run_screening(by=by, patient=patient)
    for reason in screening.reasons:
        if reason["class"] == eligibility.RELATIVE:
            services.override_reason(
                by=by, screening=screening, code=reason["code"], justification="Reviewed for this test."
            )
    order = services.create_order(
        by=by,
        patient=patient,
        protocol=protocol.library_id,
        route=route,
        dose=f"{Decimal(str(dose_mg))}mg",
        duration_min=Decimal("40") if route == "iv-infusion" else None,
        sessions=sessions,
        interval_days=1 if sessions > 1 else None,
    )
    return services.sign_order(by=by, order=order)
