from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ketacare.accounts"
    label = "accounts"
    verbose_name = "Accounts, roles and credentials"

    def ready(self) -> None:
        from ketacare.accounts import signals  # noqa: F401  (connects the audit receivers)
