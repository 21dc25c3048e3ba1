from django.apps import AppConfig


class DosingConfig(AppConfig):
    name = "ketacare.dosing"
    label = "dosing"
    verbose_name = "Ketamine dosing"
