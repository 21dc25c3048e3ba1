from django.urls import path

from ketacare.interop import views

app_name = "research"
urlpatterns = [
    path("", views.cohort, name="cohort"),
    path("export.csv", views.cohort_csv, name="csv"),
    path("trials/", views.trials_page, name="trials"),
]
