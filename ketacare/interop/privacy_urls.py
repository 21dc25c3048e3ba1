from django.urls import path

from ketacare.interop import views_privacy as views

app_name = "privacy"
urlpatterns = [
    path("", views.home, name="home"),
    path("settings/", views.privacy_settings, name="settings"),
    path("patients/<int:patient_id>/", views.patient_privacy, name="patient"),
    path("patients/<int:patient_id>/consents/new/", views.consent_new, name="consent_new"),
    path("patients/<int:patient_id>/accounting.pdf", views.accounting_pdf, name="accounting_pdf"),
    path("patients/<int:patient_id>/record.pdf", views.record_pdf, name="record_pdf"),
    path("consents/<int:consent_id>/", views.consent_detail, name="consent"),
    path("consents/<int:consent_id>/scan", views.consent_scan, name="consent_scan"),
    path("me/", views.mine, name="mine"),
    path("me/consents/<int:consent_id>/sign/", views.my_sign, name="my_sign"),
    path("me/accounting.pdf", views.my_accounting_pdf, name="my_accounting_pdf"),
]
