from django.urls import path

from ketacare.plans import views

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
]
