"""Reading the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet

from ketacare.accounts.models import Membership, User
from ketacare.accounts.roles import Action
from ketacare.accounts.selectors import clinics_where
from ketacare.audit import checkpoints
from ketacare.audit.chain import CHAINED_FIELDS, GENESIS_HASH, ChainReport, event_hash, unkeyed_hash
from ketacare.audit.keys import audit_key
from ketacare.audit.models import AuditEvent


def events_visible_to(user: User) -> QuerySet[AuditEvent]:
    """An auditor sees the events of the clinics where they may browse the audit trail, and the
    clinic-less events (log-ins, log-outs, two-factor) of the people who work or are treated there."""
    clinics = clinics_where(user, Action.VIEW_AUDIT)
    members = Membership.objects.filter(clinic__in=clinics).values("user")
    return AuditEvent.objects.filter(
        Q(clinic__in=clinics) | Q(clinic__isnull=True, actor__in=members)
    ).select_related("actor")


def verify_chain() -> ChainReport:
    """Recompute every keyed hash in order (the first event that does not match breaks the chain),
    then hold the database to every signed checkpoint kept outside it (a truncated or rebuilt chain
    fails there)."""
    key = audit_key()
    unkeyed_before = settings.AUDIT_UNKEYED_BEFORE_ID
    expected_prev = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        fields = {name: getattr(event, name) for name in CHAINED_FIELDS}
        if event.prev_hash != expected_prev:
            return ChainReport(False, checked, event.pk, "its link to the previous event is broken")
        expected = unkeyed_hash(fields) if event.pk < unkeyed_before else event_hash(fields, key)
        if expected != event.hash:
            return ChainReport(False, checked, event.pk, "its content does not match its keyed hash")
        expected_prev = event.hash
        checked += 1
    for checkpoint in checkpoints.read():
        problem = checkpoints.problem_with(checkpoint)
        if problem is not None:
            return ChainReport(False, checked, checkpoint.get("event_id"), problem)
    return ChainReport(True, checked)
