"""Someone with write access to the database, but not to the audit key or the checkpoints kept
outside it, cannot rewrite or shorten the audit trail without `ketacare audit verify` failing.
Tampering happens behind the append-only triggers' back, as a database administrator could."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from ketacare.audit import checkpoints, triggers
from ketacare.audit.actions import AuditAction
from ketacare.audit.chain import CHAINED_FIELDS, GENESIS_HASH, event_hash, unkeyed_hash
from ketacare.audit.models import AuditEvent
from ketacare.audit.selectors import verify_chain
from ketacare.audit.services import record_event

pytestmark = pytest.mark.django_db


@contextmanager
def behind_the_triggers() -> Iterator[None]:
    triggers.remove(connection)
    try:
        yield
    finally:
        triggers.install(connection)


def _events(n: int, nurse) -> None:
    for i in range(n):
        record_event(actor=nurse, action=AuditAction.READ, entity_type="patients.patient", entity_id=str(i))


def _rehash_everything(hasher) -> None:
    """Recompute every row's link and hash in order, as a forger would after an edit."""
    prev = GENESIS_HASH
    for event in AuditEvent.objects.order_by("id"):
        fields = {name: getattr(event, name) for name in CHAINED_FIELDS}
        fields["prev_hash"] = prev
        new_hash = hasher(fields)
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=prev, hash=new_hash)
        prev = new_hash


def test_an_edit_with_every_row_rehashed_without_the_key_fails_verify(patient, nurse) -> None:
    _events(5, nurse)
    victim = AuditEvent.objects.order_by("id")[2]
    with behind_the_triggers():
        AuditEvent.objects.filter(pk=victim.pk).update(actor_username="someone-else")
        _rehash_everything(unkeyed_hash)
    report = verify_chain()
    assert not report.ok
    assert "keyed hash" in report.problem
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("audit", "verify")


def test_an_edit_rehashed_even_with_a_stolen_key_fails_against_an_earlier_checkpoint(patient, nurse) -> None:
    _events(5, nurse)
    checkpoints.write()
    victim = AuditEvent.objects.order_by("id")[1]
    with behind_the_triggers():
        AuditEvent.objects.filter(pk=victim.pk).update(actor_username="someone-else")
        _rehash_everything(event_hash)
    report = verify_chain()
    assert not report.ok
    assert "hash the checkpoint" in report.problem


def test_deleting_the_newest_twenty_events_fails_verify(patient, nurse) -> None:
    _events(25, nurse)
    checkpoints.write()
    newest = list(AuditEvent.objects.order_by("-id").values_list("id", flat=True)[:20])
    with behind_the_triggers(), connection.cursor() as cursor:
        for event_id in newest:
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event_id])
    report = verify_chain()
    assert not report.ok
    assert "missing" in report.problem


def test_a_checkpoint_not_signed_with_the_key_fails_verify(patient, nurse, settings) -> None:
    content = checkpoints.write()
    assert content is not None
    forged = {**content, "count": content["count"] + 1, "signature": "0" * 64}
    with settings.AUDIT_CHECKPOINT_FILE.open("a") as handle:
        handle.write(json.dumps(forged) + "\n")
    report = verify_chain()
    assert not report.ok
    assert "not signed" in report.problem


def test_audit_checkpoint_prints_a_signed_line_and_the_intact_chain_verifies(patient, capsys) -> None:
    call_command("audit", "checkpoint")
    printed = json.loads(capsys.readouterr().out)
    assert printed["event_id"] == AuditEvent.objects.order_by("-id").first().pk
    assert printed["count"] == AuditEvent.objects.count()
    assert len(printed["signature"]) == 64
    assert checkpoints.read() == [printed]
    assert verify_chain().ok


def test_hashes_are_keyed_so_the_plain_sha256_of_an_event_is_not_its_hash(patient) -> None:
    event = AuditEvent.objects.order_by("id").first()
    fields = {name: getattr(event, name) for name in CHAINED_FIELDS}
    assert event.hash == event_hash(fields)
    assert event.hash != unkeyed_hash(fields)
    assert event.hash != event_hash(fields, key=b"another key")


def test_an_upgraded_chain_verifies_its_unkeyed_events_only_before_the_configured_id(
    patient, nurse, settings
) -> None:
    _events(3, nurse)
    first_keyed = AuditEvent.objects.order_by("-id").first().pk
    with behind_the_triggers():
        _rehash_everything(unkeyed_hash)
    settings.AUDIT_UNKEYED_BEFORE_ID = first_keyed
    assert not verify_chain().ok  # the last event must be keyed
    settings.AUDIT_UNKEYED_BEFORE_ID = first_keyed + 1
    assert verify_chain().ok
