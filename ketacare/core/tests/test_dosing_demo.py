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


def test_the_demo_holds_esketamine_sessions_with_their_monitoring_forms_and_curves(db) -> None:
    from ketacare.demo import build_demo_clinic
    from ketacare.dosing import selectors
    from ketacare.dosing.course import session_course
    from ketacare.dosing.models import DosingSession

    build_demo_clinic()
    esketamine = DosingSession.objects.filter(drug="esketamine").order_by("started_at")
    forms = [selectors.rems_form(s) for s in esketamine]
    assert len(forms) == 3
    assert forms[0]["submitted_at"] is not None  # sent
    assert forms[1]["overdue"] and not forms[2]["overdue"]  # overdue, due
    assert all(f["bp_40_min_post_administration"] and f["monitored_at_least_2_hours"] for f in forms)
    past = DosingSession.objects.filter(signed_at__isnull=False).first()
    assert past is not None
    course = session_course(past)
    assert course is not None and course.svg  # the past session's curve
    assert any(r.instrument_id == "moaas" for r in selectors.session_scores(esketamine[0]))
