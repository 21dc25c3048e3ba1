from django.urls import path

from ketacare.dosing import session_views, views

app_name = "dosing"
urlpatterns = [
    path("patients/<int:patient_id>/plan/", views.plan_dose, name="plan"),
    path("patients/<int:patient_id>/sessions/", session_views.session_list, name="sessions"),
    path("sessions/<int:session_id>/", session_views.session_detail, name="session"),
    path("sessions/<int:session_id>/start/", session_views.start, name="start"),
    path("sessions/<int:session_id>/vitals/", session_views.record_vital, name="vitals"),
    path("sessions/<int:session_id>/side-effects/", session_views.record_side_effect, name="side_effects"),
    path("sessions/<int:session_id>/end/", session_views.end, name="end"),
    path("sessions/<int:session_id>/sign/", session_views.sign, name="sign"),
    path("sessions/<int:session_id>/addenda/", session_views.add_addendum, name="addendum"),
    path(
        "sessions/<int:session_id>/<slug:kind>/<int:entry_id>/entered-in-error/",
        session_views.entered_in_error,
        name="entered_in_error",
    ),
    path("settings/", session_views.session_settings, name="settings"),
    path("sessions/<int:session_id>/live/", session_views.live, name="live"),
    path(
        "sessions/<int:session_id>/alerts/<int:alert_id>/acknowledge/",
        session_views.acknowledge,
        name="acknowledge",
    ),
    path("heartbeat/", session_views.heartbeat, name="heartbeat"),
    path("sessions/<int:session_id>/dose/", session_views.prepare_dose, name="dose"),
    path("sessions/<int:session_id>/events/", session_views.infusion_event, name="events"),
    path("sessions/<int:session_id>/discharge/", session_views.discharge, name="discharge"),
    path("sessions/<int:session_id>/summary.pdf", session_views.summary_pdf, name="summary_pdf"),
    path("today/", session_views.day_board, name="day_board"),
    path(
        "sessions/<int:session_id>/pregnancy-tests/",
        session_views.record_pregnancy_test,
        name="pregnancy_test",
    ),
    path("sessions/<int:session_id>/scales/<slug:instrument_id>/", session_views.record_scale, name="scale"),
    path("rems/", session_views.rems_queue, name="rems_queue"),
    path("sessions/<int:session_id>/rems/", session_views.rems_form, name="rems_form"),
    path("today/live/", session_views.day_board_live, name="day_board_live"),
    path("appointments/<int:appointment_id>/open/", session_views.open_appointment, name="open_appointment"),
]
