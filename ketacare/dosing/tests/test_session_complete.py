"""Issue 11, finished: the identity and pregnancy-test start gates, the in-session scales page, the REMS
monitoring forms' pages, the predicted course in the live region, and an idle timeout that only the
user's own activity (or a monitored session on screen) renews."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketacare.dosing import gates, selectors, services
from ketacare.outcomes import services as outcomes
from ketacare.plans.testing import order_prescriber, signed_order
from ketacare.testing import api_client, client_for

pytestmark = pytest.mark.django_db

TWO_IDS = ["full_name", "date_of_birth"]
CHECKS = {"consent_confirmed": True, "fasting_confirmed": True, "escort_confirmed": True}
NORMAL = {"systolic_mmhg": 128, "diastolic_mmhg": 82, "heart_rate_per_min": 76, "spo2_percent": 98}
HTMX = {"HX-Request": "true"}


def planned(nurse: Any, patient: Any, **plan: Any) -> Any:
    route = plan.pop("route", "iv-infusion")
    dose_mg = Decimal("32.25")
    return services.plan_session(
        by=nurse,
        patient=patient,
        route=route,
        dose_mg=dose_mg,
        duration_min=plan.pop("duration_min", Decimal("40")),
        order=signed_order(patient, route=route, dose_mg=dose_mg),
        **plan,
    )


def started(nurse: Any, patient: Any, **plan: Any) -> Any:
    started_at = plan.pop("started_at", None)
    return services.start_session(
        by=nurse,
        session=planned(nurse, patient, **plan),
        identity_identifiers=TWO_IDS,
        started_at=started_at,
        prescriber_on_site=order_prescriber(patient),
        **CHECKS,
    )


def post_json(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, data=json.dumps(body, default=str), content_type="application/json")


# --- The identity gate (hard) --------------------------------------------------------------------


def test_the_start_gates_include_identity_and_the_pregnancy_test() -> None:
    assert gates.identity_gate in gates.START_GATES and gates.pregnancy_test_gate in gates.START_GATES


@pytest.mark.parametrize("identifiers", [[], ["full_name"], ["full_name", "full_name"], ["shoe_size", "x"]])
def test_a_start_without_two_identifiers_checked_is_refused_even_to_a_prescriber(
    prescriber, patient, identifiers
) -> None:
    session = planned(prescriber, patient)
    with pytest.raises(ValidationError) as refused:
        services.start_session(
            by=prescriber,
            session=session,
            identity_identifiers=identifiers,
            override_reason="Known to us for years",
            **CHECKS,
        )
    assert "identity_identifiers" in refused.value.message_dict
    session.refresh_from_db()
    assert session.started_at is None


def test_the_identifiers_checked_are_recorded_with_the_start(nurse, patient) -> None:
    session = started(nurse, patient)
    assert session.identity_identifiers == ["date_of_birth", "full_name"]


def test_the_checklist_page_shows_the_records_identifiers_and_refuses_without_them(nurse, patient) -> None:
    session = planned(nurse, patient)
    client = client_for(nurse)
    page = client.get(reverse("dosing:session", args=[session.pk])).content.decode()
    assert 'data-testid="record-identifiers"' in page and patient.medical_record_number in page
    data = {"consent_confirmed": "on", "fasting_confirmed": "on", "escort_confirmed": "on"}
    refused = client.post(reverse("dosing:start", args=[session.pk]), data)
    assert refused.status_code == 400 and "two identifiers" in refused.content.decode()
    ok = client.post(reverse("dosing:start", args=[session.pk]), {**data, "identity_identifiers": TWO_IDS})
    assert ok.status_code == 302
    session.refresh_from_db()
    assert session.status == "in_progress"


def test_the_api_start_refuses_without_identifiers_with_a_clear_message(nurse, patient) -> None:
    session = planned(nurse, patient)
    api = api_client(nurse)
    refused = post_json(api, f"/api/v1/sessions/{session.pk}/start", CHECKS)
    assert refused.status_code == 400 and "two identifiers" in refused.content.decode()
    ok = post_json(api, f"/api/v1/sessions/{session.pk}/start", {**CHECKS, "identity_identifiers": TWO_IDS})
    assert ok.status_code == 200 and ok.json()["identity_identifiers"] == ["date_of_birth", "full_name"]


# --- The prescriber on site (esketamine: REMS; ketamine: clinic-set), hard -----------------------------


def test_an_esketamine_start_needs_a_prescriber_on_site_with_valid_credentials(
    nurse, prescriber, therapist, patient
) -> None:
    session = planned(nurse, patient, route="intranasal", duration_min=None, drug="esketamine")
    start = {"by": nurse, "session": session, "identity_identifiers": TWO_IDS, **CHECKS}
    with pytest.raises(ValidationError, match="Name the prescriber on site"):
        services.start_session(**start)
    with pytest.raises(ValidationError, match="is not a prescriber"):
        services.start_session(**start, prescriber_on_site=therapist)
    prescriber.credentials.update(revoked=True)
    with pytest.raises(ValidationError, match="may not supervise today"):
        services.start_session(**start, prescriber_on_site=prescriber)
    prescriber.credentials.update(revoked=False)
    done = services.start_session(**start, prescriber_on_site=prescriber)
    assert done.prescriber_on_site == prescriber


def test_a_prescriber_who_starts_is_on_site_and_ketamine_asks_only_where_the_clinic_does(
    nurse, prescriber, clinic_admin, clinic, patient
) -> None:
    esk = planned(prescriber, patient, route="intranasal", duration_min=None, drug="esketamine")
    done = services.start_session(by=prescriber, session=esk, identity_identifiers=TWO_IDS, **CHECKS)
    assert done.prescriber_on_site == prescriber
    assert started(nurse, patient).prescriber_on_site is None  # ketamine, clinic has not asked
    services.update_session_settings(by=clinic_admin, clinic=clinic, prescriber_on_site_required=True)
    session = planned(nurse, patient)
    page = client_for(nurse).get(reverse("dosing:session", args=[session.pk])).content.decode()
    assert "Prescriber on site" in page
    with pytest.raises(ValidationError, match="Name the prescriber on site"):
        services.start_session(by=nurse, session=session, identity_identifiers=TWO_IDS, **CHECKS)
    body = {**CHECKS, "identity_identifiers": TWO_IDS, "prescriber_on_site_username": prescriber.username}
    ok = post_json(api_client(nurse), f"/api/v1/sessions/{session.pk}/start", body)
    assert ok.status_code == 200 and ok.json()["prescriber_on_site"] == prescriber.username


# --- The pregnancy-test gate (clinic-set, relative) --------------------------------------------------


def test_without_the_clinics_setting_no_pregnancy_test_is_asked(nurse, patient) -> None:
    assert started(nurse, patient).status == "in_progress"


def test_a_missing_pregnancy_test_needs_the_prescribers_recorded_override(
    nurse, prescriber, clinic_admin, clinic, patient
) -> None:
    services.update_session_settings(by=clinic_admin, clinic=clinic, pregnancy_test_for="female")
    session = planned(nurse, patient)
    with pytest.raises(ValidationError, match="No pregnancy test is recorded today"):
        services.start_session(by=nurse, session=session, identity_identifiers=TWO_IDS, **CHECKS)
    with pytest.raises(ValidationError, match="Only a prescriber"):
        services.start_session(
            by=nurse,
            session=session,
            identity_identifiers=TWO_IDS,
            override_reason="Post-menopausal",
            **CHECKS,
        )
    done = services.start_session(
        by=prescriber,
        session=session,
        identity_identifiers=TWO_IDS,
        override_reason="Post-menopausal",
        **CHECKS,
    )
    assert done.override_by == prescriber and done.override_reason == "Post-menopausal"


def test_a_negative_test_today_lets_the_nurse_start_and_yesterdays_does_not(
    nurse, clinic_admin, clinic, patient
) -> None:
    services.update_session_settings(by=clinic_admin, clinic=clinic, pregnancy_test_for="not_male")
    session = planned(nurse, patient)
    yesterday = timezone.now() - dt.timedelta(days=1)
    services.record_pregnancy_test(by=nurse, session=session, result="negative", tested_at=yesterday)
    with pytest.raises(ValidationError, match="No pregnancy test is recorded today"):
        services.start_session(by=nurse, session=session, identity_identifiers=TWO_IDS, **CHECKS)
    services.record_pregnancy_test(by=nurse, session=session, result="negative")
    assert services.start_session(
        by=nurse, session=session, identity_identifiers=TWO_IDS, **CHECKS
    ).started_at


def test_a_positive_test_or_one_entered_in_error_does_not_pass_the_gate(
    nurse, clinic_admin, clinic, patient
) -> None:
    services.update_session_settings(by=clinic_admin, clinic=clinic, pregnancy_test_for="female")
    session = planned(nurse, patient)
    wrong = services.record_pregnancy_test(by=nurse, session=session, result="negative")
    services.mark_session_entry_in_error(by=nurse, entry=wrong, reason="Another patient's strip")
    services.record_pregnancy_test(by=nurse, session=session, result="positive")
    with pytest.raises(ValidationError, match="positive"):
        services.start_session(by=nurse, session=session, identity_identifiers=TWO_IDS, **CHECKS)


def test_the_pregnancy_gate_applies_only_to_whom_the_clinic_set(nurse, clinic_admin, clinic, patient) -> None:
    from ketacare.patients import services as patients

    services.update_session_settings(by=clinic_admin, clinic=clinic, pregnancy_test_for="female")
    man = patients.register_patient(
        by=nurse,
        clinic=clinic,
        medical_record_number="MRN-2",
        given_name="Alan",
        family_name="Turing",
        date_of_birth=dt.date(1980, 6, 23),
        sex_at_birth="male",
        phone="+44 20 7946 0959",
        weight_kg=Decimal("70"),
        height_cm=Decimal("178"),
    )
    assert started(nurse, man).status == "in_progress"


def test_the_pregnancy_test_is_recorded_from_the_session_page(nurse, clinic_admin, clinic, patient) -> None:
    services.update_session_settings(by=clinic_admin, clinic=clinic, pregnancy_test_for="female")
    session = planned(nurse, patient)
    client = client_for(nurse)
    page = client.get(reverse("dosing:session", args=[session.pk])).content.decode()
    assert 'data-testid="pregnancy-form"' in page
    url = reverse("dosing:pregnancy_test", args=[session.pk])
    assert client.post(url, {}).status_code == 400
    assert client.post(url, {"result": "negative"}).status_code == 302
    assert session.pregnancy_tests.get().result == "negative"


# --- Scales in the session ------------------------------------------------------------------------


def test_sedation_and_craving_are_recorded_from_the_session_page_without_moving_it(nurse, patient) -> None:
    session = started(nurse, patient)
    client = client_for(nurse)
    page = client.get(reverse("dosing:session", args=[session.pk])).content.decode()
    assert 'data-testid="scale-moaas"' in page and 'data-testid="scale-craving"' in page
    answer = client.post(
        reverse("dosing:scale", args=[session.pk, "moaas"]), {"moaas-level": "4"}, headers=HTMX
    )
    text = answer.content.decode()
    assert answer.status_code == 200 and 'data-testid="scale-saved"' in text
    assert 'id="live"' in text and 'hx-swap-oob="true"' in text
    craving = client.post(
        reverse("dosing:scale", args=[session.pk, "craving-vas"]), {"craving-vas-craving": "62"}, headers=HTMX
    )
    assert 'data-testid="scale-saved"' in craving.content.decode()
    scores = {r.instrument_id: r.score_total for r in selectors.session_scores(session)}
    assert scores == {"moaas": 4, "craving-vas": 62}


def test_an_impossible_craving_is_refused_and_the_typed_value_kept(nurse, patient) -> None:
    session = started(nurse, patient)
    answer = client_for(nurse).post(
        reverse("dosing:scale", args=[session.pk, "craving-vas"]),
        {"craving-vas-craving": "150"},
        headers=HTMX,
    )
    text = answer.content.decode()
    assert "Craving must be between 0 and 100" in text and 'value="150"' in text
    assert selectors.session_scores(session) == []


def test_cadss6_needs_the_clinics_recorded_permission(nurse, clinic_admin, clinic, patient) -> None:
    session = started(nurse, patient)
    client = client_for(nurse)
    assert (
        'data-testid="cadss-unavailable"'
        in client.get(reverse("dosing:session", args=[session.pk])).content.decode()
    )
    refused = post_json(
        api_client(nurse),
        f"/api/v1/sessions/{session.pk}/scales",
        {"instrument_id": "cadss-6", "answers": [0] * 6},
    )
    assert refused.status_code == 400 and "permission" in refused.content.decode()
    outcomes.record_instrument_permission(
        by=clinic_admin,
        clinic=clinic,
        instrument_id="cadss-6",
        granted_by="J. D. Bremner",
        reference="Letter 1",
    )
    assert (
        'data-testid="scale-cadss"'
        in client.get(reverse("dosing:session", args=[session.pk])).content.decode()
    )
    data = {f"cadss-6-item_{n}": "1" for n in range(1, 7)}
    answer = client.post(reverse("dosing:scale", args=[session.pk, "cadss-6"]), data, headers=HTMX)
    assert 'data-testid="scale-saved"' in answer.content.decode()
    assert [r.score_total for r in selectors.session_scores(session)] == [6]


def test_scales_due_follow_the_clinics_schedule_and_craving_before_and_after(
    nurse, clinic_admin, clinic, patient
) -> None:
    services.update_session_settings(by=clinic_admin, clinic=clinic, scales_interval_min=15)
    session = started(nurse, patient)
    due = {d.label: d for d in selectors.scales_due(session, 15)}
    assert due["Sedation (MOAA/S)"].at == session.started_at + dt.timedelta(minutes=15)
    assert "Craving (0-100) before the dose" in due
    services.record_session_scale(by=nurse, session=session, instrument_id="moaas", answers=[5])
    services.record_session_scale(by=nurse, session=session, instrument_id="craving-vas", answers=[40])
    due = {d.label: d for d in selectors.scales_due(session, 15)}
    assert due["Sedation (MOAA/S)"].at > session.started_at + dt.timedelta(minutes=15)
    assert "Craving (0-100) after the dose" in due
    page = client_for(nurse).get(reverse("dosing:session", args=[session.pk])).content.decode()
    assert 'data-testid="scales-due"' in page and "every 15 min (clinic-set)" in page


def test_scales_are_refused_before_the_start_and_outside_the_sessions_clinicians(
    nurse, therapist, outsider, patient
) -> None:
    session = planned(nurse, patient)
    with pytest.raises(ValidationError, match="once the session has started"):
        services.record_session_scale(by=nurse, session=session, instrument_id="moaas", answers=[5])
    url = reverse("dosing:scale", args=[session.pk, "moaas"])
    assert client_for(therapist).post(url, {"moaas-level": "5"}).status_code == 403
    assert client_for(outsider).post(url, {"moaas-level": "5"}).status_code == 404
    assert client_for(nurse).post(reverse("dosing:scale", args=[session.pk, "pacs"]), {}).status_code == 404


# --- The REMS monitoring forms -------------------------------------------------------------------


def esketamine(nurse: Any, patient: Any, days_ago: int) -> Any:
    began = timezone.now() - dt.timedelta(days=days_ago, hours=3)
    session = started(
        nurse, patient, route="intranasal", duration_min=None, drug="esketamine", started_at=began
    )
    services.record_vital_sign(by=nurse, session=session, measured_at=began, **NORMAL)
    services.record_vital_sign(
        by=nurse, session=session, measured_at=began + dt.timedelta(minutes=40), **NORMAL
    )
    services.end_session(
        by=nurse, session=session, discharge_note="Home.", ended_at=began + dt.timedelta(minutes=125)
    )
    return session


def test_the_rems_queue_page_lists_forms_due_and_overdue(nurse, patient) -> None:
    overdue = esketamine(nurse, patient, days_ago=9)
    due = esketamine(nurse, patient, days_ago=1)
    page = client_for(nurse).get(reverse("dosing:rems_queue"))
    text = page.content.decode()
    assert page.status_code == 200 and text.count('data-testid="rems-row"') == 2
    assert text.count('data-testid="rems-overdue"') == 1
    assert text.index(reverse("dosing:rems_form", args=[overdue.pk])) < text.index(
        reverse("dosing:rems_form", args=[due.pk])
    )


def test_one_sessions_form_is_filled_answered_and_sent_from_its_page(nurse, patient) -> None:
    session = esketamine(nurse, patient, days_ago=1)
    client = client_for(nurse)
    url = reverse("dosing:rems_form", args=[session.pk])
    page = client.get(url).content.decode()
    assert "128/82" in page and "125 minutes" in page and "not answered" in page
    refused = client.post(url, {"send": "1"})
    assert refused.status_code == 400 and "concomitant-medication" in refused.content.decode()
    missing = client.post(url, {"save": "", "rems_benzodiazepines": "no"})
    assert missing.status_code == 400 and "Answer yes or no" in missing.content.decode()
    answers = {
        "rems_benzodiazepines": "no",
        "rems_sedative_hypnotics": "no",
        "rems_psychostimulants": "yes",
        "rems_maois": "no",
    }
    assert client.post(url, answers).status_code == 302
    assert client.post(url, {"send": "1"}).status_code == 302
    session.refresh_from_db()
    assert session.rems_psychostimulants is True and session.rems_submitted_at is not None
    assert 'data-testid="rems-empty"' in client.get(reverse("dosing:rems_queue")).content.decode()
    assert "Sent" in client.get(url).content.decode()


def test_the_rems_pages_are_for_the_clinics_nurses_and_prescribers_only(
    nurse, prescriber, therapist, outsider, patient
) -> None:
    session = esketamine(nurse, patient, days_ago=1)
    url = reverse("dosing:rems_form", args=[session.pk])
    assert client_for(prescriber).get(url).status_code == 200
    assert client_for(therapist).get(url).status_code == 403
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(therapist).get(reverse("dosing:rems_queue")).status_code == 403
    anonymous = Client().get(reverse("dosing:rems_queue"))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert client_for(outsider).get(reverse("dosing:rems_queue")).content.decode().count("rems-row") == 0
    ketamine = started(nurse, patient)
    assert client_for(nurse).get(reverse("dosing:rems_form", args=[ketamine.pk])).status_code == 404


def test_the_menu_links_the_rems_queue_for_the_roles_that_may_see_it(nurse, therapist) -> None:
    link = f'href="{reverse("dosing:rems_queue")}"'
    assert link in client_for(nurse).get(reverse("dosing:day_board")).content.decode()
    assert link not in client_for(therapist).get(reverse("patients:list")).content.decode()


# --- The predicted course with the live polling -----------------------------------------------------


def test_the_live_region_carries_the_predicted_course_with_now(nurse, patient) -> None:
    session = started(nurse, patient)
    client = client_for(nurse)
    live = client.get(reverse("dosing:live", args=[session.pk])).content.decode()
    assert 'data-testid="course"' in live and 'data-testid="course-now"' in live
    assert ">now</text>" in live  # "now" marked on the plot itself


def test_a_pump_event_changes_the_live_version_so_the_course_is_redrawn(nurse, patient) -> None:
    session = started(nurse, patient)
    before = selectors.live_version(session)
    services.prepare_dose(
        by=nurse,
        session=session,
        concentration_mg_per_ml=Decimal("10"),
        concentration_as="base",
        lot_number="L1",
        lot_expiry=timezone.localdate() + dt.timedelta(days=90),
    )
    services.record_infusion_event(by=nurse, session=session, kind="start", rate_ml_h=Decimal("4.8"))
    assert selectors.live_version(session) != before
    live = client_for(nurse).get(reverse("dosing:live", args=[session.pk])).content.decode()
    assert "from the infusion as given" in live


# --- Idle timeout: background polls do not renew the login --------------------------------------------


def _expiry(client: Client) -> dt.datetime:
    return Session.objects.get(pk=client.session.session_key).expire_date


def _set_expiry(client: Client, at: dt.datetime) -> None:
    Session.objects.filter(pk=client.session.session_key).update(expire_date=at)


def test_a_poll_of_the_day_board_does_not_extend_the_idle_timeout(nurse, patient) -> None:
    started(nurse, patient)
    client = client_for(nurse)
    client.get(reverse("dosing:day_board"))
    soon = timezone.now() + dt.timedelta(minutes=3)
    _set_expiry(client, soon)
    poll = client.get(reverse("dosing:day_board_live"), headers=HTMX)
    assert poll.status_code == 200 and poll["X-KetaCare-Idle"] == "unchanged"
    assert _expiry(client) == soon


def test_a_poll_of_an_active_session_page_extends_it_and_of_an_ended_one_does_not(nurse, patient) -> None:
    session = started(nurse, patient)
    client = client_for(nurse)
    client.get(reverse("dosing:session", args=[session.pk]))
    soon = timezone.now() + dt.timedelta(minutes=3)
    _set_expiry(client, soon)
    poll = client.get(reverse("dosing:live", args=[session.pk]), headers=HTMX)
    assert "X-KetaCare-Idle" not in poll and _expiry(client) > soon + dt.timedelta(minutes=5)
    services.end_session(by=nurse, session=session, discharge_note="Home.")
    _set_expiry(client, soon)
    poll = client.get(reverse("dosing:live", args=[session.pk]), headers=HTMX)
    assert poll["X-KetaCare-Idle"] == "unchanged" and _expiry(client) == soon


def test_the_heartbeat_renews_only_for_a_monitored_session_or_stay_logged_in(nurse, patient) -> None:
    session = started(nurse, patient)
    client = client_for(nurse)
    client.get(reverse("dosing:day_board"))
    soon = timezone.now() + dt.timedelta(minutes=3)
    url = reverse("dosing:heartbeat")
    _set_expiry(client, soon)
    assert client.post(url).json()["kept_alive"] is False and _expiry(client) == soon
    assert client.post(f"{url}?session={session.pk}").json()["kept_alive"] is True
    assert _expiry(client) > soon + dt.timedelta(minutes=5)
    services.end_session(by=nurse, session=session, discharge_note="Home.")
    _set_expiry(client, soon)
    assert client.post(f"{url}?session={session.pk}").json()["kept_alive"] is False
    assert client.post(url, {"stay": "1"}).json()["kept_alive"] is True and _expiry(client) > soon


def test_the_day_board_and_the_rems_queue_carry_the_idle_warning(nurse) -> None:
    client = client_for(nurse)
    for name in ("dosing:day_board", "dosing:rems_queue"):
        page = client.get(reverse(name)).content.decode()
        assert 'id="idle-warning"' in page and 'data-monitored="false"' in page


# --- The names that scripts rely on (the end of issue 11) -------------------------------------------


def test_the_api_names_scripts_rely_on_and_the_impossible_refused_clearly(
    nurse, prescriber, clinic_admin, clinic, patient
) -> None:
    services.update_session_settings(by=clinic_admin, clinic=clinic, systolic_above_mmhg=160)
    api = api_client(nurse)
    unsigned = post_json(api, "/api/v1/sessions", {"patient_id": patient.pk, "route": "im", "dose_mg": "30"})
    assert unsigned.status_code == 400 and "signed order" in unsigned.content.decode()
    order = signed_order(patient, route="iv-infusion", dose_mg=Decimal("35"))
    body = {"patient_id": patient.pk, "route": "iv-infusion", "dose_mg": "35", "duration_min": "40"}
    sid = post_json(api, "/api/v1/sessions", {**body, "order_id": order.pk}).json()["id"]
    event = post_json(api, f"/api/v1/sessions/{sid}/events", {"kind": "rate_change", "rate_ml_h": "5"})
    assert event.status_code == 400  # not started
    started_ = post_json(api, f"/api/v1/sessions/{sid}/start", {**CHECKS, "identity_identifiers": TWO_IDS})
    assert started_.status_code == 200
    event = post_json(api, f"/api/v1/sessions/{sid}/events", {"kind": "rate_change", "rate_ml_h": "5"})
    assert event.status_code == 400 and "has not started" in event.content.decode()
    impossible = post_json(api, f"/api/v1/sessions/{sid}/vitals", {**NORMAL, "heart_rate_per_min": 900})
    assert impossible.status_code == 422 and "heart_rate_per_min" in impossible.content.decode()
    recorded = post_json(api, f"/api/v1/sessions/{sid}/vitals", {**NORMAL, "systolic_mmhg": 172}).json()
    assert set(recorded) == {"vital", "alerts"} and set(recorded["alerts"][0]) == {"id", "code", "message"}
    alert_id = recorded["alerts"][0]["id"]
    ended = post_json(api, f"/api/v1/sessions/{sid}/end", {"discharge_note": "Home."})
    assert ended.status_code == 400 and "not acknowledged" in ended.content.decode()
    ack = post_json(
        api, f"/api/v1/sessions/{sid}/alerts/{alert_id}/acknowledge", {"action": "recheck", "note": "150/90."}
    )
    assert ack.status_code == 200 and ack.json()["action"] == "recheck"
    board = api.get("/api/v1/day-board").json()
    assert [row["session_id"] for row in board["items"]] == [sid] and "count" in board
    esk = esketamine(nurse, patient, days_ago=1)
    assert api.get(f"/api/v1/sessions/{esk.pk}/rems-form").json()["session_id"] == esk.pk
    early = started(nurse, patient, route="intranasal", duration_min=None, drug="esketamine")
    discharge = {
        "mental_status_at_baseline": True,
        "escort_present": True,
        "no_driving_advice_given": True,
        "discharge_note": "Home.",
    }
    too_soon = post_json(api, f"/api/v1/sessions/{early.pk}/discharge", discharge)
    assert too_soon.status_code == 400 and "at least 120 minutes" in too_soon.content.decode()
    signing = post_json(
        api_client(prescriber), f"/api/v1/sessions/{sid}/sign", {"password": "correct horse battery"}
    )
    assert signing.status_code == 400  # not ended yet: refused with the reason
