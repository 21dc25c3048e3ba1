"""Patient pages: what they show, what they refuse, and that they do not query once per row."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ketacare.patients import services
from ketacare.patients.models import Patient


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(path).status_code == 200
    return len(context.captured_queries)


def test_the_record_page_makes_the_same_number_of_queries_however_long_the_record(patient, nurse) -> None:
    client = Client()
    client.force_login(nurse)
    path = f"/patients/{patient.pk}/"
    before = _queries(client, path)
    for n in range(8):
        services.record_body_measurement(by=nurse, patient=patient, weight_kg=Decimal(60 + n))
        services.add_medication(by=nurse, patient=patient, name=f"Drug {n}", drug_class="other")
        services.add_allergy(by=nurse, patient=patient, substance=f"Allergen {n}")
    assert _queries(client, path) == before


def test_the_patient_list_makes_the_same_number_of_queries_for_one_or_many_patients(
    patient, nurse, clinic
) -> None:
    client = Client()
    client.force_login(nurse)
    before = _queries(client, "/patients/")
    for n in range(10):
        services.register_patient(
            by=nurse,
            clinic=clinic,
            medical_record_number=f"L-{n}",
            given_name="L",
            family_name=f"L{n}",
            date_of_birth="1990-01-01",
            sex_at_birth="male",
        )
    assert _queries(client, "/patients/") == before


def test_registering_with_a_bad_weight_keeps_what_was_typed_and_saves_nothing(nurse, clinic) -> None:
    client = Client()
    client.force_login(nurse)
    form = {
        "clinic": clinic.pk,
        "medical_record_number": "F-1",
        "given_name": "Kim",
        "family_name": "Park",
        "date_of_birth": "1991-02-03",
        "sex_at_birth": "female",
        "weight_kg": "650",
    }
    response = client.post("/patients/new/", form)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Weight must be between 30 and 300 kg" in page
    assert 'value="Park"' in page and 'value="F-1"' in page
    assert not Patient.objects.filter(medical_record_number="F-1").exists()


def test_a_duplicate_record_number_is_shown_on_its_field(nurse, clinic, patient) -> None:
    client = Client()
    client.force_login(nurse)
    form = {
        "clinic": clinic.pk,
        "medical_record_number": patient.medical_record_number,
        "given_name": "Kim",
        "family_name": "Park",
        "date_of_birth": "1991-02-03",
        "sex_at_birth": "female",
    }
    page = client.post("/patients/new/", form).content.decode()
    assert "already has this record number" in page


def test_search_by_date_of_birth_finds_the_patient(nurse, patient) -> None:
    client = Client()
    client.force_login(nurse)
    page = client.get("/patients/", {"q": "1985-12-10"}).content.decode()
    assert "Lovelace" in page


def test_an_entry_marked_in_error_stays_on_the_page_with_its_reason(nurse, patient) -> None:
    client = Client()
    client.force_login(nurse)
    entry = patient.measurements.get()
    response = client.post(f"/patients/{patient.pk}/weight/{entry.pk}/error/", {"reason": "Wrong patient"})
    assert response.status_code == 302
    page = client.get(f"/patients/{patient.pk}/").content.decode()
    assert "entered in error: Wrong patient" in page
    assert "not recorded" in page  # the current weight no longer counts the withdrawn entry


def test_the_change_history_lists_every_version(nurse, patient) -> None:
    services.update_demographics(by=nurse, patient=patient, family_name="Byron")
    client = Client()
    client.force_login(nurse)
    page = client.get(f"/patients/{patient.pk}/history/").content.decode()
    assert "Lovelace" in page and "Byron" in page


def test_an_administrator_adds_a_responsible_clinician_to_the_care_team(
    clinic_admin, prescriber, patient
) -> None:
    client = Client()
    client.force_login(clinic_admin)
    response = client.post(
        f"/patients/{patient.pk}/care-team/add/", {"member": prescriber.pk, "is_responsible": "on"}
    )
    assert response.status_code == 302
    assert patient.care_team.get(is_responsible=True).user == prescriber


def test_another_clinics_staff_cannot_be_added_to_the_care_team(clinic_admin, outsider, patient) -> None:
    client = Client()
    client.force_login(clinic_admin)
    response = client.post(f"/patients/{patient.pk}/care-team/add/", {"member": outsider.pk})
    assert response.status_code == 200
    assert not patient.care_team.exists()
