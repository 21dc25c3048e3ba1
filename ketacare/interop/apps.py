from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "ketacare.interop"
    label = "interop"
    verbose_name = "Interoperability (FHIR)"
