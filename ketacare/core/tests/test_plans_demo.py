"""The demo clinic has screenings in every state and a signed order behind every session."""

import pytest

from ketacare.demo import build_demo_clinic
from ketacare.dosing.models import DosingSession
from ketacare.plans.models import Screening
from ketacare.plans.selectors import latest_screening
from ketacare.plans.services import effective_result


@pytest.mark.django_db
def test_the_demo_has_screenings_in_every_state_and_orders_for_every_patient_with_sessions() -> None:
    build_demo_clinic()
    latest = {latest_screening(s.patient) for s in Screening.objects.select_related("patient")}
    states = {effective_result(s) for s in latest if s is not None}
    assert states == {"eligible", "needs-review", "not-eligible"}
    sessions = DosingSession.objects.all()
    assert sessions.exists() and not sessions.filter(order__isnull=True).exists()


@pytest.mark.django_db
def test_the_demo_has_plans_in_every_status_mat_orders_and_therapy_notes() -> None:
    from ketacare.plans.models import MatOrder, TherapySession, TreatmentPlan

    build_demo_clinic()
    assert set(TreatmentPlan.objects.values_list("status", flat=True)) == set(TreatmentPlan.Status.values)
    assert set(MatOrder.objects.values_list("drug", flat=True)) == {
        "methadone",
        "buprenorphine",
        "naltrexone",
    }
    assert MatOrder.objects.filter(dose_changes__reason__contains="Cravings").exists()
    sessions = TherapySession.objects.all()
    assert sessions.filter(attendance="missed").exists()
    assert sessions.filter(kind="integration", dosing_session__isnull=False).exists()
    assert sessions.exclude(note="").exists()
