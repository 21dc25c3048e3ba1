"""The demo clinic has a month of appointments around its sessions, every status, and ketamine
appointments booked for today that the day board offers to open."""

import datetime as dt

import pytest
from django.utils import timezone

from ketacare.demo import build_demo_clinic
from ketacare.plans.models import Appointment


@pytest.mark.django_db
def test_the_demo_has_a_month_of_appointments_in_every_status_and_books_today_only_free_patients() -> None:
    build_demo_clinic()
    appointments = Appointment.objects.all()
    today = timezone.localdate()
    assert {a.kind for a in appointments} >= {"ketamine-session", "integration", "preparation", "therapy"}
    assert {a.status for a in appointments} == {"booked", "attended", "no-show", "cancelled"}
    days = {timezone.localdate(a.starts_at) for a in appointments}
    assert min(days) <= today - dt.timedelta(days=14) and max(days) >= today + dt.timedelta(days=21)
    assert not appointments.filter(kind="ketamine-session", order__isnull=True).exists()
    booked = appointments.filter(kind="ketamine-session", status="booked", dosing_session_id=None)
    assert booked.filter(starts_at__date=timezone.now().date()).exists() or timezone.localtime().hour >= 23

    # The day board offers each booked patient once, and none who already has today's session
    # (the demo's session day is built by dosing).
    from ketacare.dosing.models import DosingSession

    booked_today = [a.patient_id for a in booked if timezone.localdate(a.starts_at) == today]
    assert len(booked_today) == len(set(booked_today))
    in_session = {
        s.patient_id
        for s in DosingSession.objects.exclude(started_at=None)
        if timezone.localdate(s.started_at) == today
    }
    assert not in_session & set(booked_today)
