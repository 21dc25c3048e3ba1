from django.apps import AppConfig


class DosingConfig(AppConfig):
    name = "ketacare.dosing"
    label = "dosing"
    verbose_name = "Ketamine dosing"

    def ready(self) -> None:
        # dosing builds on outcomes (decisions #25): outcomes learns of sessions through this provider.
        from ketacare.dosing.selectors import treatment_events
        from ketacare.outcomes import treatment

        treatment.register("dosing", treatment_events)
