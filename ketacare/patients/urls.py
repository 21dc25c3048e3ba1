from django.urls import path

from ketacare.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_new, name="new"),
    path("me/", views.portal, name="portal"),
    path("<int:patient_id>/", views.patient_detail, name="detail"),
    path("<int:patient_id>/edit/", views.patient_edit, name="edit"),
    path("<int:patient_id>/history/", views.patient_history, name="history"),
    path("<int:patient_id>/care-team/add/", views.care_team_add, name="care_team_add"),
    path("<int:patient_id>/<slug:kind>/new/", views.entry_new, name="entry_new"),
    path("<int:patient_id>/<slug:kind>/<int:entry_id>/error/", views.entry_error, name="entry_error"),
]
