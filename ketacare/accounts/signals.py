"""Log-ins, log-outs and failed log-ins go to the audit trail (Django reports them as signals)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from ketacare.audit.actions import AuditAction
from ketacare.audit.models import AuditEvent
from ketacare.audit.services import record_event


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record_event(actor=user, action=AuditAction.LOGIN, entity=user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record_event(actor=user, action=AuditAction.LOGOUT, entity=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    record_event(
        actor=None,
        action=AuditAction.LOGIN,
        entity_type="accounts.user",
        detail={"username": str(credentials.get("username", ""))[:150]},
        outcome=AuditEvent.Outcome.FAILED,
    )
