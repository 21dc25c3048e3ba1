from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ketacare.ledger"
    label = "ledger"
    verbose_name = "Controlled-substance ledger"

    def ready(self) -> None:
        # Signing a dosing session waits until what was drawn for it is accounted for and the
        # administration recorded is the delivered dose.
        # The session page shows the ledger's numbers for the session (dosing.session_panels).
        from ketacare.dosing import session_panels, sign_checks
        from ketacare.ledger.selectors import session_problems
        from ketacare.ledger.views import session_panel

        sign_checks.register(session_problems)
        session_panels.register(session_panel)
