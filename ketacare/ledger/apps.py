from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ketacare.ledger"
    label = "ledger"
    verbose_name = "Controlled-substance ledger"

    def ready(self) -> None:
        # Signing a dosing session waits until what was drawn for it is accounted for and the
        # administration recorded is the delivered dose.
        from ketacare.dosing import sign_checks
        from ketacare.ledger.selectors import session_problems

        sign_checks.register(session_problems)
