"""The audit trail is append-only, hash-chained, and verifiable from the command line."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from ketacare.audit import triggers
from ketacare.audit.chain import GENESIS_HASH
from ketacare.audit.models import AuditEvent
from ketacare.audit.selectors import verify_chain

pytestmark = pytest.mark.usefixtures("audit_triggers")


def test_each_event_links_to_the_hash_of_the_one_before(patient) -> None:
    events = list(AuditEvent.objects.order_by("id"))
    assert len(events) > 3
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash


def test_an_untouched_chain_verifies(patient) -> None:
    report = verify_chain()
    assert report.ok
    assert report.events_checked == AuditEvent.objects.count()


def test_updating_an_audit_event_is_refused_by_the_database(patient) -> None:
    event = AuditEvent.objects.first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="nothing to see")


def test_deleting_an_audit_event_is_refused_by_the_database(patient) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()


def test_verify_finds_an_event_changed_behind_the_triggers_back(patient, capsys) -> None:
    tampered = AuditEvent.objects.order_by("id")[2]
    triggers.remove(connection)
    try:
        AuditEvent.objects.filter(pk=tampered.pk).update(actor_username="someone-else")
    finally:
        triggers.install(connection)
    report = verify_chain()
    assert not report.ok
    assert report.first_broken_id == tampered.pk
    with pytest.raises(CommandError, match=f"BROKEN at event {tampered.pk}"):
        call_command("audit", "verify")


def test_verify_finds_a_deleted_event(patient) -> None:
    removed = AuditEvent.objects.order_by("id")[1]
    triggers.remove(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [removed.pk])
    finally:
        triggers.install(connection)
    report = verify_chain()
    assert not report.ok
    assert "link" in report.problem


def test_audit_verify_command_reports_an_intact_chain(patient, capsys) -> None:
    call_command("audit", "verify")
    assert "intact" in capsys.readouterr().out


def test_registering_a_patient_is_audited_with_who_what_and_which_record(patient, nurse) -> None:
    event = AuditEvent.objects.get(action="create", entity_type="patients.patient")
    assert event.actor == nurse
    assert event.patient_id == patient.pk
    assert event.clinic_id == patient.clinic_id
    assert event.outcome == "success"


def test_a_failed_write_leaves_no_audit_event(clinic, nurse) -> None:
    from django.core.exceptions import ValidationError

    from ketacare.patients import services

    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        services.register_patient(
            by=nurse,
            clinic=clinic,
            medical_record_number="",
            given_name="A",
            family_name="B",
            date_of_birth="1990-01-01",
            sex_at_birth="male",
        )
    assert AuditEvent.objects.count() == before


def test_a_clinic_auditor_sees_their_staffs_log_ins_but_not_another_clinics(personas) -> None:
    from django.test import Client

    from ketacare.audit.selectors import events_visible_to

    for username in ("nurse", "outsider"):
        Client().post("/accounts/login/", {"username": username, "password": "correct horse battery"})
    visible = events_visible_to(personas["clinic_admin"]).filter(action="login")
    assert set(visible.values_list("actor__username", flat=True)) == {"nurse"}
