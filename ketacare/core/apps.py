from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Project-wide commands (serve, demo, openapi_schema) and whole-project tests (the API schema
    snapshot, the import graph). The one app allowed to import ketacare.api and ketacare.demo."""

    name = "ketacare.core"
    label = "core"
    verbose_name = "Project-wide commands"
