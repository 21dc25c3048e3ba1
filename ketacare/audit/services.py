"""Writing audit events. Called inside the transaction of the change it records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.utils import timezone

from ketacare.accounts.roles import Action
from ketacare.audit import checkpoints
from ketacare.audit.actions import DETAIL_KEYS, AuditAction
from ketacare.audit.chain import GENESIS_HASH, event_hash
from ketacare.audit.context import current_origin
from ketacare.audit.models import AuditEvent
from ketacare.audit.read_guard import note_patient
from ketacare.audit.writer_lock import CHAIN_LOCK_KEY, LOCK_SQL

if TYPE_CHECKING:
    from ketacare.accounts.models import Clinic, User


def record_refusal(
    *,
    actor: User | None,
    action: AuditAction | Action,
    entity_type: str,
    entity_id: object,
    outcome: str,
    clinic: Clinic | None = None,
    patient_id: int | None = None,
) -> AuditEvent:
    """The one way a refused access is audited (outcome NOT_FOUND: 404, DENIED: 403). The refused user
    learns nothing about the record or its clinic; the clinic's auditor sees the attempt."""
    return record_event(
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        clinic=clinic,
        patient_id=patient_id,
        outcome=outcome,
    )


def record_event(
    *,
    actor: User | None,
    action: AuditAction | Action,
    entity: models.Model | None = None,
    clinic: Clinic | None = None,
    patient_id: int | None = None,
    detail: dict[str, Any] | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    entity_type: str = "",
    entity_id: str = "",
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction.

    `action` is a member of the vocabulary (ketacare/audit/actions.py); `detail` holds only the keys
    of `DETAIL_KEYS` (names, codes, ids: never clinical values)."""
    if not isinstance(action, AuditAction | Action):
        raise TypeError(f"Audit action {action!r} is not in the vocabulary (ketacare/audit/actions.py).")
    unknown = sorted(set(detail or {}) - DETAIL_KEYS)
    if unknown:
        raise ValueError(
            f"Audit detail keys {unknown} are not in DETAIL_KEYS: the trail holds names, codes and ids "
            "only, never clinical values (ketacare/audit/actions.py)."
        )
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
            "action": str(action),
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
