from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ketacare.ledger"
    label = "ledger"
    verbose_name = "Controlled-substance ledger"

    def ready(self) -> None:
        # Signing a dosing session waits until what was drawn for it is accounted for.
        from ketacare.dosing import sign_checks
        from ketacare.ledger.selectors import unaccounted_problems

        sign_checks.register(unaccounted_problems)
