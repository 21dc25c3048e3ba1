"""Writing audit events. Called inside the transaction of the change it records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.utils import timezone

from ketacare.audit import checkpoints
from ketacare.audit.chain import GENESIS_HASH, event_hash
from ketacare.audit.context import current_origin
from ketacare.audit.models import AuditEvent
from ketacare.audit.read_guard import note_patient
from ketacare.audit.writer_lock import CHAIN_LOCK_KEY, LOCK_SQL

if TYPE_CHECKING:
    from ketacare.accounts.models import Clinic, User


def record_event(
    *,
    actor: User | None,
    action: str,
    entity: models.Model | None = None,
    clinic: Clinic | None = None,
    patient_id: int | None = None,
    detail: dict[str, Any] | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    entity_type: str = "",
    entity_id: str = "",
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction."""
    origin = current_origin()
    if entity is not None:
        entity_type = entity._meta.label_lower
        entity_id = str(entity.pk)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Already held when the transaction began with it (writer_lock); re-entrant.
                cursor.execute(LOCK_SQL, [CHAIN_LOCK_KEY])
        prev_hash = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH
        authenticated = actor is not None and actor.is_authenticated
        fields: dict[str, Any] = {
            "occurred_at": timezone.now(),
            "actor_id": actor.pk if authenticated else None,  # type: ignore[union-attr]
            "actor_username": actor.get_username() if authenticated else "",  # type: ignore[union-attr]
            "clinic_id": clinic.pk if clinic is not None else None,
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "patient_id": patient_id,
            "detail": detail or {},
            "source": origin.source,
            "ip_address": origin.ip_address,
            "user_agent": origin.user_agent,
            "outcome": str(outcome),
            "prev_hash": prev_hash,
        }
        event = AuditEvent.objects.create(**fields, hash=event_hash(fields))
    # robust: a checkpoint that cannot be written (a full disk) is logged, never an error page after
    # the change was committed.
    transaction.on_commit(checkpoints.write_if_due, robust=True)
    note_patient(patient_id)
    return event
