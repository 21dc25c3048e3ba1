"""Ledger fixtures, built with the real services: a safe and a cart, a 50 mg/mL 10 mL vial product,
one lot with ten vials received into the safe, and a started dosing session."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from ketacare.ledger import services
from ketacare.plans.testing import signed_order

VIAL_MG = Decimal("500")


@pytest.fixture
def safe(clinic: Any, clinic_admin: Any) -> Any:
    return services.create_location(by=clinic_admin, clinic=clinic, name="Main safe", kind="safe")


@pytest.fixture
def cart(clinic: Any, clinic_admin: Any, safe: Any) -> Any:
    return services.create_location(by=clinic_admin, clinic=clinic, name="Infusion cart", kind="cart")


@pytest.fixture
def product(clinic: Any, clinic_admin: Any) -> Any:
    return services.create_product(
        by=clinic_admin,
        clinic=clinic,
        name="Ketamine HCl injection",
        strength_mg_per_ml=Decimal("50"),
        strength_basis="base",
        container_ml=Decimal("10"),
    )


@pytest.fixture
def lot(product: Any, clinic_admin: Any) -> Any:
    return services.create_lot(
        by=clinic_admin,
        product=product,
        lot_number="K123",
        expires_on=dt.date.today() + dt.timedelta(days=365),
    )


def receive(by: Any, lot: Any, location: Any, mg: Decimal = VIAL_MG * 10) -> Any:
    return services.record_entry(
        by=by,
        kind="receipt",
        lot=lot,
        location=location,
        quantity_mg=mg,
        receipt=services.Receipt(
            supplier_name="Acme Pharma Distribution",
            supplier_registration_number="RA1234563",
            invoice_number="INV-1",
            received_on=dt.date.today(),
        ),
    )


@pytest.fixture
def stocked(lot: Any, safe: Any, clinic_admin: Any) -> Any:
    receive(clinic_admin, lot, safe)
    return lot


@pytest.fixture
def session(patient: Any, prescriber: Any, nurse: Any) -> Any:
    from ketacare.dosing import services as dosing

    planned = dosing.plan_session(
        by=prescriber,
        patient=patient,
        route="iv-infusion",
        dose_mg=Decimal("32.25"),
        duration_min=Decimal(40),
        order=signed_order(patient, route="iv-infusion", dose_mg=Decimal("32.25")),
    )
    return dosing.start_session(
        by=nurse,
        session=planned,
        consent_confirmed=True,
        fasting_confirmed=True,
        escort_confirmed=True,
        identity_identifiers=["full_name", "date_of_birth"],
    )
