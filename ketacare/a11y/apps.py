from django.apps import AppConfig


class A11yConfig(AppConfig):
    name = "ketacare.a11y"
    label = "a11y"
    verbose_name = "Accessibility"
