"""Programme outcomes in a real Chromium (Debian's build, driven by Playwright) against a live server.

The fixture fails the test on any console error, CSP violations included."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import make_staff

pytestmark = pytest.mark.browser


def test_researcher_logs_in_to_programme_outcomes_and_downloads_the_de_identified_csv(
    browser_page, tmp_path
) -> None:
    from ketacare.accounts.models import Clinic
    from ketacare.outcomes import services as outcomes
    from ketacare.patients import services as patients

    page = browser_page
    clinic = Clinic.objects.create(name="Riverside Recovery Clinic", slug="riverside")
    nurse = make_staff("nurse", clinic, "nurse", licence="registered_nurse", acls=True)
    make_staff("researcher", clinic, "researcher")
    patient = patients.register_patient(
        by=nurse,
        clinic=clinic,
        medical_record_number="RI-8001",
        given_name="Sam",
        family_name="Okafor",
        date_of_birth=dt.date(1979, 6, 1),
        sex_at_birth="male",
        weight_kg=Decimal("82.0"),
    )
    for offset in range(10):
        outcomes.record_substance_use(
            by=nurse,
            patient=patient,
            day=dt.date(2026, 10, 1) + dt.timedelta(days=offset),
            substance="alcohol",
            used=offset == 6,
            standard_drinks=Decimal(8) if offset == 6 else None,
        )

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("researcher")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    summary = page.get_by_test_id("cohort-summary")
    summary.wait_for()
    assert "90.0%" in summary.inner_text()  # 9 of 10 reported days abstinent
    assert page.locator("section.chart svg polyline").count() == 3  # the curve and its 95% band
    assert page.get_by_role("link", name="Patients").count() == 0

    with page.expect_download() as download:
        page.get_by_test_id("csv-link").click()
    saved = Path(tmp_path) / "research.csv"
    download.value.save_as(saved)
    text = saved.read_text()
    assert text.startswith("research_id,age_band,") and "Okafor" not in text and "RI-8001" not in text
