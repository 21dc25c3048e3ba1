from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "ketacare.plans"
    label = "plans"
    verbose_name = "Protocols, screening, orders and treatment plans"

    def ready(self) -> None:
        # outcomes sits below plans (decisions #25): it learns of MAT and therapy through this provider.
        from ketacare.outcomes import treatment
        from ketacare.plans.selectors import treatment_events

        treatment.register("plans", treatment_events)
