"""The ledger in a real Chromium against a live server: receive a box of vials, draw for a session,
administer, waste the remainder with a witness who types their password, count the safe.
The fixture fails the test on any console error, CSP violations included."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from conftest import make_staff
from ketacare.plans.testing import signed_order

pytestmark = pytest.mark.browser


def _log_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


def _log_out(page: Any) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/**")


def test_receive_draw_administer_waste_with_a_witness_and_count_the_safe(browser_page: Any) -> None:
    from ketacare.accounts.models import Clinic
    from ketacare.dosing import services as dosing
    from ketacare.ledger import selectors, services
    from ketacare.ledger.models import Lot
    from ketacare.patients import services as patients

    page = browser_page
    clinic = Clinic.objects.create(name="Riverside Recovery Clinic", slug="riverside")
    nurse = make_staff("nurse", clinic, "nurse", licence="registered_nurse", acls=True)
    prescriber = make_staff("prescriber", clinic, "prescriber", licence="physician", acls=True)
    admin = make_staff("clinicadmin", clinic, "clinic_admin")
    safe = services.create_location(by=admin, clinic=clinic, name="Main safe", kind="safe")
    product = services.create_product(
        by=admin,
        clinic=clinic,
        name="Ketamine injection",
        strength_mg_per_ml=Decimal("10"),
        strength_basis="base",
        container_ml=Decimal("20"),
    )
    lot = services.create_lot(
        by=admin, product=product, lot_number="BOX-1", expires_on=dt.date.today() + dt.timedelta(days=300)
    )
    patient = patients.register_patient(
        by=nurse,
        clinic=clinic,
        medical_record_number="RI-7001",
        given_name="Noor",
        family_name="Haddad",
        date_of_birth=dt.date(1984, 3, 2),
        sex_at_birth="female",
        weight_kg=Decimal("80.0"),
    )
    session = dosing.plan_session(
        by=prescriber,
        patient=patient,
        route="iv-infusion",
        dose_mg=Decimal("40"),
        order=signed_order(patient, route="iv-infusion", dose_mg=Decimal("40")),
    )
    began = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=60)
    session = dosing.start_session(
        by=nurse,
        session=session,
        consent_confirmed=True,
        fasting_confirmed=True,
        escort_confirmed=True,
        started_at=began,
        identity_identifiers=["full_name", "date_of_birth"],
    )
    # The infusion as given: 10 mg/mL base at 6 mL/h for 40 minutes delivers 40 mg.
    session = dosing.prepare_dose(
        by=nurse,
        session=session,
        concentration_mg_per_ml=Decimal("10"),
        concentration_as="base",
        lot_number="BOX-1",
        lot_expiry=lot.expires_on,
    )
    dosing.record_infusion_event(by=nurse, session=session, kind="start", rate_ml_h=Decimal("6"), at=began)
    dosing.record_infusion_event(by=nurse, session=session, kind="stop", at=began + dt.timedelta(minutes=40))

    # The clinic administrator receives a box of ten vials.
    _log_in(page, "clinicadmin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Ledger").click()
    page.get_by_role("link", name="Receive stock").click()
    page.locator("#id_lot").select_option(str(lot.pk))
    page.get_by_label("Received into").select_option(str(safe.pk))
    page.get_by_label("Number of containers (vials)").fill("10")
    page.locator("#id_supplier_name").fill("Acme Pharma Distribution")
    page.get_by_label("Supplier's DEA number").fill("RA1234563")
    page.get_by_label("Invoice or packing-slip number").fill("INV-77")
    page.get_by_label("Date actually received").fill(dt.date.today().isoformat())
    page.get_by_role("button", name="Record the receipt").click()
    page.wait_for_url("**/ledger/")
    assert page.get_by_test_id(f"balance-BOX-1-{safe.pk}").inner_text() == "2000"
    _log_out(page)

    # The nurse opens the session: its ledger panel says what the pump delivered and that nothing is
    # drawn yet. She draws 50 mg, records the administration the panel proposes (exactly the delivered
    # 40 mg) and wastes the remaining 10 mg with the prescriber watching, who types their password.
    _log_in(page, "nurse")
    page.goto(f"/dosing/sessions/{session.pk}/")
    panel = page.get_by_test_id("ledger-panel")
    assert panel.get_by_test_id("ledger-delivered").inner_text() == "40 mg (from the infusion events)"
    assert "Nothing was drawn from the ledger" in panel.get_by_test_id("ledger-problems").inner_text()
    panel.get_by_role("link", name="Draw for this session").click()
    assert page.get_by_label("What happened").input_value() == "draw"
    page.locator("#id_lot").select_option(str(lot.pk))
    page.get_by_label("Quantity (mg)").fill("50")
    page.get_by_role("button", name="Record").click()
    assert "50 mg of ketamine from lot BOX-1" in page.get_by_test_id("ledger-problems").inner_text()

    page.get_by_role("link", name="Record the administration of the delivered 40 mg").click()
    assert page.get_by_label("What happened").input_value() == "administration"
    assert Decimal(page.get_by_label("Quantity (mg)").input_value()) == Decimal("40")
    page.get_by_role("button", name="Record").click()
    assert "10 mg of ketamine from lot BOX-1" in page.get_by_test_id("ledger-problems").inner_text()

    page.get_by_role("link", name="Waste the rest of the draw: 10 mg").click()
    assert page.get_by_label("What happened").input_value() == "waste"
    page.locator("#id_witness").select_option(str(prescriber.pk))
    page.get_by_label("Witness's password").fill("correct horse battery")
    page.get_by_role("button", name="Record").click()
    page.get_by_test_id("accounted").wait_for()
    assert page.get_by_test_id("session-entries").locator("tbody tr").count() == 3

    # The session page shows the same numbers: ordered, delivered, drawn, administered, wasted.
    page.goto(f"/dosing/sessions/{session.pk}/")
    numbers = {
        name: panel.get_by_test_id(f"ledger-{name}").inner_text()
        for name in ("ordered", "drawn", "administered", "wasted", "returned", "unaccounted")
    }
    assert numbers == {
        "ordered": "40 mg",
        "drawn": "50 mg",
        "administered": "40 mg",
        "wasted": "10 mg",
        "returned": "0 mg",
        "unaccounted": "0 mg",
    }
    page.screenshot(path="/tmp/ledger-session-panel.png", full_page=True)

    # ... and counts the safe: 1950 mg, as the ledger says.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Ledger").click()
    page.get_by_role("link", name="Count a safe or cart").click()
    page.get_by_label("lot BOX-1", exact=False).fill("1950")
    page.get_by_role("button", name="Save the count").click()
    page.wait_for_url("**/ledger/")
    assert "matches the ledger" in page.locator(".messages").inner_text()
    assert selectors.balance_mg(Lot.objects.get(pk=lot.pk)) == Decimal("1950")
    assert selectors.unaccounted_problems(session) == []
