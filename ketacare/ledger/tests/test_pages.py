"""The ledger's pages: who may open them (anonymous, wrong role, other clinic, right role) and what
they do, through the real views and services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from ketacare.ledger import selectors, services
from ketacare.ledger.models import Discrepancy, Entry

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


PAGES = {
    "/ledger/": {"nurse": 200, "prescriber": 200, "clinic_admin": 200, "therapist": 403, "researcher": 403},
    "/ledger/session-entry/": {"nurse": 200, "prescriber": 200, "clinic_admin": 403, "therapist": 403},
    "/ledger/count/": {"nurse": 200, "clinic_admin": 403, "therapist": 403},
    "/ledger/transfer/": {"nurse": 200, "prescriber": 200, "clinic_admin": 403, "therapist": 403},
    "/ledger/receive/": {"clinic_admin": 200, "nurse": 403, "therapist": 403},
    "/ledger/stock-entry/": {"clinic_admin": 200, "nurse": 403},
    "/ledger/setup/": {"clinic_admin": 200, "nurse": 403},
    "/ledger/report/": {"clinic_admin": 200, "nurse": 403, "researcher": 403},
}


@pytest.mark.parametrize(("path", "expected"), PAGES.items())
def test_who_may_open_each_ledger_page(
    personas: dict[str, Any], stocked: Any, path: str, expected: dict[str, int]
) -> None:
    assert client_for(None).get(path).status_code == 302  # to the log-in page
    for persona, status in expected.items():
        assert client_for(personas[persona]).get(path).status_code == status, (path, persona)
    # A prescriber of another clinic has no ledger here: 403 on the clinic's pages, 404 on its records.
    assert client_for(personas["outsider"]).get(path).status_code in (403, 200)


def test_records_of_another_clinic_answer_404(
    personas: dict[str, Any], stocked: Any, safe: Any, nurse: Any
) -> None:
    entry = Entry.objects.get(kind="receipt")
    count = services.record_count(
        by=nurse, location=safe, kind="scheduled", counted_mg={stocked: Decimal("1")}
    )
    discrepancy = Discrepancy.objects.get(line__count=count)
    outsider = client_for(personas["outsider"])
    assert outsider.get(f"/ledger/entries/{entry.pk}/reverse/").status_code == 404
    assert outsider.get(f"/ledger/discrepancies/{discrepancy.pk}/").status_code == 404
    assert outsider.get(f"/ledger/count/?location={safe.pk}").status_code == 404
    assert client_for(personas["nurse"]).get(f"/ledger/discrepancies/{discrepancy.pk}/").status_code == 403
    assert (
        client_for(personas["clinic_admin"]).get(f"/ledger/discrepancies/{discrepancy.pk}/").status_code
        == 200
    )


def test_the_overview_shows_balances_expiring_lots_and_open_discrepancies(
    stocked: Any, safe: Any, nurse: Any, product: Any, clinic_admin: Any
) -> None:
    services.create_lot(
        by=clinic_admin,
        product=product,
        lot_number="SOON",
        expires_on=dt.date.today() + dt.timedelta(days=10),
    )
    soon = product.lots.get(lot_number="SOON")
    services.record_entry(
        by=clinic_admin,
        kind="receipt",
        lot=soon,
        location=safe,
        quantity_mg=Decimal("500"),
        receipt=services.Receipt(supplier_name="Acme", invoice_number="I", received_on=dt.date.today()),
    )
    services.record_count(
        by=nurse, location=safe, kind="initial", counted_mg={stocked: Decimal("4500"), soon: Decimal("500")}
    )
    page = client_for(nurse).get("/ledger/").content.decode()
    assert "K123" in page and "SOON" in page
    assert "counted 4500 mg, ledger 5000 mg" in page
    assert "next biennial inventory is due by" in page


def test_a_waste_on_the_page_needs_the_witness_password(
    stocked: Any, session: Any, nurse: Any, prescriber: Any
) -> None:
    client = client_for(nurse)
    base = {"session": session.pk, "lot": stocked.pk}
    assert (
        client.post("/ledger/session-entry/", {**base, "kind": "draw", "quantity_mg": "50"}).status_code
        == 302
    )
    refused = client.post(
        "/ledger/session-entry/", {**base, "kind": "waste", "quantity_mg": "50", "witness": prescriber.pk}
    )
    assert refused.status_code == 400 and b"must type their password" in refused.content
    wrong = client.post(
        "/ledger/session-entry/",
        {**base, "kind": "waste", "quantity_mg": "50", "witness": prescriber.pk, "witness_password": "nope"},
    )
    assert wrong.status_code == 400 and b"password is not correct" in wrong.content
    done = client.post(
        "/ledger/session-entry/",
        {
            **base,
            "kind": "waste",
            "quantity_mg": "50",
            "witness": prescriber.pk,
            "witness_password": "correct horse battery",
        },
    )
    assert done.status_code == 302
    assert selectors.unaccounted_problems(session) == []


def test_the_dispensing_record_as_page_csv_and_pdf(
    stocked: Any, session: Any, nurse: Any, clinic_admin: Any
) -> None:
    services.record_entry(by=nurse, kind="draw", lot=stocked, quantity_mg=Decimal("50"), session=session)
    services.record_entry(
        by=nurse, kind="administration", lot=stocked, quantity_mg=Decimal("32.25"), session=session
    )
    today = dt.date.today().isoformat()
    client = client_for(clinic_admin)
    page = client.get(f"/ledger/report/?start={today}&end={today}")
    assert (
        page.status_code == 200
        and b"Acme Pharma Distribution" in page.content
        and b"Ada Lovelace" in page.content
        and b'data-testid="report-expiring"' in page.content
        and b'data-testid="report-discrepancies"' in page.content
    )
    csv = client.get(f"/ledger/report/?start={today}&end={today}&format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("Date and time,Entry,Kind") and len(lines) == 4
    # The administration carries the session's delivered dose it was checked against.
    assert lines[0].endswith("Session's delivered dose (mg base)") and lines[-1].endswith(",32.25")
    pdf = client.get(f"/ledger/report/?start={today}&end={today}&format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_a_count_on_the_page_flags_a_discrepancy_that_an_administrator_resolves(
    stocked: Any, safe: Any, nurse: Any, clinic_admin: Any
) -> None:
    answer = client_for(nurse).post(
        f"/ledger/count/?location={safe.pk}", {"kind": "scheduled", f"lot_{stocked.pk}": "4000"}
    )
    assert answer.status_code == 302
    discrepancy = Discrepancy.objects.get()
    resolved = client_for(clinic_admin).post(
        f"/ledger/discrepancies/{discrepancy.pk}/", {"reason": "Two vials broken", "adjust": "on"}
    )
    assert resolved.status_code == 302
    assert selectors.balance_mg(stocked) == Decimal("4000")


def test_receiving_vials_on_the_page_adds_containers_times_their_content(
    lot: Any, safe: Any, clinic_admin: Any
) -> None:
    answer = client_for(clinic_admin).post(
        "/ledger/receive/",
        {
            "lot": lot.pk,
            "location": safe.pk,
            "containers": "10",
            "supplier_name": "Acme",
            "invoice_number": "INV-3",
            "received_on": dt.date.today().isoformat(),
        },
    )
    assert answer.status_code == 302
    assert selectors.balance_mg(lot) == Decimal("5000")


def test_stock_moves_from_the_safe_to_the_cart_on_the_page(
    stocked: Any, safe: Any, cart: Any, nurse: Any
) -> None:
    answer = client_for(nurse).post(
        "/ledger/transfer/",
        {"lot": stocked.pk, "location": safe.pk, "to_location": cart.pk, "quantity_mg": "1000"},
    )
    assert answer.status_code == 302
    assert selectors.balance_mg(stocked, cart) == Decimal("1000")


def test_the_follow_up_of_a_theft_is_recorded_by_an_administrator_only(
    personas: dict[str, Any], stocked: Any
) -> None:
    entry = services.record_entry(
        by=personas["clinic_admin"],
        kind="loss",
        lot=stocked,
        quantity_mg=Decimal("500"),
        reason="Missing",
        loss_kind="theft",
    )
    path = f"/ledger/loss-reports/{entry.loss_report.pk}/"
    assert client_for(personas["nurse"]).get(path).status_code == 403
    assert client_for(personas["outsider"]).get(path).status_code == 404
    admin = client_for(personas["clinic_admin"])
    assert b"Record follow-up" in admin.get("/ledger/").content
    assert (
        admin.post(path, {"notice_sent_at": "2026-01-02T09:00", "form_106_reference": "F-1"}).status_code
        == 302
    )
    entry.loss_report.refresh_from_db()
    assert entry.loss_report.form_106_reference == "F-1"


def test_the_session_page_shows_the_ledger_panel_to_those_who_may_read_the_ledger(
    personas: dict[str, Any], stocked: Any, session: Any, nurse: Any
) -> None:
    services.record_entry(by=nurse, kind="draw", lot=stocked, quantity_mg=Decimal("50"), session=session)
    page = client_for(personas["nurse"]).get(f"/dosing/sessions/{session.pk}/").content.decode()
    assert 'data-testid="ledger-panel"' in page
    assert "32.25 mg (the session's recorded dose: no infusion events)" in page
    assert "Record the administration of the delivered 32.25 mg" in page
    assert "quantity_mg=32.250" in page
    # A clinic administrator reads the numbers but is offered no draw; a therapist sees no panel.
    admin_page = client_for(personas["clinic_admin"]).get(f"/dosing/sessions/{session.pk}/")
    if admin_page.status_code == 200:
        assert 'data-testid="ledger-panel"' in admin_page.content.decode()
        assert 'data-testid="ledger-actions"' not in admin_page.content.decode()
    therapist_page = client_for(personas["therapist"]).get(f"/dosing/sessions/{session.pk}/")
    assert 'data-testid="ledger-panel"' not in therapist_page.content.decode()


def test_the_overview_lists_sessions_whose_draw_is_open_with_their_numbers(
    stocked: Any, session: Any, nurse: Any, clinic_admin: Any
) -> None:
    services.record_entry(by=nurse, kind="draw", lot=stocked, quantity_mg=Decimal("50"), session=session)
    page = client_for(nurse).get("/ledger/").content.decode()
    assert 'data-testid="open-sessions"' in page
    assert f"?session={session.pk}" in page
    row = page[page.index('data-testid="open-sessions"') :]
    assert "<td>32.25</td><td>32.25</td><td>50</td><td>0</td><td>0</td><td>0</td>" in row
    # A clinic administrator reads the same numbers, without a link to a session it may not open.
    admin_page = client_for(clinic_admin).get("/ledger/").content.decode()
    assert f"#{session.pk} " in admin_page and f"?session={session.pk}" not in admin_page
