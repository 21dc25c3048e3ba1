"""/api/v1/patients/{id}/substance-use: the calendar, its summary, tests against self-report, relapse."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ketacare.outcomes import services
from ketacare.outcomes.models import SubstanceUseDay
from ketacare.plans.testing import signed_order

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


def ago(days: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


def test_nurse_records_a_drinking_day_and_reads_the_summary(api, nurse, patient) -> None:
    caller = api(nurse)
    assert (
        caller.post(
            f"patients/{patient.pk}/substance-use", {"day": ago(3), "substance": "alcohol", "used": False}
        )[0]
        == 201
    )
    status, body = caller.post(
        f"patients/{patient.pk}/substance-use",
        {"day": ago(2), "substance": "alcohol", "used": True, "standard_drinks": "4"},
    )
    assert status == 201 and Decimal(body["standard_drinks"]) == 4
    caller.post(
        f"patients/{patient.pk}/substance-use",
        {"day": ago(1), "substance": "alcohol", "used": True, "standard_drinks": "2"},
    )
    status, use = caller.get(f"patients/{patient.pk}/substance-use")
    assert status == 200
    summary = use["summary"]
    # The patient is female: more than 3 drinks is a heavy day (Dakwar 2020).
    assert summary["days_assessed"] == 3 and summary["days_abstinent"] == 1
    assert summary["percent_days_abstinent"] == 33.3
    assert summary["heavy_drinking_days"] == 1 and summary["heavy_drinking_more_than_drinks"] == 3
    assert summary["drinks_per_drinking_day"] == 3.0
    assert use["relapse"]["definition"] == "any-use" and use["relapse"]["days_to_relapse"] == 1


def test_alcohol_use_without_drinks_is_refused_naming_the_field(api, nurse, patient) -> None:
    status, body = api(nurse).post(
        f"patients/{patient.pk}/substance-use", {"day": ago(1), "substance": "alcohol", "used": True}
    )
    assert status == 400 and body["errors"] == [
        {"field": "standard_drinks", "message": "Say how many standard drinks."}
    ]


def test_drinks_beyond_the_plausible_daily_maximum_are_a_422(api, nurse, patient) -> None:
    status, body = api(nurse).post(
        f"patients/{patient.pk}/substance-use",
        {"day": ago(1), "substance": "alcohol", "used": True, "standard_drinks": "61"},
    )
    assert status == 422 and body["errors"][0]["field"].endswith("standard_drinks")


def test_a_day_in_the_future_is_refused(api, nurse, patient) -> None:
    tomorrow = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    status, _ = api(nurse).post(
        f"patients/{patient.pk}/substance-use", {"day": tomorrow, "substance": "cocaine", "used": False}
    )
    assert status == 400


def test_reporting_a_day_again_keeps_the_earlier_report_marked_in_error(api, nurse, patient) -> None:
    caller = api(nurse)
    caller.post(
        f"patients/{patient.pk}/substance-use", {"day": ago(1), "substance": "cocaine", "used": False}
    )
    caller.post(f"patients/{patient.pk}/substance-use", {"day": ago(1), "substance": "cocaine", "used": True})
    rows = SubstanceUseDay.objects.order_by("id")
    assert [(r.used, r.entered_in_error) for r in rows] == [(False, True), (True, False)]
    _, use = caller.get(f"patients/{patient.pk}/substance-use")
    assert [d["used"] for d in use["days"]] == [True]


def test_positive_etg_on_a_day_reported_dry_is_flagged_as_contradicting(api, nurse, patient) -> None:
    caller = api(nurse)
    caller.post(
        f"patients/{patient.pk}/substance-use", {"day": ago(1), "substance": "alcohol", "used": False}
    )
    collected = timezone.now() - dt.timedelta(days=1)
    status, body = caller.post(
        f"patients/{patient.pk}/substance-use/tests",
        {
            "kind": "urine-etg",
            "substance": "alcohol",
            "positive": True,
            "collected_at": collected.isoformat(),
            "reading": "900 ng/mL",
        },
    )
    assert status == 201 and body["contradicts_self_report"] is True
    _, use = caller.get(f"patients/{patient.pk}/substance-use")
    assert use["tests"][0]["contradicts_self_report"] is True and "no use" in use["tests"][0]["contradiction"]


def test_a_negative_test_is_not_a_contradiction(api, nurse, patient) -> None:
    caller = api(nurse)
    caller.post(
        f"patients/{patient.pk}/substance-use",
        {"day": ago(0), "substance": "alcohol", "used": True, "standard_drinks": "1"},
    )
    status, body = caller.post(
        f"patients/{patient.pk}/substance-use/tests",
        {
            "kind": "breath-alcohol",
            "substance": "alcohol",
            "positive": False,
            "collected_at": timezone.now().isoformat(),
        },
    )
    assert status == 201 and body["contradicts_self_report"] is False


def test_etg_for_a_drug_other_than_alcohol_is_refused(api, nurse, patient) -> None:
    status, body = api(nurse).post(
        f"patients/{patient.pk}/substance-use/tests",
        {
            "kind": "urine-etg",
            "substance": "cocaine",
            "positive": True,
            "collected_at": timezone.now().isoformat(),
        },
    )
    assert status == 400 and body["errors"][0]["field"] == "substance"


def test_clinic_relapse_definition_first_heavy_day_is_used(api, nurse, clinic_admin, patient) -> None:
    services.update_outcome_settings(
        by=clinic_admin, clinic=patient.clinic, relapse_definition="first-heavy-day"
    )
    caller = api(nurse)
    caller.post(
        f"patients/{patient.pk}/substance-use", {"day": ago(5), "substance": "alcohol", "used": False}
    )
    caller.post(
        f"patients/{patient.pk}/substance-use",
        {"day": ago(4), "substance": "alcohol", "used": True, "standard_drinks": "2"},
    )
    caller.post(
        f"patients/{patient.pk}/substance-use",
        {"day": ago(2), "substance": "alcohol", "used": True, "standard_drinks": "5"},
    )
    _, use = caller.get(f"patients/{patient.pk}/substance-use", relapse_from=ago(5))
    assert use["relapse"]["definition"] == "first-heavy-day"
    assert use["relapse"]["relapse_on"] == ago(2) and use["relapse"]["days_to_relapse"] == 3


def test_regular_use_definition_needs_a_number_of_days(clinic_admin, clinic) -> None:
    with pytest.raises(ValidationError) as info:
        services.update_outcome_settings(by=clinic_admin, clinic=clinic, relapse_definition="regular-use")
    assert "regular_use_days" in info.value.message_dict


def test_database_refuses_drinks_for_a_drug_other_than_alcohol(nurse, patient) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        SubstanceUseDay.objects.create(
            patient=patient,
            day=TODAY,
            substance="cocaine",
            used=True,
            standard_drinks=Decimal(2),
            recorded_by=nurse,
        )


def test_database_refuses_alcohol_use_without_drinks(nurse, patient) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        SubstanceUseDay.objects.create(
            patient=patient, day=TODAY, substance="alcohol", used=True, recorded_by=nurse
        )


def test_patient_reports_their_own_use_but_not_test_results(api, patient_user, patient) -> None:
    caller = api(patient_user)
    assert (
        caller.post(
            f"patients/{patient.pk}/substance-use", {"day": ago(1), "substance": "alcohol", "used": False}
        )[0]
        == 201
    )
    status, _ = caller.post(
        f"patients/{patient.pk}/substance-use/tests",
        {
            "kind": "urine-etg",
            "substance": "alcohol",
            "positive": False,
            "collected_at": timezone.now().isoformat(),
        },
    )
    assert status == 403
    assert caller.get(f"patients/{patient.pk}/substance-use")[0] == 200


def test_substance_use_access_anonymous_wrong_role_other_clinic(
    api, researcher, outsider, therapist, patient
) -> None:
    body = {"day": ago(1), "substance": "alcohol", "used": False}
    assert api(None).get(f"patients/{patient.pk}/substance-use")[0] == 401
    assert api(None).post(f"patients/{patient.pk}/substance-use", body)[0] == 401
    assert api(researcher).get(f"patients/{patient.pk}/substance-use")[0] == 403
    assert api(researcher).post(f"patients/{patient.pk}/substance-use", body)[0] == 403
    assert api(outsider).get(f"patients/{patient.pk}/substance-use")[0] == 404
    assert api(outsider).post(f"patients/{patient.pk}/substance-use", body)[0] == 404
    # A therapist records reported use but not laboratory results.
    assert api(therapist).post(f"patients/{patient.pk}/substance-use", body)[0] == 201
    lab = {
        "kind": "urine-tox",
        "substance": "cocaine",
        "positive": False,
        "collected_at": timezone.now().isoformat(),
    }
    assert api(therapist).post(f"patients/{patient.pk}/substance-use/tests", lab)[0] == 403


def test_the_relapse_clock_starts_at_the_first_ketamine_session(api, nurse, patient) -> None:
    from ketacare.dosing import services as dosing

    for days_ago, used in ((4, False), (3, True), (1, True)):
        services.record_substance_use(
            by=nurse,
            patient=patient,
            day=timezone.localdate() - dt.timedelta(days=days_ago),
            substance="cocaine",
            used=used,
        )
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
    _, use = api(nurse).get(f"patients/{patient.pk}/substance-use")
    # The session started today, after both use days: no relapse since treatment.
    assert use["relapse"]["start"] == ago(0) and use["relapse"]["relapse_on"] is None
