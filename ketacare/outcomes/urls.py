from django.urls import path

from ketacare.outcomes import booster_views, views

app_name = "outcomes"
urlpatterns = [
    path("me/", views.portal, name="portal"),
    path("me/answer/<slug:instrument_id>/", views.portal_answer, name="portal_answer"),
    path("me/support/", views.portal_support, name="portal_support"),
    path("me/trends/", views.portal_trends, name="portal_trends"),
    path("worklist/", views.worklist, name="worklist"),
    path("settings/", views.clinic_settings, name="settings"),
    path(
        "settings/permissions/<int:permission_id>/withdraw/",
        views.withdraw_permission,
        name="withdraw_permission",
    ),
    path("alerts/<int:alert_id>/", views.alert_detail, name="alert"),
    path("patients/<int:patient_id>/", views.patient_outcomes, name="patient"),
    path("patients/<int:patient_id>/forecast/", booster_views.patient_forecast, name="forecast"),
    path("patients/<int:patient_id>/assign/", views.assign, name="assign"),
    path("patients/<int:patient_id>/answer/<slug:instrument_id>/", views.staff_answer, name="staff_answer"),
    path("patients/<int:patient_id>/substance-use/new/", views.use_day_new, name="use_day_new"),
    path("patients/<int:patient_id>/tests/new/", views.lab_result_new, name="lab_result_new"),
    path(
        "patients/<int:patient_id>/responses/<int:response_id>/correct/",
        views.correct_response,
        name="correct_response",
    ),
    path(
        "patients/<int:patient_id>/<slug:kind>/<int:entry_id>/error/", views.entry_error, name="entry_error"
    ),
]
