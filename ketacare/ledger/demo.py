"""The demo clinic's ledger, consistent with its dosing sessions, the same on every run.

Riverside keeps ketamine 10 mg/mL (base) in 20 mL vials in its safe. It took an initial inventory
(nothing on hand) and received two lots before the first session; every demo session drew its dose
rounded up to the next 10 mg, gave the session's delivered dose and wasted the rest with the
prescriber as witness. Today's session day draws from it too (build_today, after dosing's), and the
count of the safe then finds one lot 10 mg short, which is left open as a flagged discrepancy for the
clinic administrator. Synthetic: invented supplier, numbers and lots.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, Decimal
from typing import Any

from ketacare.accounts.models import Clinic, User
from ketacare.dosing.models import DosingSession
from ketacare.ledger import selectors, services
from ketacare.ledger.models import Lot, StorageLocation
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
        DosingSession.objects.filter(
            patient__clinic=clinic, started_at__isnull=False, signed_at__isnull=False
        )
        .select_related("patient")
        .order_by("started_at", "id")
    )
    for session in sessions:
        assert session.started_at is not None
        delivered, _, _, _ = selectors.delivered_dose(session)
        needed = max(session.dose_mg, delivered or Decimal(0))
        drawn = (needed / DRAW_STEP_MG).to_integral_value(ROUND_CEILING) * DRAW_STEP_MG
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


def build_today(*, staff: dict[str, User], clinic: Clinic, now: dt.datetime) -> None:
    """Today's session day (ketacare.dosing.demo.build_today) draws from the ledger like a real one:
    each started session drew its dose rounded up to the next 10 mg ten minutes before its start;
    a session whose infusion is over (its delivered dose known and its planned duration past, or
    ended) has its administration (exactly the delivered dose) and the waste of the rest recorded;
    one still infusing holds its draw open, as a session in progress may. Then the count of the
    safe, which finds one lot 10 mg short (an open discrepancy)."""
    nurse, prescriber = staff["nurse"], staff["prescriber"]
    safe = StorageLocation.objects.get(clinic=clinic, kind="safe")
    lots = list(Lot.objects.filter(product__clinic=clinic).order_by("expires_on", "id"))
    sessions = (
        DosingSession.objects.filter(patient__clinic=clinic, started_at__isnull=False, signed_at__isnull=True)
        .select_related("patient")
        .order_by("started_at", "id")
    )
    for session in sessions:
        assert session.started_at is not None
        account = selectors.session_account(session)
        if account.has_entries:
            continue
        needed = max(session.dose_mg, account.delivered_mg or Decimal(0))
        drawn = (needed / DRAW_STEP_MG).to_integral_value(ROUND_CEILING) * DRAW_STEP_MG
        lot = _first_with(lots, safe, drawn)
        common: dict[str, Any] = {"by": nurse, "lot": lot, "session": session}
        services.record_entry(
            kind="draw",
            quantity_mg=drawn,
            location=safe,
            occurred_at=session.started_at - dt.timedelta(minutes=10),
            **common,
        )
        infusion_over = session.started_at + dt.timedelta(minutes=float(session.duration_min or 0))
        over = session.ended_at is not None or (
            account.delivered_from == selectors.DELIVERED_FROM_DOSE and infusion_over <= now
        )
        if not (account.delivered_final and over) or account.delivered_mg is None:
            continue
        given = selectors.label_mg(account.delivered_mg, lot.product)
        at = min(infusion_over + dt.timedelta(minutes=5), now)
        services.record_entry(kind="administration", quantity_mg=given, occurred_at=at, **common)
        if drawn > given:
            services.record_entry(
                kind="waste",
                quantity_mg=drawn - given,
                witness=prescriber,
                witness_password=_demo_password(),
                occurred_at=at,
                **common,
            )
    counted = {lot: selectors.balance_mg(lot, safe) for lot in lots if selectors.balance_mg(lot, safe)}
    counted[lots[0]] = counted.get(lots[0], Decimal("10")) - Decimal("10")
    services.record_count(
        by=nurse,
        location=safe,
        kind="scheduled",
        counted_mg=counted,
        counted_at=now - dt.timedelta(minutes=5),
    )


def _demo_password() -> str:
    from ketacare.accounts.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


def _first_with(lots: list[Lot], safe: object, mg: Decimal) -> Lot:
    """The earliest-expiring lot that still holds enough."""
    for lot in lots:
        if selectors.balance_mg(lot, safe) >= mg:  # type: ignore[arg-type]
            return lot
    raise RuntimeError("The demo ran out of stock; receive more.")
