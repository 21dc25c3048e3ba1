from django.urls import path

from ketacare.plans import calendar_views, plan_views, views

app_name = "plans"
urlpatterns = [
    path("patients/<int:patient_id>/screening/", views.screening_page, name="screening"),
    path("patients/<int:patient_id>/screening/run/", views.screening_run, name="screening_run"),
    path(
        "patients/<int:patient_id>/screening/override/", views.screening_override, name="screening_override"
    ),
    path("patients/<int:patient_id>/orders/", views.order_list, name="orders"),
    path("orders/<int:order_id>/", views.order_detail, name="order"),
    path("orders/<int:order_id>/sign/", views.order_sign, name="order_sign"),
    path("orders/<int:order_id>/discontinue/", views.order_discontinue, name="order_discontinue"),
    path("protocols/", views.protocol_library, name="protocols"),
    path("settings/", views.safety_settings, name="settings"),
    # The calendar (issue 12).
    path("calendar/", calendar_views.week, name="calendar_week"),
    path("calendar/day/", calendar_views.day, name="calendar_day"),
    path("patients/<int:patient_id>/appointments/", calendar_views.patient_appointments, name="appointments"),
    path("appointments/<int:appointment_id>/cancel/", calendar_views.cancel, name="appointment_cancel"),
    path("appointments/<int:appointment_id>/no-show/", calendar_views.no_show, name="appointment_no_show"),
    path("appointments/<int:appointment_id>/attended/", calendar_views.attended, name="appointment_attended"),
    path("orders/<int:order_id>/book-course/", calendar_views.book_course, name="book_course"),
    path("me/appointments/", calendar_views.my_appointments, name="my_appointments"),
    # treatment plans, MAT and therapy (issue 12)
    path("patients/<int:patient_id>/plans/", plan_views.plan_list, name="plans"),
    path("plan/<int:plan_id>/", plan_views.plan_detail, name="plan"),
    path("plan/<int:plan_id>/edit/", plan_views.plan_edit, name="plan_edit"),
    path("plan/<int:plan_id>/status/", plan_views.plan_status, name="plan_status"),
    path("plan/<int:plan_id>/agreement/", plan_views.plan_agreement, name="plan_agreement"),
    path("plan/<int:plan_id>/booster/", plan_views.plan_booster, name="plan_booster"),
    path("patients/<int:patient_id>/mat/", plan_views.mat_list, name="mat"),
    path("mat/<int:order_id>/", plan_views.mat_detail, name="mat_order"),
    path("mat/<int:order_id>/dose/", plan_views.mat_dose, name="mat_dose"),
    path("mat/<int:order_id>/stop/", plan_views.mat_stop, name="mat_stop"),
    path("patients/<int:patient_id>/therapy/", plan_views.therapy_list, name="therapy"),
    path("my-plan/", plan_views.my_plan, name="my_plan"),
]
