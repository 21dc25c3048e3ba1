"""Alerts that work: every reading checked against the clinic's thresholds (also readings taken before
they were set), acknowledged by a clinician with what was done, shown to everyone, blocking end and
signature; the live session page, the day board, the start gates and the verified defaults."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts.services import create_api_token
from ketacare.audit.models import AuditEvent
from ketacare.dosing import selectors, services
from ketacare.dosing.models import SessionAlert
from ketacare.plans.testing import order_prescriber, signed_order
from ketacare.rules import esketamine_label

pytestmark = pytest.mark.django_db

NORMAL = {"systolic_mmhg": 128, "diastolic_mmhg": 82, "heart_rate_per_min": 76, "spo2_percent": 98}
ALARMING = {"systolic_mmhg": 195, "diastolic_mmhg": 112, "heart_rate_per_min": 124, "spo2_percent": 89}
CHECKLIST = {
    "consent_confirmed": True,
    "fasting_confirmed": True,
    "escort_confirmed": True,
    "identity_identifiers": ["full_name", "date_of_birth"],
}
THRESHOLDS = {
    "systolic_above_mmhg": 180,
    "diastolic_above_mmhg": 100,
    "heart_rate_above_per_min": 110,
    "spo2_below_percent": 92,
}


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def api_client(user: Any) -> Client:
    _, token = create_api_token(user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {token}"})


def started(nurse: Any, patient: Any, **plan: Any) -> Any:
    session = services.plan_session(
        by=nurse,
        patient=patient,
        route=(route := plan.pop("route", "iv-infusion")),
        dose_mg=(dose_mg := Decimal("32.25")),
        duration_min=plan.pop("duration_min", Decimal("40")),
        order=plan.pop("order", None) or signed_order(patient, route=route, dose_mg=dose_mg),
        **plan,
    )
    return services.start_session(
        by=nurse, session=session, prescriber_on_site=order_prescriber(patient), **CHECKLIST
    )


@pytest.fixture
def session(nurse: Any, patient: Any) -> Any:
    return started(nurse, patient, chair="Chair 2")


def test_verified_defaults_are_the_cited_values() -> None:
    # clinical-verified.md §1b/§1c (Spravato label and REMS form) and §4 (Chung 1995).
    assert esketamine_label.ESKETAMINE_MINIMUM_OBSERVATION_MIN == 120
    assert esketamine_label.ESKETAMINE_BP_CHECK_AFTER_START_MIN == 40
    assert esketamine_label.REMS_FORM_DUE_DAYS == 7
    assert esketamine_label.PADSS_DISCHARGE_MINIMUM == 9


def test_a_reading_taken_before_thresholds_were_set_raises_its_alerts_once_they_are(
    nurse, clinic_admin, clinic, session
) -> None:
    recorded = services.record_vital_sign(by=nurse, session=session, **ALARMING)
    assert recorded.alerts == [] and not services.open_alerts(session).exists()
    services.update_session_settings(by=clinic_admin, clinic=clinic, **THRESHOLDS)
    codes = sorted(services.open_alerts(session).values_list("code", flat=True))
    assert codes == ["diastolic-high", "heart-rate-high", "spo2-low", "systolic-high"]
    assert all(a.late for a in SessionAlert.objects.all())
    # Changing a threshold again never duplicates an alert of the same reading.
    services.update_session_settings(
        by=clinic_admin, clinic=clinic, **{**THRESHOLDS, "systolic_above_mmhg": 170}
    )
    assert SessionAlert.objects.count() == 4
    # The audit names codes, never values.
    details = [e.detail for e in AuditEvent.objects.filter(action="dosing.alert")]
    assert details and all("195" not in json.dumps(d) for d in details)


def test_an_open_alert_blocks_ending_and_signing_until_acknowledged_with_what_was_done(
    nurse, prescriber, clinic_admin, clinic, session
) -> None:
    services.update_session_settings(by=clinic_admin, clinic=clinic, heart_rate_above_per_min=110)
    alert = services.record_vital_sign(
        by=nurse, session=session, **{**NORMAL, "heart_rate_per_min": 124}
    ).alerts[0]
    with pytest.raises(ValidationError, match="not acknowledged"):
        services.end_session(by=nurse, session=session, discharge_note="Home.")
    with pytest.raises(ValidationError, match="what was done"):
        services.acknowledge_alert(by=nurse, session=session, alert_id=alert.pk, action="", note="x")
    with pytest.raises(ValidationError, match="note"):
        services.acknowledge_alert(by=nurse, session=session, alert_id=alert.pk, action="recheck", note=" ")
    services.acknowledge_alert(
        by=nurse, session=session, alert_id=alert.pk, action="recheck", note="96 on recheck"
    )
    alert.refresh_from_db()
    assert alert.acknowledged_by == nurse and alert.action == "recheck"
    with pytest.raises(ValidationError, match="already"):
        services.acknowledge_alert(by=nurse, session=session, alert_id=alert.pk, action="stop", note="again")
    services.end_session(by=nurse, session=session, discharge_note="Home with partner.")
    services.sign_session(by=prescriber, session=session, password="correct horse battery")


def test_signing_is_refused_while_an_alert_raised_after_the_end_is_open(
    nurse, prescriber, clinic_admin, clinic, session
) -> None:
    services.record_vital_sign(by=nurse, session=session, **ALARMING)
    services.end_session(by=nurse, session=session, discharge_note="Home.")
    services.update_session_settings(by=clinic_admin, clinic=clinic, **THRESHOLDS)
    response = client_for(prescriber).post(
        reverse("dosing:sign", args=[session.pk]), {"password": "correct horse battery"}
    )
    assert response.status_code == 400 and "not acknowledged" in response.content.decode()
    signed = api_client(prescriber).post(
        f"/api/v1/sessions/{session.pk}/sign",
        data=json.dumps({"password": "correct horse battery"}),
        content_type="application/json",
    )
    assert signed.status_code == 400


def test_an_alert_of_a_reading_entered_in_error_no_longer_blocks(
    nurse, clinic_admin, clinic, session
) -> None:
    services.update_session_settings(by=clinic_admin, clinic=clinic, **THRESHOLDS)
    vital = services.record_vital_sign(by=nurse, session=session, **ALARMING).vital
    services.mark_session_entry_in_error(by=nurse, entry=vital, reason="Cuff on the wrong arm size")
    services.end_session(by=nurse, session=session, discharge_note="Home.")


def test_everyone_viewing_the_session_sees_the_open_alert_and_the_live_region_updates(
    nurse, prescriber, clinic_admin, clinic, session
) -> None:
    services.update_session_settings(by=clinic_admin, clinic=clinic, **THRESHOLDS)
    other = client_for(prescriber)
    live_url = reverse("dosing:live", args=[session.pk])
    first = other.get(live_url)
    version = selectors.live_version(session)
    assert first.status_code == 200 and f"?v={version}" in first.content.decode()
    assert other.get(live_url, {"v": version}).status_code == 204  # nothing new: nothing sent
    services.record_vital_sign(by=nurse, session=session, **ALARMING)
    update = other.get(live_url, {"v": version})
    assert update.status_code == 200 and 'data-testid="open-alerts"' in update.content.decode()
    page = other.get(reverse("dosing:session", args=[session.pk])).content.decode()
    assert "Systolic 195 mmHg is above" in page and "to acknowledge" in page
    # On the day board and on the prescriber's worklist too.
    board = other.get(reverse("dosing:day_board")).content.decode()
    assert 'data-testid="board-alerts"' in board and "Chair 2" in board
    worklist = other.get(reverse("outcomes:worklist")).content.decode()
    assert 'data-testid="worklist-session-alerts"' in worklist


def test_a_vital_from_the_page_answers_the_fresh_form_and_the_live_region_without_a_reload(
    nurse, session
) -> None:
    client = client_for(nurse)
    url = reverse("dosing:vitals", args=[session.pk])
    saved = client.post(url, NORMAL, headers={"HX-Request": "true"})
    html = saved.content.decode()
    assert saved.status_code == 200 and 'data-testid="vital-saved"' in html
    assert 'id="live"' in html and 'hx-swap-oob="true"' in html and "autofocus" in html
    refused = client.post(url, {**NORMAL, "heart_rate_per_min": 900}, headers={"HX-Request": "true"})
    text = refused.content.decode()
    assert "Heart rate must be between 20 and 250 /min" in text and 'value="128"' in text
    assert session.vitals.count() == 1


def test_acknowledging_from_the_page_needs_an_action_and_a_note(nurse, clinic_admin, clinic, session) -> None:
    services.update_session_settings(by=clinic_admin, clinic=clinic, **THRESHOLDS)
    alert = services.record_vital_sign(by=nurse, session=session, **ALARMING).alerts[0]
    url = reverse("dosing:acknowledge", args=[session.pk, alert.pk])
    client = client_for(nurse)
    assert client.post(url, {"action": "recheck"}).status_code == 400
    done = client.post(url, {"action": "pause", "note": "Paused, called Dr"}, headers={"HX-Request": "true"})
    assert done.status_code == 200 and "Paused the infusion" in done.content.decode()
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None


def test_the_api_acknowledges_and_refuses_unknown_fields_and_control_characters(
    nurse, clinic_admin, clinic, session
) -> None:
    services.update_session_settings(by=clinic_admin, clinic=clinic, **THRESHOLDS)
    api = api_client(nurse)
    recorded = api.post(
        f"/api/v1/sessions/{session.pk}/vitals", data=json.dumps(ALARMING), content_type="application/json"
    ).json()
    assert {"id", "code", "message"} <= set(recorded["alerts"][0])
    url = f"/api/v1/sessions/{session.pk}/alerts/{recorded['alerts'][0]['id']}/acknowledge"
    bad = api.post(
        url, data=json.dumps({"action": "recheck", "note": "x", "extra": 1}), content_type="application/json"
    )
    assert bad.status_code == 422
    nul = api.post(
        url, data=json.dumps({"action": "recheck", "note": "a\x00b"}), content_type="application/json"
    )
    assert nul.status_code == 422
    ok = api.post(
        url, data=json.dumps({"action": "escalate", "note": "Dr B informed"}), content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["acknowledged_by"] == nurse.username
    assert len(api.get(f"/api/v1/sessions/{session.pk}/alerts").json()["items"]) == 4


def test_the_day_board_lists_todays_sessions_with_stage_and_next_reading(
    nurse, clinic_admin, clinic, patient, session
) -> None:
    services.update_session_settings(by=clinic_admin, clinic=clinic, vitals_interval_min=10)
    services.record_vital_sign(by=nurse, session=session, **NORMAL)
    rows = api_client(nurse).get("/api/v1/day-board").json()["items"]
    assert len(rows) == 1
    row = rows[0]
    assert row["chair"] == "Chair 2" and row["stage"] == "dosing" and row["open_alerts"] == []
    assert row["next_reading_due"] is not None and "clinic-set" in row["next_reading_why"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("therapist", 403), ("clinic_admin", 403), ("researcher", 403), ("outsider", 404)],
)
def test_only_the_sessions_clinicians_reach_the_live_region_and_acknowledge(
    personas, nurse, clinic_admin, clinic, session, persona, status
) -> None:
    services.update_session_settings(by=clinic_admin, clinic=clinic, **THRESHOLDS)
    alert = services.record_vital_sign(by=nurse, session=session, **ALARMING).alerts[0]
    client = client_for(personas[persona])
    assert client.get(reverse("dosing:live", args=[session.pk])).status_code == status
    ack = reverse("dosing:acknowledge", args=[session.pk, alert.pk])
    assert client.post(ack, {"action": "recheck", "note": "x"}).status_code == status
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


@pytest.mark.parametrize("persona", ["therapist", "clinic_admin", "researcher"])
def test_the_day_board_is_refused_to_those_who_do_not_give_ketamine(personas, persona) -> None:
    assert client_for(personas[persona]).get(reverse("dosing:day_board")).status_code == 403
    assert client_for(personas[persona]).get(reverse("dosing:day_board_live")).status_code == 403


def test_the_day_board_of_another_clinic_shows_none_of_ours(outsider, session) -> None:
    page = client_for(outsider).get(reverse("dosing:day_board"))
    assert page.status_code == 200 and "Chair 2" not in page.content.decode()


def test_anonymous_is_sent_to_log_in_from_the_new_pages(session) -> None:
    for url in (
        reverse("dosing:day_board"),
        reverse("dosing:day_board_live"),
        reverse("dosing:live", args=[session.pk]),
    ):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Client().post(reverse("dosing:heartbeat")).status_code == 302


def test_a_nurse_starts_on_the_day_board(nurse) -> None:
    response = client_for(nurse).get("/")
    assert response.status_code == 302 and response["Location"] == reverse("dosing:day_board")


def test_esketamine_needs_two_hours_and_a_40_minute_reading(nurse, patient) -> None:
    session = started(nurse, patient, route="intranasal", duration_min=None, drug="esketamine")
    due = selectors.next_reading_due(session, None)
    assert due is not None and due.at == session.started_at + dt.timedelta(minutes=40)
    with pytest.raises(ValidationError, match="at least 120 minutes"):
        services.end_session(by=nurse, session=session, discharge_note="Home.")


def test_a_baseline_above_the_clinics_predose_limit_needs_the_prescribers_override(
    nurse, prescriber, clinic_admin, clinic, patient
) -> None:
    services.update_session_settings(by=clinic_admin, clinic=clinic, predose_systolic_max_mmhg=140)
    session = services.plan_session(
        by=nurse,
        patient=patient,
        route="im",
        dose_mg=Decimal("30"),
        order=signed_order(patient, route="im", dose_mg=Decimal("30")),
    )
    with pytest.raises(ValidationError, match="baseline"):
        services.start_session(by=nurse, session=session, **CHECKLIST)
    services.record_vital_sign(
        by=nurse, session=session, measured_at=timezone.now() - dt.timedelta(minutes=2), **ALARMING
    )
    with pytest.raises(ValidationError, match="Only a prescriber"):
        services.start_session(by=nurse, session=session, **CHECKLIST, override_reason="Usual for her")
    with pytest.raises(ValidationError, match="Only a prescriber"):
        services.start_session(by=prescriber, session=session, **CHECKLIST)
    done = services.start_session(
        by=prescriber, session=session, **CHECKLIST, override_reason="Usual for her"
    )
    assert done.status == "in_progress" and done.override_by == prescriber


def test_a_wrong_method_and_a_failed_csrf_check_get_ketacares_own_pages(nurse, session) -> None:
    client = client_for(nurse)
    wrong = client.get(reverse("dosing:vitals", args=[session.pk]))
    assert wrong.status_code == 405 and "cannot be opened this way" in wrong.content.decode()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(nurse)
    refused = strict.post(reverse("dosing:vitals", args=[session.pk]), NORMAL)
    assert refused.status_code == 403 and "This page had expired" in refused.content.decode()
    assert session.vitals.count() == 0


def test_signing_re_authenticates_the_prescriber(nurse, prescriber, session) -> None:
    services.end_session(by=nurse, session=session, discharge_note="Home with partner.")
    url = reverse("dosing:sign", args=[session.pk])
    wrong = client_for(prescriber).post(url, {"password": "not it"})
    assert wrong.status_code == 400 and "Enter your password to sign" in wrong.content.decode()
    api = api_client(prescriber)
    missing = api.post(f"/api/v1/sessions/{session.pk}/sign", data="{}", content_type="application/json")
    assert missing.status_code == 422
    session.refresh_from_db()
    assert session.signed_at is None
    assert client_for(prescriber).post(url, {"password": "correct horse battery"}).status_code == 302
    session.refresh_from_db()
    assert session.signed_by == prescriber
