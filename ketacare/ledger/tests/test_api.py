"""/api/v1/ledger: the names scripts rely on, the same rules as the services, one error shape."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from ketacare.accounts.services import create_api_token
from ketacare.audit.models import AuditEvent
from ketacare.ledger.models import Entry

pytestmark = pytest.mark.django_db


def api_client(user: Any) -> Client:
    if user is None:
        return Client()
    _, token = create_api_token(user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {token}"})


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/v1/ledger/{path}", data=json.dumps(body or {}), content_type="application/json")


def test_an_administrator_creates_a_product_and_lot_and_receives_stock(clinic_admin: Any, safe: Any) -> None:
    api = api_client(clinic_admin)
    product = post(
        api,
        "products",
        {"name": "Ketamine", "strength_mg_per_ml": "50", "strength_basis": "base", "container_ml": "10"},
    )
    assert product.status_code == 201, product.json()
    lot = post(
        api, "lots", {"product_id": product.json()["id"], "lot_number": "L1", "expires_on": "2099-01-01"}
    )
    assert lot.status_code == 201
    lot_id = lot.json()["id"]
    receipt = post(
        api,
        "entries",
        {
            "kind": "receipt",
            "lot_id": lot_id,
            "quantity_mg": "5000",
            "supplier_name": "Acme",
            "supplier_registration_number": "RA1234563",
            "invoice_number": "INV-9",
            "received_on": "2026-01-02",
        },
    )
    assert receipt.status_code == 201, receipt.json()
    assert receipt.json()["quantity_ml"] == "100.0000"
    assert api.get(f"/api/v1/ledger/balance?lot_id={lot_id}").json() == {
        "lot_id": lot_id,
        "balance_mg": "5000.000",
    }
    assert len(api.get("/api/v1/ledger/products").json()["items"]) == 1
    assert len(api.get("/api/v1/ledger/lots").json()["items"]) == 1


def test_a_nurse_draws_administers_and_wastes_with_a_witness(
    stocked: Any, session: Any, nurse: Any, prescriber: Any
) -> None:
    api = api_client(nurse)
    base = {"lot_id": stocked.pk, "session_id": session.pk}
    assert post(api, "entries", {**base, "kind": "draw", "quantity_mg": "500"}).status_code == 201
    assert post(api, "entries", {**base, "kind": "administration", "quantity_mg": "32.25"}).status_code == 201
    waste = post(
        api,
        "entries",
        {**base, "kind": "waste", "quantity_mg": "467.75", "witness_id": prescriber.pk, "reason": ""},
    )
    assert waste.status_code == 201, waste.json()
    assert waste.json()["witness_method"] == "named"
    assert api.get(f"/api/v1/ledger/balance?lot_id={stocked.pk}").json()["balance_mg"] == "4500.000"
    assert len(api.get(f"/api/v1/ledger/entries?session_id={session.pk}").json()["items"]) == 3


@pytest.mark.parametrize(
    ("body", "message", "status"),
    [
        ({"kind": "draw", "quantity_mg": "5000.5"}, "Only 5000 mg", 400),
        ({"kind": "waste", "quantity_mg": "1"}, "needs a witness", 400),
        # A time in the future is malformed for every API input (ketacare/api_input.py): 422.
        ({"kind": "draw", "quantity_mg": "1", "occurred_at": "2099-01-01T00:00:00Z"}, "future", 422),
    ],
)
def test_the_impossible_is_refused_with_a_clear_message(
    stocked: Any, session: Any, nurse: Any, body: dict[str, Any], message: str, status: int
) -> None:
    api = api_client(nurse)
    if body["kind"] == "waste":
        post(
            api,
            "entries",
            {"kind": "draw", "quantity_mg": "10", "lot_id": stocked.pk, "session_id": session.pk},
        )
    before = Entry.objects.count()
    answer = post(api, "entries", {**body, "lot_id": stocked.pk, "session_id": session.pk})
    assert answer.status_code == status
    assert message in json.dumps(answer.json())
    assert Entry.objects.count() == before


def test_a_witness_who_is_the_same_person_is_refused(stocked: Any, session: Any, nurse: Any) -> None:
    api = api_client(nurse)
    post(
        api, "entries", {"kind": "draw", "quantity_mg": "10", "lot_id": stocked.pk, "session_id": session.pk}
    )
    answer = post(
        api,
        "entries",
        {
            "kind": "waste",
            "quantity_mg": "10",
            "lot_id": stocked.pk,
            "session_id": session.pk,
            "witness_id": nurse.pk,
        },
    )
    assert answer.status_code == 400 and "another person" in json.dumps(answer.json())


def test_unknown_fields_are_refused(stocked: Any, nurse: Any) -> None:
    answer = post(
        api_client(nurse), "entries", {"kind": "draw", "lot_id": stocked.pk, "quantity_mg": "1", "x": 1}
    )
    assert answer.status_code == 422


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        (None, 401),
        ("therapist", 403),
        ("researcher", 403),
        ("outsider", 404),
        ("nurse", 200),
        ("clinic_admin", 200),
    ],
)
def test_who_may_read_a_balance(
    personas: dict[str, Any], stocked: Any, persona: str | None, status: int
) -> None:
    user = personas[persona] if persona else None
    assert api_client(user).get(f"/api/v1/ledger/balance?lot_id={stocked.pk}").status_code == status


@pytest.mark.parametrize(
    ("persona", "status"),
    [(None, 401), ("therapist", 403), ("nurse", 403), ("outsider", 404), ("clinic_admin", 201)],
)
def test_who_may_receive(personas: dict[str, Any], stocked: Any, persona: str | None, status: int) -> None:
    user = personas[persona] if persona else None
    body = {
        "kind": "receipt",
        "lot_id": stocked.pk,
        "quantity_mg": "500",
        "supplier_name": "Acme",
        "invoice_number": "I-2",
        "received_on": "2026-01-02",
    }
    assert post(api_client(user), "entries", body).status_code == status


@pytest.mark.parametrize(("persona", "status"), [("therapist", 403), ("outsider", 404), ("nurse", 201)])
def test_who_may_draw(
    personas: dict[str, Any], stocked: Any, session: Any, persona: str, status: int
) -> None:
    body = {"kind": "draw", "lot_id": stocked.pk, "quantity_mg": "5", "session_id": session.pk}
    assert post(api_client(personas[persona]), "entries", body).status_code == status


def test_refusals_are_audited(personas: dict[str, Any], stocked: Any) -> None:
    api_client(personas["outsider"]).get(f"/api/v1/ledger/balance?lot_id={stocked.pk}")
    api_client(personas["therapist"]).get(f"/api/v1/ledger/balance?lot_id={stocked.pk}")
    outcomes = set(AuditEvent.objects.filter(entity_type="ledger.lot").values_list("outcome", flat=True))
    assert {"not_found", "denied"} <= outcomes


def test_a_count_and_its_discrepancy_through_the_api(
    stocked: Any, safe: Any, nurse: Any, clinic_admin: Any
) -> None:
    count = post(
        api_client(nurse),
        "counts",
        {"location_id": safe.pk, "lines": [{"lot_id": stocked.pk, "counted_mg": "4500"}]},
    )
    assert count.status_code == 201, count.json()
    discrepancy_id = count.json()["lines"][0]["discrepancy_id"]
    assert discrepancy_id is not None
    assert len(api_client(clinic_admin).get("/api/v1/ledger/counts").json()["items"]) == 1
    resolved = post(
        api_client(clinic_admin), f"discrepancies/{discrepancy_id}/resolve", {"reason": "Broken vial"}
    )
    assert resolved.status_code == 200 and resolved.json()["adjustment_id"] is not None
    assert api_client(nurse).get(f"/api/v1/ledger/balance?lot_id={stocked.pk}").json()["balance_mg"] == str(
        Decimal("4500.000")
    )


def test_a_wrong_entry_is_reversed_through_the_api(stocked: Any, clinic_admin: Any) -> None:
    receipt = Entry.objects.get(kind="receipt")
    answer = post(api_client(clinic_admin), f"entries/{receipt.pk}/reverse", {"reason": "Wrong lot"})
    assert answer.status_code == 201 and answer.json()["reverses_id"] == receipt.pk


def test_a_draw_for_a_session_of_another_clinic_answers_404(
    personas: dict[str, Any], stocked: Any, session: Any
) -> None:
    body = {"kind": "draw", "lot_id": stocked.pk, "quantity_mg": "5", "session_id": session.pk}
    assert post(api_client(personas["outsider"]), "entries", body).status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        (None, 401),
        ("therapist", 403),
        ("researcher", 403),
        ("outsider", 404),
        ("nurse", 200),
        ("clinic_admin", 200),
    ],
)
def test_who_may_read_a_sessions_ledger_numbers(
    personas: dict[str, Any], stocked: Any, session: Any, persona: str | None, status: int
) -> None:
    user = personas[persona] if persona else None
    answer = api_client(user).get(f"/api/v1/ledger/sessions/{session.pk}")
    assert answer.status_code == status
    if status in (403, 404):
        assert set(answer.json()) >= {"detail"}


def test_a_sessions_ledger_numbers_agree_with_its_delivered_dose(
    stocked: Any, session: Any, nurse: Any, prescriber: Any
) -> None:
    api = api_client(nurse)
    base = {"lot_id": stocked.pk, "session_id": session.pk}
    assert post(api, "entries", {**base, "kind": "draw", "quantity_mg": "50"}).status_code == 201
    refused = post(api, "entries", {**base, "kind": "administration", "quantity_mg": "40"})
    assert refused.status_code == 400
    assert "delivered 32.25 mg" in json.dumps(refused.json())
    given = post(api, "entries", {**base, "kind": "administration", "quantity_mg": "32.25"})
    assert given.status_code == 201 and Decimal(given.json()["delivered_mg"]) == Decimal("32.25")
    numbers = api.get(f"/api/v1/ledger/sessions/{session.pk}").json()
    assert numbers == {
        "session_id": session.pk,
        "ordered_mg": "32.25",
        "delivered_mg": "32.25",
        "delivered_from": "session_dose",
        "delivered_final": True,
        "drawn_mg": "50.00",
        "administered_mg": "32.25",
        "wasted_mg": "0.00",
        "returned_mg": "0.00",
        "unaccounted_mg": "17.75",
        "to_administer_mg": "0.00",
        "to_waste_or_return_mg": "17.75",
        "problems": [
            "17.75 mg of ketamine from lot K123 drawn for this session is not accounted for: record what "
            "was administered, wasted or returned in the ledger before signing."
        ],
        "notes": [],
    }
    assert AuditEvent.objects.filter(
        actor=nurse, action="read", entity_type="dosing.dosingsession", entity_id=str(session.pk)
    ).exists()


def test_a_draw_from_an_expired_lot_is_refused_with_a_clear_message(
    product: Any, clinic_admin: Any, safe: Any, session: Any, nurse: Any
) -> None:
    import datetime as dt

    from ketacare.ledger import services
    from ketacare.ledger.tests.conftest import receive

    lot = services.create_lot(
        by=clinic_admin,
        product=product,
        lot_number="OLD-1",
        expires_on=dt.date.today() + dt.timedelta(days=1),
    )
    receive(clinic_admin, lot, safe)
    type(lot).objects.filter(pk=lot.pk).update(expires_on=dt.date.today() - dt.timedelta(days=1))
    before = Entry.objects.count()
    answer = post(
        api_client(nurse),
        "entries",
        {"kind": "draw", "lot_id": lot.pk, "quantity_mg": "10", "session_id": session.pk},
    )
    assert answer.status_code == 400
    assert "expired on" in json.dumps(answer.json()) and "Record its destruction" in json.dumps(answer.json())
    assert Entry.objects.count() == before
