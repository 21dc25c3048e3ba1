"""The demo clinic's ledger, consistent with its dosing sessions, the same on every run.

Riverside keeps ketamine 10 mg/mL (base) in 20 mL vials in its safe. It took an initial inventory
(nothing on hand) and received two lots before the first session; every demo session drew its dose
rounded up to the next 10 mg, gave the session's recorded dose and wasted the rest with the
prescriber as witness. Today's count of the safe found one lot 10 mg short, which is left open as a
flagged discrepancy for the clinic administrator. Synthetic: invented supplier, numbers and lots.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, Decimal

from django.utils import timezone

from ketacare.accounts.models import Clinic, User
from ketacare.dosing.models import DosingSession
from ketacare.ledger import selectors, services
from ketacare.ledger.models import Lot
from ketacare.outcomes.demo import DAYS

DRAW_STEP_MG = Decimal("10")  # what one 1 mL mark of a 10 mg/mL syringe holds


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=dt.UTC)


def build(*, staff: dict[str, User], clinic: Clinic, today: dt.date) -> None:
    admin, nurse, prescriber = staff["clinicadmin"], staff["nurse"], staff["prescriber"]
    start = today - dt.timedelta(days=DAYS)
    services.update_settings(
        by=admin,
        clinic=clinic,
        registration_number="BR1234563",
        count_frequency="daily",
        waste_requires_witness=True,
    )
    safe = services.create_location(by=admin, clinic=clinic, name="Main safe", kind="safe")
    services.create_location(by=admin, clinic=clinic, name="Infusion cart", kind="cart")
    product = services.create_product(
        by=admin,
        clinic=clinic,
        name="Ketamine injection",
        strength_mg_per_ml=Decimal("10"),
        strength_basis="base",
        container_ml=Decimal("20"),
    )
    services.record_count(
        by=nurse,
        location=safe,
        kind="initial",
        counted_mg={},
        counted_at=_at(start, 7) - dt.timedelta(days=8),
    )
    lots = [
        services.create_lot(
            by=admin, product=product, lot_number="DEMO-K24A", expires_on=today + dt.timedelta(days=30)
        ),
        services.create_lot(
            by=admin, product=product, lot_number="DEMO-K25B", expires_on=today + dt.timedelta(days=540)
        ),
    ]
    for index, (lot, vials) in enumerate(zip(lots, (10, 25), strict=True)):
        received_on = start - dt.timedelta(days=7 - index)
        services.record_entry(
            by=admin,
            kind="receipt",
            lot=lot,
            location=safe,
            quantity_mg=product.container_mg * vials,
            occurred_at=_at(received_on, 10),
            receipt=services.Receipt(
                supplier_name="Demo Pharmaceutical Distribution",
                supplier_address="1 Example Way, Demo City",
                supplier_registration_number="RD7654321",
                invoice_number=f"DEMO-INV-{1001 + index}",
                received_on=received_on,
            ),
        )
    sessions = (
        DosingSession.objects.filter(patient__clinic=clinic, started_at__isnull=False)
        .select_related("patient")
        .order_by("started_at", "id")
    )
    for session in sessions:
        assert session.started_at is not None
        drawn = (session.dose_mg / DRAW_STEP_MG).to_integral_value(ROUND_CEILING) * DRAW_STEP_MG
        lot = _first_with(lots, safe, drawn)
        services.record_session_use(
            by=nurse,
            session=session,
            lot=lot,
            drawn_mg=drawn,
            location=safe,
            witness=prescriber,
            drawn_at=session.started_at - dt.timedelta(minutes=10),
            administered_at=session.started_at + dt.timedelta(minutes=45),
        )
    counted = {lot: selectors.balance_mg(lot, safe) for lot in lots if selectors.balance_mg(lot, safe)}
    counted[lots[0]] = counted.get(lots[0], Decimal("10")) - Decimal("10")
    services.record_count(
        by=nurse,
        location=safe,
        kind="scheduled",
        counted_mg=counted,
        counted_at=timezone.now() - dt.timedelta(hours=1),
    )


def _first_with(lots: list[Lot], safe: object, mg: Decimal) -> Lot:
    """The earliest-expiring lot that still holds enough."""
    for lot in lots:
        if selectors.balance_mg(lot, safe) >= mg:  # type: ignore[arg-type]
            return lot
    raise RuntimeError("The demo ran out of stock; receive more.")
