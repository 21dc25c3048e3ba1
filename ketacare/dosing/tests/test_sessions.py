"""Monitored dosing sessions: who may see and write them, the checklist and credentials, vital-sign
limits and alerts, side effects, ending, signing and immutability, entered-in-error.

Every page: anonymous (to the login page), wrong role (403), other clinic (404), patient (403),
right role. Data is built with the real services; no mocks.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts.models import Credential
from ketacare.audit.models import AuditEvent
from ketacare.dosing import selectors, services
from ketacare.dosing.models import SIDE_EFFECT_KINDS, DosingSession, SideEffect, VitalSign
from ketacare.plans.testing import signed_order
from ketacare.rules import record_limits as limits
from ketacare.testing import client_for

pytestmark = pytest.mark.django_db

NORMAL = {"systolic_mmhg": 128, "diastolic_mmhg": 82, "heart_rate_per_min": 76, "spo2_percent": 98}
CHECKLIST = {
    "consent_confirmed": True,
    "fasting_confirmed": True,
    "escort_confirmed": True,
    "identity_identifiers": ["full_name", "date_of_birth"],
}


def planned(nurse: Any, patient: Any) -> DosingSession:
    return services.plan_session(
        by=nurse,
        patient=patient,
        route="iv-infusion",
        dose_mg=Decimal("32.25"),
        duration_min=Decimal("40"),
        order=signed_order(patient),
    )


def started(nurse: Any, patient: Any) -> DosingSession:
    return services.start_session(by=nurse, session=planned(nurse, patient), **CHECKLIST)


def ended(nurse: Any, patient: Any) -> DosingSession:
    return services.end_session(
        by=nurse, session=started(nurse, patient), discharge_note="Alert, home with partner."
    )


@pytest.fixture
def session(nurse: Any, patient: Any) -> DosingSession:
    return started(nurse, patient)


# --- Access: every page --------------------------------------------------------------------------


def pages(session: DosingSession) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("get", reverse("dosing:sessions", args=[session.patient_id]), {}),
        ("get", reverse("dosing:session", args=[session.pk]), {}),
        ("post", reverse("dosing:vitals", args=[session.pk]), NORMAL),
        ("post", reverse("dosing:side_effects", args=[session.pk]), {"kind": "nausea", "severity": "mild"}),
        ("post", reverse("dosing:end", args=[session.pk]), {"discharge_note": "Home."}),
        ("post", reverse("dosing:addendum", args=[session.pk]), {"text": "Late note."}),
        ("post", reverse("dosing:start", args=[session.pk]), {"consent_confirmed": "on"}),
        ("post", reverse("dosing:sign", args=[session.pk]), {}),
        ("post", reverse("dosing:entered_in_error", args=[session.pk, "vital", 1]), {"error_reason": "x"}),
        ("post", reverse("dosing:events", args=[session.pk]), {"kind": "start", "rate_ml_h": "6"}),
        ("post", reverse("dosing:dose", args=[session.pk]), {"concentration_mg_per_ml": "10"}),
        ("post", reverse("dosing:discharge", args=[session.pk]), {"leaving_note": "Home."}),
        ("get", reverse("dosing:live", args=[session.pk]), {}),
        ("get", reverse("dosing:summary_pdf", args=[session.pk]), {}),
    ]


def test_anonymous_is_sent_to_log_in_from_every_session_page(session) -> None:
    for method, url, data in pages(session):
        response = getattr(client_for(None), method)(url, data)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


@pytest.mark.parametrize(
    ("persona", "status"),
    [("therapist", 403), ("clinic_admin", 403), ("researcher", 403), ("patient", 403), ("outsider", 404)],
)
def test_only_prescribers_and_nurses_of_the_patients_clinic_reach_session_pages(
    personas, session, persona, status
) -> None:
    client = client_for(personas[persona])
    for method, url, data in pages(session):
        assert getattr(client, method)(url, data).status_code == status, url
    # Nothing was written, and the refusals are audited.
    assert session.vitals.count() == 0 and session.side_effects.count() == 0 and session.addenda.count() == 0
    assert DosingSession.objects.get(pk=session.pk).status == "in_progress"
    assert (
        AuditEvent.objects.filter(actor_username=personas[persona].username)
        .exclude(outcome="success")
        .exists()
    )


@pytest.mark.parametrize("persona", ["prescriber", "nurse"])
def test_prescribers_and_nurses_see_the_sessions_and_the_session_page(personas, session, persona) -> None:
    client = client_for(personas[persona])
    listing = client.get(reverse("dosing:sessions", args=[session.patient_id]))
    assert (
        listing.status_code == 200
        and reverse("dosing:session", args=[session.pk]) in listing.content.decode()
    )
    page = client.get(reverse("dosing:session", args=[session.pk]))
    assert page.status_code == 200 and "32.25 mg ketamine base" in page.content.decode()
    assert AuditEvent.objects.filter(
        action="read", entity_type="dosing.dosingsession", actor_username=personas[persona].username
    ).exists()


def test_a_missing_session_answers_404_and_the_attempt_is_audited(nurse) -> None:
    assert client_for(nurse).get(reverse("dosing:session", args=[999999])).status_code == 404
    assert AuditEvent.objects.filter(entity_id="999999", outcome="not_found").exists()


def test_the_patient_record_links_to_sessions_only_for_those_who_may_see_them(personas, patient) -> None:
    link = reverse("dosing:sessions", args=[patient.pk])
    assert (
        link
        in client_for(personas["nurse"]).get(reverse("patients:detail", args=[patient.pk])).content.decode()
    )
    assert (
        link
        not in client_for(personas["therapist"])
        .get(reverse("patients:detail", args=[patient.pk]))
        .content.decode()
    )


# --- Planning and starting ---------------------------------------------------------------------


def test_the_plan_page_carries_the_planned_dose_to_a_new_session(nurse, patient) -> None:
    plan = {"route": "iv-infusion", "dose": "0.5", "unit": "mg/kg", "salt": "base", "duration_min": "40"}
    page = client_for(nurse).get(reverse("dosing:plan", args=[patient.pk]), plan).content.decode()
    assert (
        "Start a session with this dose" in page and "dose_mg=32.25" in page and "duration_min=40.0" in page
    )
    form = client_for(nurse).get(
        reverse("dosing:sessions", args=[patient.pk]), {"route": "iv-infusion", "dose_mg": "32.25"}
    )
    assert 'value="32.25"' in form.content.decode()


def test_a_nurse_plans_a_session_in_mg_of_base_and_it_starts_as_planned(nurse, patient) -> None:
    response = client_for(nurse).post(
        reverse("dosing:sessions", args=[patient.pk]),
        {
            "order": signed_order(patient).pk,
            "route": "iv-infusion",
            "dose_mg": "32.25",
            "duration_min": "40",
            "regimen": "0.5 mg/kg over 40 min",
        },
    )
    session = DosingSession.objects.get()
    assert response.status_code == 302 and session.status == "planned" and session.dose_mg == Decimal("32.25")
    assert session.created_by == nurse and session.started_at is None


def test_an_impossible_dose_is_refused_with_the_form_kept(nurse, patient) -> None:
    response = client_for(nurse).post(
        reverse("dosing:sessions", args=[patient.pk]), {"route": "im", "dose_mg": "32250"}
    )
    assert response.status_code == 400 and "typing error" in response.content.decode()
    assert 'value="32250"' in response.content.decode() and not DosingSession.objects.exists()


def test_starting_needs_every_checklist_item_confirmed(nurse, patient) -> None:
    session = planned(nurse, patient)
    response = client_for(nurse).post(reverse("dosing:start", args=[session.pk]), {"consent_confirmed": "on"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Confirm that the patient fasted as instructed." in body and "escort or transport home" in body
    assert DosingSession.objects.get(pk=session.pk).status == "planned"


def test_a_nurse_starts_the_session_after_confirming_the_checklist(nurse, patient) -> None:
    session = planned(nurse, patient)
    data = {
        "consent_confirmed": "on",
        "fasting_confirmed": "on",
        "escort_confirmed": "on",
        "identity_identifiers": ["full_name", "date_of_birth"],
    }
    assert client_for(nurse).post(reverse("dosing:start", args=[session.pk]), data).status_code == 302
    session.refresh_from_db()
    assert session.status == "in_progress" and session.started_by == nurse and session.started_at is not None
    assert session.consent_confirmed and session.fasting_confirmed and session.escort_confirmed
    assert AuditEvent.objects.filter(action="dosing.start", entity_id=str(session.pk)).exists()


def test_expired_credentials_refuse_the_start_and_show_why(nurse, patient) -> None:
    session = planned(nurse, patient)
    Credential.objects.filter(user=nurse, kind=Credential.Kind.ACLS).update(
        expires_on=dt.date.today() - dt.timedelta(days=1)
    )
    page = client_for(nurse).get(reverse("dosing:session", args=[session.pk])).content.decode()
    assert 'data-testid="refusal"' in page and "ACLS" in page and "expired on" in page
    response = client_for(nurse).post(
        reverse("dosing:start", args=[session.pk]),
        {
            "consent_confirmed": "on",
            "fasting_confirmed": "on",
            "escort_confirmed": "on",
            "identity_identifiers": ["full_name", "date_of_birth"],
        },
    )
    assert response.status_code == 400 and "expired on" in response.content.decode()
    assert DosingSession.objects.get(pk=session.pk).status == "planned"


def test_the_database_refuses_a_start_without_the_checklist(nurse, patient) -> None:
    session = planned(nurse, patient)
    with pytest.raises(IntegrityError), transaction.atomic():
        DosingSession.objects.filter(pk=session.pk).update(started_at=timezone.now(), started_by=nurse)


# --- Vital signs: limits and alerts ------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("systolic_mmhg", 1280, "Systolic must be between 40 and 300 mmHg"),
        ("diastolic_mmhg", 5, "Diastolic must be between 20 and 200 mmHg"),
        ("heart_rate_per_min", 760, "Heart rate must be between 20 and 250 /min"),
        ("spo2_percent", 198, "SpO2 must be between 50 and 100 %"),
        ("respiratory_rate_per_min", 160, "Respiratory rate must be between 2 and 80 /min"),
    ],
)
def test_impossible_vitals_are_refused_with_words_a_nurse_reads_and_the_form_kept(
    nurse, session, field, value, message
) -> None:
    response = client_for(nurse).post(reverse("dosing:vitals", args=[session.pk]), {**NORMAL, field: value})
    body = response.content.decode()
    assert response.status_code == 400 and message in body
    kept = 'value="76"' if field != "heart_rate_per_min" else 'value="128"'
    assert f'value="{value}"' in body and kept in body
    assert not VitalSign.objects.exists()


def test_diastolic_above_systolic_is_refused_as_a_swap(nurse, session) -> None:
    response = client_for(nurse).post(
        reverse("dosing:vitals", args=[session.pk]), {**NORMAL, "systolic_mmhg": 80, "diastolic_mmhg": 120}
    )
    assert (
        response.status_code == 400 and "Diastolic must be lower than systolic" in response.content.decode()
    )


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [
        ("systolic_mmhg", limits.SYSTOLIC_MMHG_MIN, limits.SYSTOLIC_MMHG_MAX),
        ("diastolic_mmhg", limits.DIASTOLIC_MMHG_MIN, limits.DIASTOLIC_MMHG_MAX),
        ("heart_rate_per_min", limits.HEART_RATE_PER_MIN_MIN, limits.HEART_RATE_PER_MIN_MAX),
        ("spo2_percent", limits.SPO2_PERCENT_MIN, limits.SPO2_PERCENT_MAX),
        (
            "respiratory_rate_per_min",
            limits.RESPIRATORY_RATE_PER_MIN_MIN,
            limits.RESPIRATORY_RATE_PER_MIN_MAX,
        ),
    ],
)
def test_the_database_holds_the_vital_sign_limits_too(nurse, session, field, low, high) -> None:
    vital = services.record_vital_sign(by=nurse, session=session, **NORMAL).vital
    for bad in (low - 1, high + 1):
        with pytest.raises(IntegrityError), transaction.atomic():
            VitalSign.objects.filter(pk=vital.pk).update(**{field: bad})
    for good in (low, high) if field not in ("systolic_mmhg", "diastolic_mmhg") else ():
        VitalSign.objects.filter(pk=vital.pk).update(**{field: good})


def test_no_alert_is_raised_when_the_clinic_has_set_no_thresholds_and_the_page_says_so(
    nurse, session
) -> None:
    recorded = services.record_vital_sign(
        by=nurse,
        session=session,
        systolic_mmhg=220,
        diastolic_mmhg=130,
        heart_rate_per_min=160,
        spo2_percent=70,
    )
    assert recorded.alerts == [] and recorded.vital.alerts == []
    page = client_for(nurse).get(reverse("dosing:session", args=[session.pk])).content.decode()
    assert 'data-testid="no-thresholds"' in page and "set no vital-sign alert thresholds" in page


def test_alerts_are_raised_only_beyond_the_clinic_thresholds_and_shown(
    nurse, clinic_admin, clinic, session
) -> None:
    services.update_session_settings(
        by=clinic_admin, clinic=clinic, systolic_above_mmhg=160, spo2_below_percent=92
    )
    quiet = services.record_vital_sign(by=nurse, session=session, **{**NORMAL, "systolic_mmhg": 160})
    assert quiet.alerts == []
    response = client_for(nurse).post(
        reverse("dosing:vitals", args=[session.pk]), {**NORMAL, "systolic_mmhg": 172}, follow=True
    )
    body = response.content.decode()
    assert "ALERT: Systolic 172 mmHg is above the clinic&#x27;s alert threshold of 160 mmHg." in body
    assert 'data-testid="no-thresholds"' not in body
    loud = VitalSign.objects.get(systolic_mmhg=172)
    assert loud.alerts == ["Systolic 172 mmHg is above the clinic's alert threshold of 160 mmHg."]
    assert AuditEvent.objects.get(
        action="create", entity_id=str(loud.pk), entity_type="dosing.vitalsign"
    ).detail == {"alerts": ["systolic-high"]}


# --- Side effects --------------------------------------------------------------------------------


def test_a_side_effect_is_recorded_with_kind_severity_time_and_who(nurse, session) -> None:
    response = client_for(nurse).post(
        reverse("dosing:side_effects", args=[session.pk]),
        {"kind": "nausea", "severity": "moderate", "note": "x"},
    )
    assert response.status_code == 302
    effect = SideEffect.objects.get()
    assert (effect.kind, effect.severity, effect.recorded_by) == ("nausea", "moderate", nurse)


def test_an_other_side_effect_needs_a_note(nurse, session) -> None:
    response = client_for(nurse).post(
        reverse("dosing:side_effects", args=[session.pk]), {"kind": "other", "severity": "mild"}
    )
    assert response.status_code == 400 and "Say what the side effect was." in response.content.decode()


def test_the_side_effect_kinds_in_the_constraint_match_the_choices() -> None:
    assert [k.value for k in SideEffect.Kind] == SIDE_EFFECT_KINDS


# --- Ending, signing, immutability -------------------------------------------------------------


def test_a_session_is_ended_with_a_discharge_note(nurse, session) -> None:
    response = client_for(nurse).post(reverse("dosing:end", args=[session.pk]), {"discharge_note": ""})
    assert response.status_code == 400
    client_for(nurse).post(
        reverse("dosing:end", args=[session.pk]), {"discharge_note": "Alert; partner drove."}
    )
    session.refresh_from_db()
    assert (
        session.status == "ended"
        and session.ended_by == nurse
        and session.discharge_note == "Alert; partner drove."
    )


def test_the_clinic_minimum_observation_time_holds_when_set(nurse, clinic_admin, clinic, session) -> None:
    services.update_session_settings(by=clinic_admin, clinic=clinic, minimum_observation_min=120)
    with pytest.raises(ValidationError, match="at least 120 minutes"):
        services.end_session(by=nurse, session=session, discharge_note="Home.")


def test_signing_by_a_nurse_is_refused(nurse, patient) -> None:
    session = ended(nurse, patient)
    assert client_for(nurse).post(reverse("dosing:sign", args=[session.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        services.sign_session(by=nurse, session=session, password="correct horse battery")
    assert DosingSession.objects.get(pk=session.pk).signed_at is None


def test_a_prescriber_with_expired_licence_may_not_sign_and_is_told_why(nurse, prescriber, patient) -> None:
    session = ended(nurse, patient)
    Credential.objects.filter(user=prescriber, kind=Credential.Kind.LICENCE).update(
        expires_on=dt.date.today() - dt.timedelta(days=3)
    )
    response = client_for(prescriber).post(
        reverse("dosing:sign", args=[session.pk]), {"password": "correct horse battery"}
    )
    assert (
        response.status_code == 400
        and "licence" in response.content.decode()
        and "expired on" in response.content.decode()
    )
    assert DosingSession.objects.get(pk=session.pk).signed_at is None


def test_a_session_in_progress_cannot_be_signed(prescriber, session) -> None:
    with pytest.raises(ValidationError, match="End the session"):
        services.sign_session(by=prescriber, session=session, password="correct horse battery")


def test_a_prescriber_signs_an_ended_session(nurse, prescriber, patient) -> None:
    session = ended(nurse, patient)
    assert (
        client_for(prescriber)
        .post(reverse("dosing:sign", args=[session.pk]), {"password": "correct horse battery"})
        .status_code
        == 302
    )
    session.refresh_from_db()
    assert session.signed_by == prescriber and session.signed_at is not None
    assert AuditEvent.objects.filter(action="session.sign", entity_id=str(session.pk)).exists()


def test_every_change_after_signing_is_refused_but_an_addendum_is_added(nurse, prescriber, patient) -> None:
    session = ended(nurse, patient)
    vital = services.record_vital_sign(by=nurse, session=session, **NORMAL).vital
    effect = services.record_side_effect(by=nurse, session=session, kind="headache", severity="mild")
    services.sign_session(by=prescriber, session=session, password="correct horse battery")
    refused = [
        lambda: services.record_vital_sign(by=nurse, session=session, **NORMAL),
        lambda: services.record_side_effect(by=nurse, session=session, kind="nausea", severity="mild"),
        lambda: services.end_session(by=nurse, session=session, discharge_note="again"),
        lambda: services.sign_session(by=prescriber, session=session, password="correct horse battery"),
        lambda: services.start_session(by=nurse, session=session, **CHECKLIST),
        lambda: services.mark_session_entry_in_error(by=nurse, entry=vital, reason="wrong arm"),
        lambda: services.mark_session_entry_in_error(by=nurse, entry=effect, reason="other patient"),
    ]
    for change in refused:
        with pytest.raises(ValidationError, match="signed"):
            change()
    response = client_for(nurse).post(reverse("dosing:vitals", args=[session.pk]), NORMAL)
    assert response.status_code == 400 and "signed and can no longer be changed" in response.content.decode()
    assert VitalSign.objects.count() == 1 and not VitalSign.objects.get().entered_in_error
    client_for(nurse).post(reverse("dosing:addendum", args=[session.pk]), {"text": "Called next day: well."})
    assert session.addenda.get().text == "Called next day: well."
    page = client_for(nurse).get(reverse("dosing:session", args=[session.pk])).content.decode()
    assert "Called next day: well." in page and 'data-testid="vital-form"' not in page


# --- Entered in error ---------------------------------------------------------------------------


def test_a_vital_marked_entered_in_error_keeps_its_row_and_says_why(nurse, session) -> None:
    vital = services.record_vital_sign(by=nurse, session=session, **NORMAL).vital
    url = reverse("dosing:entered_in_error", args=[session.pk, "vital", vital.pk])
    assert client_for(nurse).post(url, {"error_reason": ""}).status_code == 400
    assert client_for(nurse).post(url, {"error_reason": "Cuff on the wrong patient"}).status_code == 302
    vital.refresh_from_db()
    assert (
        VitalSign.objects.count() == 1
        and vital.entered_in_error
        and vital.error_reason == "Cuff on the wrong patient"
    )
    page = client_for(nurse).get(reverse("dosing:session", args=[session.pk])).content.decode()
    assert 'class="in-error"' in page and "entered in error: Cuff on the wrong patient" in page


def test_a_side_effect_marked_entered_in_error_keeps_its_row(nurse, session) -> None:
    effect = services.record_side_effect(by=nurse, session=session, kind="dizziness", severity="mild")
    services.mark_session_entry_in_error(by=nurse, entry=effect, reason="Other patient's chart")
    assert SideEffect.objects.filter(pk=effect.pk, entered_in_error=True).exists()


def test_an_entry_of_another_session_cannot_be_marked_through_this_one(nurse, patient, session) -> None:
    other = started(nurse, patient)
    vital = services.record_vital_sign(by=nurse, session=other, **NORMAL).vital
    url = reverse("dosing:entered_in_error", args=[session.pk, "vital", vital.pk])
    assert client_for(nurse).post(url, {"error_reason": "x"}).status_code == 404


def test_the_session_page_lists_everything_in_time_order(nurse, session) -> None:
    now = timezone.now()
    services.record_vital_sign(by=nurse, session=session, **{**NORMAL, "systolic_mmhg": 131}, measured_at=now)
    services.record_side_effect(
        by=nurse, session=session, kind="nausea", severity="mild", occurred_at=now - dt.timedelta(seconds=1)
    )
    services.record_vital_sign(
        by=nurse,
        session=session,
        **{**NORMAL, "systolic_mmhg": 139},
        measured_at=now - dt.timedelta(seconds=2),
    )
    page = client_for(nurse).get(reverse("dosing:session", args=[session.pk])).content.decode()
    assert page.index("BP 139/") < page.index("Nausea") < page.index("BP 131/")


# --- Clinic settings -----------------------------------------------------------------------------


def test_only_a_clinic_administrator_sets_the_thresholds(personas) -> None:
    url = reverse("dosing:settings")
    assert client_for(None).get(url).status_code == 302
    for persona in ("prescriber", "nurse", "therapist", "researcher", "patient"):
        assert client_for(personas[persona]).get(url).status_code == 403, persona
    page = client_for(personas["clinic_admin"]).get(url)
    assert page.status_code == 200 and 'data-testid="no-settings"' in page.content.decode()


def test_the_clinic_administrator_saves_thresholds_and_bad_ones_are_refused(clinic_admin, clinic) -> None:
    client = client_for(clinic_admin)
    bad = client.post(reverse("dosing:settings"), {"spo2_below_percent": "920"})
    assert (
        bad.status_code == 400 and "The SpO2 threshold must be between 50 and 100 %" in bad.content.decode()
    )
    crossed = client.post(
        reverse("dosing:settings"), {"heart_rate_below_per_min": "120", "heart_rate_above_per_min": "100"}
    )
    assert crossed.status_code == 400 and "must be below the high one" in crossed.content.decode()
    assert client.post(reverse("dosing:settings"), {"systolic_above_mmhg": "160"}).status_code == 302
    thresholds, row = selectors.thresholds_of(clinic)
    assert thresholds.systolic_above_mmhg == 160 and thresholds.spo2_below_percent is None
    assert row is not None and row.minimum_observation_min is None
    assert AuditEvent.objects.filter(action="dosing.settings", clinic=clinic).exists()


def test_ketacare_ships_no_thresholds_a_new_clinic_has_none(clinic) -> None:
    thresholds, row = selectors.thresholds_of(clinic)
    assert row is None and not thresholds.any_set


def test_a_padss_recorded_during_the_session_shows_in_it_with_the_instruments_own_band(
    nurse, patient
) -> None:
    from ketacare.outcomes.services import record_response

    before = planned(nurse, patient)  # a score before any start belongs to no session
    record_response(by=nurse, patient=patient, instrument_id="padss", answers=[2, 2, 2, 2, 1])
    assert selectors.discharge_scores(before) == []
    session = services.start_session(by=nurse, session=planned(nurse, patient), **CHECKLIST)
    record_response(by=nurse, patient=patient, instrument_id="padss", answers=[2, 2, 2, 2, 1])
    (score,) = selectors.discharge_scores(session)
    assert score.score_total == 9 and score.band_label == "Fit for discharge"
    page = client_for(nurse).get(reverse("dosing:session", args=[session.pk])).content.decode()
    assert "Discharge score" in page and "9 (Fit for discharge)" in page
    assert reverse("outcomes:staff_answer", args=[patient.pk, "padss"]) in page


# --- recording a session after the fact ---------------------------------------------------------


def test_a_session_recorded_after_the_fact_keeps_when_it_happened_and_is_judged_on_that_day(
    nurse, patient
) -> None:
    # The ACLS certificate expired yesterday; the session was given a week ago, when it was valid.
    Credential.objects.filter(user=nurse, kind=Credential.Kind.ACLS).update(
        expires_on=dt.date.today() - dt.timedelta(days=1)
    )
    given = timezone.now() - dt.timedelta(days=7)
    session = services.start_session(
        by=nurse,
        session=planned(nurse, patient),
        consent_confirmed=True,
        fasting_confirmed=True,
        escort_confirmed=True,
        identity_identifiers=["full_name", "date_of_birth"],
        started_at=given,
    )
    ended = services.end_session(
        by=nurse,
        session=session,
        discharge_note="Alert, walked out with her sister.",
        ended_at=given + dt.timedelta(hours=2),
    )
    assert ended.started_at == given and ended.ended_at == given + dt.timedelta(hours=2)
    # Today the same nurse may not start another one.
    with pytest.raises(ValidationError, match="today"):
        services.start_session(
            by=nurse,
            session=planned(nurse, patient),
            consent_confirmed=True,
            fasting_confirmed=True,
            escort_confirmed=True,
            identity_identifiers=["full_name", "date_of_birth"],
        )


def test_a_session_cannot_start_in_the_future_or_end_before_it_started(nurse, patient) -> None:
    with pytest.raises(ValidationError, match="future"):
        services.start_session(
            by=nurse,
            session=planned(nurse, patient),
            consent_confirmed=True,
            fasting_confirmed=True,
            escort_confirmed=True,
            identity_identifiers=["full_name", "date_of_birth"],
            started_at=timezone.now() + dt.timedelta(hours=1),
        )
    session = services.start_session(
        by=nurse,
        session=planned(nurse, patient),
        consent_confirmed=True,
        fasting_confirmed=True,
        escort_confirmed=True,
        identity_identifiers=["full_name", "date_of_birth"],
    )
    with pytest.raises(ValidationError, match="before it started"):
        services.end_session(
            by=nurse,
            session=session,
            discharge_note="Fine.",
            ended_at=session.started_at - dt.timedelta(minutes=1),
        )


def test_the_session_timeline_dates_the_first_entry_of_each_day(nurse, patient) -> None:
    given = timezone.now() - dt.timedelta(days=7)
    session = services.start_session(
        by=nurse,
        session=planned(nurse, patient),
        consent_confirmed=True,
        fasting_confirmed=True,
        escort_confirmed=True,
        identity_identifiers=["full_name", "date_of_birth"],
        started_at=given,
    )
    services.record_vital_sign(
        by=nurse,
        session=session,
        systolic_mmhg=120,
        diastolic_mmhg=80,
        heart_rate_per_min=70,
        spo2_percent=98,
        measured_at=given + dt.timedelta(minutes=15),
    )
    entries = selectors.session_timeline(session)
    assert [e.kind for e in entries] == ["started", "vital", "planned"]
    assert [e.new_day for e in entries] == [True, False, True]
    page = client_for(nurse).get(reverse("dosing:session", args=[session.pk])).content.decode()
    assert f"{timezone.localtime(given):%Y-%m-%d} " in page
