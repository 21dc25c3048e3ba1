"""The demo clinic holds a session day in progress (ketacare.dosing.demo.build_today)."""

from ketacare.dosing.models import SessionAlert


def test_the_demo_holds_a_session_day_in_progress_with_an_open_alert(db) -> None:
    from ketacare.demo import build_demo_clinic
    from ketacare.dosing.models import DosingSession

    build_demo_clinic()
    today = DosingSession.objects.filter(chair__in=["Chair 1", "Chair 2", "Room 3", "Chair 4"])
    assert today.count() == 4
    assert SessionAlert.objects.filter(session__chair="Room 3", acknowledged_at__isnull=True).exists()
    assert DosingSession.objects.filter(signed_at__isnull=False).count() > 10
