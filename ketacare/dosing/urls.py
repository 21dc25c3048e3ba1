from django.urls import path

from ketacare.dosing import views

app_name = "dosing"
urlpatterns = [
    path("patients/<int:patient_id>/plan/", views.plan_dose, name="plan"),
]
