"""MAT orders (a buprenorphine start guided by COWS against the clinic's threshold, a naltrexone start
after the clinic's opioid-free interval, dose history kept) and therapy sessions (missed recorded as
missed, integration visits tied to a dose and flagged outside the clinic's window)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ketacare.dosing import services as dosing
from ketacare.outcomes import services as outcomes
from ketacare.outcomes.treatment import ketamine_sessions, treatment_events
from ketacare.patients import services as patients
from ketacare.plans import selectors, services
from ketacare.plans.testing import signed_order

pytestmark = pytest.mark.django_db


def record_cows(by, patient, total):
    """A COWS scored `total` (up to 20): ones and twos, which every item but the last offers."""
    twos = max(0, total - 10)
    answers = [2] * twos + [1] * (total - 2 * twos) + [0] * 11
    return outcomes.record_response(by=by, patient=patient, instrument_id="cows", answers=answers[:11])


def bup(prescriber, patient, **extra):
    values = {
        "drug": "buprenorphine",
        "form": "sublingual",
        "dose_mg": Decimal("4"),
        "schedule": "once daily",
    }
    values.update(extra)
    return services.create_mat_order(by=prescriber, patient=patient, **values)


def test_a_buprenorphine_start_is_refused_until_the_clinic_sets_its_cows_threshold(prescriber, patient):
    with pytest.raises(ValidationError) as exc:
        bup(prescriber, patient)
    message = exc.value.message_dict["drug"][0]
    assert "has not set the lowest COWS" in message and "COWS 8" in message and "SECONDARY" in message


def test_a_buprenorphine_start_below_the_clinics_cows_threshold_is_refused(
    prescriber, nurse, clinic_admin, clinic, patient
):
    services.update_safety_settings(by=clinic_admin, clinic=clinic, bup_start_cows_min=9)
    outcomes.record_instrument_permission(
        by=clinic_admin, clinic=clinic, instrument_id="cows", granted_by="Rights holder", reference="Test"
    )
    with pytest.raises(ValidationError, match="Score COWS today"):
        bup(prescriber, patient)
    record_cows(nurse, patient, 6)
    with pytest.raises(ValidationError) as exc:
        bup(prescriber, patient)
    assert "below your clinic's threshold of 9" in exc.value.message_dict["drug"][0]
    record_cows(nurse, patient, 12)
    order = bup(prescriber, patient)
    assert order.cows_threshold == 9 and order.cows_response.score_total == 12
    assert [c.dose_mg for c in order.dose_changes.all()] == [Decimal("4")]


def test_a_continuing_buprenorphine_dose_needs_no_cows(prescriber, patient):
    order = bup(prescriber, patient, is_start=False, start_on=timezone.localdate() - dt.timedelta(days=30))
    assert order.cows_response is None


def test_dose_changes_are_kept_in_the_history_and_a_stopped_order_takes_none(prescriber, patient):
    order = bup(prescriber, patient, is_start=False, dose_mg=Decimal("8"))
    services.change_mat_dose(by=prescriber, order=order, dose_mg=Decimal("12"), reason="Cravings.")
    services.change_mat_dose(by=prescriber, order=order, dose_mg=Decimal("16"), reason="Still craving.")
    order.refresh_from_db()
    assert order.dose_mg == Decimal("16")
    assert [c.dose_mg for c in order.dose_changes.all()] == [Decimal("8"), Decimal("12"), Decimal("16")]
    with pytest.raises(ValidationError, match="already for 16"):
        services.change_mat_dose(by=prescriber, order=order, dose_mg=Decimal("16"), reason="x")
    services.stop_mat_order(by=prescriber, order=order, reason="Tapered off.")
    with pytest.raises(ValidationError, match="stopped"):
        services.change_mat_dose(by=prescriber, order=order, dose_mg=Decimal("4"), reason="x")


def test_only_a_prescriber_orders_mat(nurse, therapist, patient):
    for user in (nurse, therapist):
        with pytest.raises(PermissionDenied):
            bup(user, patient, is_start=False)


def test_a_naltrexone_start_checks_the_clinics_opioid_free_interval(
    prescriber, nurse, clinic_admin, clinic, patient
):
    values = {"drug": "naltrexone", "form": "oral", "dose_mg": Decimal("50"), "schedule": "once daily"}
    with pytest.raises(ValidationError, match="opioid-free interval"):
        services.create_mat_order(by=prescriber, patient=patient, **values)
    services.update_safety_settings(by=clinic_admin, clinic=clinic, naltrexone_opioid_free_days=10)
    with pytest.raises(ValidationError) as exc:
        services.create_mat_order(by=prescriber, patient=patient, **values)
    assert "No opioid use is on record" in exc.value.message_dict["last_opioid_use_on"][0]
    outcomes.record_substance_use(
        by=nurse,
        patient=patient,
        day=timezone.localdate() - dt.timedelta(days=3),
        substance="opioids",
        used=True,
    )
    with pytest.raises(ValidationError) as exc:
        services.create_mat_order(by=prescriber, patient=patient, **values)
    assert "10 opioid-free days" in exc.value.message_dict["last_opioid_use_on"][0]
    order = services.create_mat_order(
        by=prescriber, patient=patient, start_on=timezone.localdate() + dt.timedelta(days=7), **values
    )
    assert order.opioid_free_days_required == 10


def test_a_wrong_form_for_the_drug_is_refused_in_words(prescriber, patient):
    with pytest.raises(ValidationError) as exc:
        services.create_mat_order(
            by=prescriber,
            patient=patient,
            drug="methadone",
            form="sublingual",
            dose_mg=Decimal("30"),
            schedule="daily",
        )
    assert "Methadone is ordered oral here" in exc.value.message_dict["form"][0]


def test_mat_reaches_screening_and_the_charts_but_not_the_relapse_clock(prescriber, nurse, patient):
    bup(prescriber, patient, is_start=False)
    screening = services.run_screening(by=nurse, patient=patient)
    assert any(r["code"] == "cns-depressant-buprenorphine" for r in screening.reasons)
    assert [e.kind for e in treatment_events(patient)] == ["mat"]
    assert ketamine_sessions(patient) == []


def test_a_missed_session_is_recorded_as_missed_without_a_duration(therapist, patient):
    when = timezone.now() - dt.timedelta(hours=2)
    session = services.record_therapy_session(
        by=therapist, patient=patient, kind="therapy", modality="cbt", occurred_at=when, attendance="missed"
    )
    assert session.attendance == "missed" and session.duration_min is None
    with pytest.raises(ValidationError) as exc:
        services.record_therapy_session(
            by=therapist,
            patient=patient,
            kind="therapy",
            modality="cbt",
            occurred_at=when,
            attendance="attended",
        )
    assert "how many minutes" in exc.value.message_dict["duration_min"][0]
    with pytest.raises(ValidationError) as exc:
        services.record_therapy_session(
            by=therapist,
            patient=patient,
            kind="therapy",
            modality="cbt",
            occurred_at=timezone.now() + dt.timedelta(days=1),
            attendance="missed",
        )
    assert "after it took place" in exc.value.message_dict["occurred_at"][0]


def test_only_a_therapist_records_therapy(nurse, prescriber, patient):
    for user in (nurse, prescriber):
        with pytest.raises(PermissionDenied):
            services.record_therapy_session(
                by=user,
                patient=patient,
                kind="therapy",
                modality="mi",
                occurred_at=timezone.now(),
                attendance="attended",
                duration_min=50,
            )


def _started_session(nurse, patient):
    order = signed_order(patient)
    session = dosing.plan_session(
        by=nurse,
        patient=patient,
        route="iv-infusion",
        dose_mg=order.dose_mg,
        duration_min=Decimal("40"),
        order=order,
    )
    return dosing.start_session(
        by=nurse,
        session=session,
        consent_confirmed=True,
        fasting_confirmed=True,
        escort_confirmed=True,
        identity_identifiers=["full_name", "date_of_birth"],
    )


def test_an_integration_visit_follows_a_dose_and_is_flagged_outside_the_clinics_window(
    therapist, nurse, clinic_admin, clinic, patient
):
    with pytest.raises(ValidationError, match="none did"):
        services.record_therapy_session(
            by=therapist,
            patient=patient,
            kind="integration",
            modality="kap-integration",
            occurred_at=timezone.now(),
            attendance="attended",
            duration_min=60,
        )
    dose = _started_session(nurse, patient)
    services.update_safety_settings(
        by=clinic_admin, clinic=clinic, integration_min_hours=24, integration_max_hours=72
    )
    visit = services.record_therapy_session(
        by=therapist,
        patient=patient,
        kind="integration",
        modality="kap-integration",
        occurred_at=timezone.now(),
        attendance="attended",
        duration_min=60,
    )
    assert visit.dosing_session == dose and visit.hours_after_dose == Decimal("0.0") and visit.outside_window
    assert "therapy" in [e.kind for e in treatment_events(patient)]
    assert len(ketamine_sessions(patient)) == 1


def test_goals_worked_on_count_towards_progress(nurse, therapist, patient):
    from ketacare.plans.tests.test_treatment_plans import make_plan

    plan = make_plan(nurse, patient)
    goal = plan.goals.first()
    services.record_therapy_session(
        by=therapist,
        patient=patient,
        kind="therapy",
        modality="mbrp",
        occurred_at=timezone.now() - dt.timedelta(hours=1),
        attendance="attended",
        duration_min=50,
        plan_id=plan.pk,
        goal_ids=[goal.pk],
        note="Urge surfing.",
        homework="Ten minutes a day.",
    )
    progress = {p.goal.pk: p.sessions_worked for p in selectors.goal_progress(plan)}
    assert progress[goal.pk] == 1
    other = patients.register_patient(
        by=nurse,
        clinic=patient.clinic,
        medical_record_number="MRN-2",
        given_name="B",
        family_name="C",
        date_of_birth=dt.date(1990, 1, 1),
        sex_at_birth="male",
    )
    with pytest.raises(ValidationError, match="not a goal of this session's plan"):
        services.record_therapy_session(
            by=therapist,
            patient=other,
            kind="therapy",
            modality="mbrp",
            occurred_at=timezone.now(),
            attendance="missed",
            goal_ids=[goal.pk],
        )
