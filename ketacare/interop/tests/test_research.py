"""The research page and CSV: who may see them, what leaves (and what never does), the endpoints."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketacare.audit.models import AuditEvent
from ketacare.interop.research import COLUMNS, pseudonym
from ketacare.outcomes import services as outcomes
from ketacare.patients import services as patients
from ketacare.plans.testing import signed_order
from ketacare.testing import client_for

pytestmark = pytest.mark.django_db
START = dt.date(2026, 10, 1)


def export(user: Any, **params: str) -> tuple[int, list[dict[str, str]]]:
    response = client_for(user).get(reverse("research:csv"), params)
    if response.status_code != 200:
        return response.status_code, []
    return 200, list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def calendar(nurse: Any, patient: Any, used_on: set[int], length: int = 20) -> None:
    """`length` reported days of alcohol from START, drinking 6 standard drinks on `used_on` days."""
    for offset in range(length):
        used = offset in used_on
        outcomes.record_substance_use(
            by=nurse,
            patient=patient,
            day=START + dt.timedelta(days=offset),
            substance="alcohol",
            used=used,
            standard_drinks=Decimal(6) if used else None,
        )


def test_anonymous_is_sent_to_log_in(db) -> None:
    response = client_for(None).get(reverse("research:cohort"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("researcher", 200),
        ("clinic_admin", 200),
        ("prescriber", 403),
        ("nurse", 403),
        ("therapist", 403),
        ("patient", 403),
        ("outsider", 403),
    ],
)
def test_only_researchers_and_clinic_administrators_see_programme_data(personas, persona, status) -> None:
    assert client_for(personas[persona]).get(reverse("research:cohort")).status_code == status
    assert export(personas[persona])[0] == status


def test_a_clinic_that_is_not_yours_answers_404(researcher, other_clinic) -> None:
    assert client_for(researcher).get(reverse("research:cohort"), {"clinic": "other"}).status_code == 404
    assert export(researcher, clinic="other")[0] == 404


def test_the_csv_holds_endpoints_and_never_names_record_numbers_or_dates(
    researcher, nurse, prescriber, patient
) -> None:
    patients.record_substance_use_disorder(
        by=prescriber, patient=patient, substance="alcohol", criteria_met=5
    )
    calendar(nurse, patient, used_on={4, 5})
    status, rows = export(researcher)
    assert status == 200 and list(rows[0]) == list(COLUMNS)
    (row,) = rows
    assert row["research_id"] == pseudonym(patient.pk) and row["research_id"] != str(patient.pk)
    # Born 1985-12-10, 40 at programme start 2026-10-01.
    assert row["age_band"] == "40-44" and row["sex_at_birth"] == "female"
    assert row["primary_substance"] == "alcohol" and row["dsm5_severity"] == "moderate"
    # 20 days reported, 18 abstinent; 6 drinks > 3 (women's cut-off) on both drinking days.
    assert row["days_assessed"] == "20" and row["percent_days_abstinent"] == "90.0"
    assert row["heavy_drinking_days"] == "2"
    # Any use (the default definition) on day 4 after the first reported day.
    assert row["relapsed"] == "1" and row["days_to_relapse_or_censoring"] == "4"
    text = b"".join(client_for(researcher).get(reverse("research:csv")).streaming_content).decode()
    for secret in ("Lovelace", "Ada", "MRN-1", "1985", "2026-10", "+44"):
        assert secret not in text


def test_a_patient_without_relapse_is_censored_at_the_last_reported_day(researcher, nurse, patient) -> None:
    calendar(nurse, patient, used_on=set(), length=12)
    (row,) = export(researcher)[1]
    assert row["relapsed"] == "0" and row["days_to_relapse_or_censoring"] == "11"


def test_the_relapse_clock_starts_on_the_first_day_without_use(researcher, nurse, patient) -> None:
    # Drinking on the first three reported days (before treatment took hold), abstinent from day 3,
    # drinking again on day 8: relapse 5 days after the clock started, not on day 0.
    calendar(nurse, patient, used_on={0, 1, 2, 8})
    (row,) = export(researcher)[1]
    assert row["relapsed"] == "1" and row["days_to_relapse_or_censoring"] == "5"


def test_the_relapse_clock_starts_at_the_first_ketamine_session_once_there_is_one(
    researcher, nurse, patient
) -> None:
    import datetime as dt_

    from ketacare.dosing import services as dosing
    from ketacare.dosing.models import DosingSession

    calendar(nurse, patient, used_on={0, 1, 5, 9}, length=12)
    session = dosing.plan_session(
        by=nurse,
        patient=patient,
        route="iv-infusion",
        dose_mg=Decimal("35"),
        order=signed_order(patient, dose_mg="35"),
    )
    dosing.start_session(
        by=nurse,
        session=session,
        consent_confirmed=True,
        fasting_confirmed=True,
        escort_confirmed=True,
        identity_identifiers=["full_name", "date_of_birth"],
    )
    # The session was given on day 3 of the calendar (set directly: the service stamps "now").
    DosingSession.objects.filter(pk=session.pk).update(
        started_at=dt_.datetime.combine(START + dt_.timedelta(days=3), dt_.time(10), tzinfo=dt_.UTC)
    )
    (row,) = export(researcher)[1]
    assert row["ketamine_sessions"] == "1"
    # From day 3, the first use is day 5: two days, not the abstinence-start count from day 2.
    assert row["relapsed"] == "1" and row["days_to_relapse_or_censoring"] == "2"


def test_a_patient_never_abstinent_has_no_time_to_relapse(researcher, nurse, patient) -> None:
    calendar(nurse, patient, used_on=set(range(6)), length=6)
    (row,) = export(researcher)[1]
    assert row["relapsed"] == "0" and row["days_to_relapse_or_censoring"] == ""
    page = client_for(researcher).get(reverse("research:cohort")).content.decode()
    assert "In the relapse estimate" in page


def test_the_clinics_relapse_definition_is_applied(researcher, nurse, clinic_admin, patient) -> None:
    outcomes.update_outcome_settings(
        by=clinic_admin, clinic=patient.clinic, relapse_definition="regular-use", regular_use_days=3
    )
    calendar(nurse, patient, used_on={2, 7, 8, 9})
    (row,) = export(researcher)[1]
    assert row["relapsed"] == "1" and row["days_to_relapse_or_censoring"] == "7"


def test_the_page_shows_the_cohort_endpoints_and_each_view_and_download_is_audited(
    researcher, nurse, patient
) -> None:
    calendar(nurse, patient, used_on={4})
    page = client_for(researcher).get(reverse("research:cohort")).content.decode()
    assert 'data-testid="cohort-summary"' in page and "95.0%" in page and "<svg" in page
    export(researcher)
    assert AuditEvent.objects.filter(
        action="read", entity_type="research.cohort", actor_username="researcher"
    ).exists()
    event = AuditEvent.objects.get(action="export", entity_type="research.cohort")
    assert event.detail == {"format": "research CSV", "patients": 1}


def test_the_export_takes_the_same_number_of_queries_for_one_or_many_patients(
    researcher, nurse, clinic, patient
) -> None:
    calendar(nurse, patient, used_on={1}, length=5)
    with CaptureQueriesContext(connection) as one:
        export(researcher)
    for n in range(4):
        other = patients.register_patient(
            by=nurse,
            clinic=clinic,
            medical_record_number=f"MRN-{n + 10}",
            given_name="G",
            family_name=f"F{n}",
            date_of_birth=dt.date(1990, 1, 1),
            sex_at_birth="male",
        )
        calendar(nurse, other, used_on={2}, length=5)
    with CaptureQueriesContext(connection) as five:
        status, rows = export(researcher)
    assert status == 200 and len(rows) == 5
    assert len(five.captured_queries) == len(one.captured_queries)


def test_a_researcher_lands_on_programme_outcomes_and_is_not_offered_patient_pages(researcher, nurse) -> None:
    landing = client_for(researcher).get("/", follow=True)
    assert landing.redirect_chain[-1][0] == reverse("research:cohort") and landing.status_code == 200
    menu = landing.content.decode()
    assert reverse("patients:list") not in menu and reverse("outcomes:worklist") not in menu
    nurse_page = client_for(nurse).get("/", follow=True)
    assert nurse_page.redirect_chain[-1][0] == reverse(
        "dosing:day_board"
    )  # the nurse starts on the day board
    assert reverse("research:cohort") not in nurse_page.content.decode()
