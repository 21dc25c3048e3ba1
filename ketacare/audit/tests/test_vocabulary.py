"""The audit trail speaks one vocabulary and never holds clinical values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ketacare.accounts.roles import Action
from ketacare.audit.actions import DETAIL_KEYS, AuditAction
from ketacare.audit.models import AuditEvent
from ketacare.audit.services import record_event

SECURITY_MD = Path(__file__).resolve().parents[3] / "docs" / "security.md"


def test_the_documented_audit_vocabulary_is_the_one_in_the_code() -> None:
    text = SECURITY_MD.read_text().split("## Audit vocabulary", 1)[1]
    documented = set(re.findall(r"^\| `([^`]+)` \|", text, flags=re.MULTILINE))
    assert documented == {member.value for member in AuditAction}


def test_a_free_string_action_is_refused(db) -> None:
    with pytest.raises(TypeError):
        record_event(actor=None, action="create")  # type: ignore[arg-type]
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("value_field", ["total", "flags", "positive", "severity", "weight_kg", "dose_mg"])
def test_a_clinical_value_in_the_detail_is_refused(db, value_field) -> None:
    with pytest.raises(ValueError, match="never clinical values"):
        record_event(actor=None, action=AuditAction.CREATE, detail={value_field: 1})
    assert not AuditEvent.objects.exists()


def test_members_of_both_vocabularies_are_stored_as_their_codes(db) -> None:
    record_event(actor=None, action=AuditAction.ENTERED_IN_ERROR, detail={"reason": "Wrong patient"})
    record_event(actor=None, action=Action.PLAN_DOSE, outcome=AuditEvent.Outcome.DENIED)
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "entered-in-error",
        "dosing.plan",
    ]


def test_no_whitelisted_detail_key_names_a_value() -> None:
    assert not DETAIL_KEYS & {"total", "score", "score_total", "flags", "positive", "result", "severity"}


def test_an_item9_positive_phq9_leaves_no_score_or_flag_in_the_trail(nurse, patient) -> None:
    from ketacare.outcomes import services

    services.record_response(
        by=nurse, patient=patient, instrument_id="phq-9", answers=[2, 2, 1, 2, 1, 1, 1, 0, 1]
    )
    for event in AuditEvent.objects.filter(patient_id=patient.pk):
        assert set(event.detail) <= DETAIL_KEYS
        assert "11" not in str(event.detail.values())
