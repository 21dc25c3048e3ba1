"""A clinic administrator withdraws an instrument permission with a reason: the row stays, the
instrument is no longer offered in that clinic, responses already recorded stay untouched, and a
new permission may be recorded later."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import make_staff
from ketacare.audit.models import AuditEvent
from ketacare.outcomes import selectors, services
from ketacare.outcomes.models import InstrumentPermission, QuestionnaireResponse
from ketacare.outcomes.tasks import send_due_reminders
from ketacare.testing import client_for

pytestmark = pytest.mark.django_db

COWS_ANSWERS = [0] * 11
CADSS6_ANSWERS = [0] * 6


def permit(
    clinic_admin, clinic, instrument_id: str = "cows", reference: str = "Letter 7"
) -> InstrumentPermission:  # type: ignore[no-untyped-def]
    return services.record_instrument_permission(
        by=clinic_admin,
        clinic=clinic,
        instrument_id=instrument_id,
        granted_by="Rights holder",
        reference=reference,
    )


def offered(clinic, instrument_id: str) -> bool:  # type: ignore[no-untyped-def]
    return selectors.instrument_available(clinic, services.instrument_or_error(instrument_id))


def withdraw_url(permission: InstrumentPermission) -> str:
    return reverse("outcomes:withdraw_permission", args=[permission.pk])


# --- the service --------------------------------------------------------------------------------


def test_a_withdrawn_permission_stays_with_who_when_and_why(clinic_admin, clinic) -> None:
    permission = permit(clinic_admin, clinic)
    before = timezone.now()
    services.withdraw_instrument_permission(by=clinic_admin, permission=permission, reason="Licence ended")
    permission.refresh_from_db()
    assert permission.withdrawn_by == clinic_admin and permission.withdrawal_reason == "Licence ended"
    assert permission.withdrawn_at is not None and permission.withdrawn_at >= before
    assert permission.granted_by == "Rights holder" and permission.reference == "Letter 7"  # untouched
    assert InstrumentPermission.objects.count() == 1


def test_a_withdrawn_instrument_is_no_longer_offered_in_that_clinic(clinic_admin, clinic) -> None:
    permission = permit(clinic_admin, clinic)
    assert offered(clinic, "cows")
    services.withdraw_instrument_permission(by=clinic_admin, permission=permission, reason="Licence ended")
    assert not offered(clinic, "cows")
    assert "cows" not in [i.id for i in selectors.offered_instruments(clinic)]


def test_withdrawing_in_one_clinic_leaves_another_clinics_permission(
    clinic_admin, clinic, other_clinic
) -> None:
    other_admin = make_staff("otheradmin", other_clinic, "clinic_admin")
    ours = permit(clinic_admin, clinic)
    permit(other_admin, other_clinic)
    services.withdraw_instrument_permission(by=clinic_admin, permission=ours, reason="Licence ended")
    assert not offered(clinic, "cows") and offered(other_clinic, "cows")


def test_withdrawing_without_a_reason_is_refused(clinic_admin, clinic) -> None:
    permission = permit(clinic_admin, clinic)
    with pytest.raises(ValidationError) as info:
        services.withdraw_instrument_permission(by=clinic_admin, permission=permission, reason="  ")
    assert "reason" in info.value.message_dict
    permission.refresh_from_db()
    assert permission.withdrawn_at is None and offered(clinic, "cows")


@pytest.mark.parametrize("role", ["prescriber", "nurse", "therapist", "researcher"])
def test_only_a_clinic_administrator_withdraws_a_permission(role, personas, clinic) -> None:
    permission = permit(personas["clinic_admin"], clinic)
    with pytest.raises(PermissionDenied):
        services.withdraw_instrument_permission(by=personas[role], permission=permission, reason="No")
    permission.refresh_from_db()
    assert permission.withdrawn_at is None


def test_an_administrator_of_another_clinic_cannot_withdraw_ours(clinic_admin, clinic, other_clinic) -> None:
    permission = permit(clinic_admin, clinic)
    other_admin = make_staff("otheradmin", other_clinic, "clinic_admin")
    with pytest.raises(PermissionDenied):
        services.withdraw_instrument_permission(by=other_admin, permission=permission, reason="No")


def test_a_permission_is_withdrawn_only_once(clinic_admin, clinic) -> None:
    permission = permit(clinic_admin, clinic)
    stale = InstrumentPermission.objects.get(pk=permission.pk)  # e.g. a second admin's open page
    services.withdraw_instrument_permission(by=clinic_admin, permission=permission, reason="Licence ended")
    with pytest.raises(ValidationError, match="already withdrawn"):
        services.withdraw_instrument_permission(by=clinic_admin, permission=stale, reason="Again")
    permission.refresh_from_db()
    assert permission.withdrawal_reason == "Licence ended"


def test_withdrawing_a_permission_is_audited(clinic_admin, clinic) -> None:
    permission = permit(clinic_admin, clinic)
    services.withdraw_instrument_permission(by=clinic_admin, permission=permission, reason="Licence ended")
    event = AuditEvent.objects.get(action="withdraw")
    assert event.actor == clinic_admin and event.clinic == clinic
    assert event.entity_type == "outcomes.instrumentpermission" and event.entity_id == str(permission.pk)
    assert event.detail == {"instrument": "cows", "reason": "Licence ended"}


def test_a_refused_withdrawal_leaves_no_audit_event(nurse, clinic_admin, clinic) -> None:
    permission = permit(clinic_admin, clinic)
    with pytest.raises(PermissionDenied):
        services.withdraw_instrument_permission(by=nurse, permission=permission, reason="No")
    assert not AuditEvent.objects.filter(action="withdraw").exists()


def test_recording_a_second_active_permission_is_refused_with_a_message(clinic_admin, clinic) -> None:
    permit(clinic_admin, clinic)
    with pytest.raises(ValidationError) as info:
        permit(clinic_admin, clinic, reference="Letter 8")
    assert info.value.message_dict == {"instrument": ["Test Clinic already has a permission for COWS."]}


def test_a_permission_can_be_recorded_again_after_a_withdrawal(clinic_admin, clinic) -> None:
    first = permit(clinic_admin, clinic)
    services.withdraw_instrument_permission(by=clinic_admin, permission=first, reason="Licence lapsed")
    second = permit(clinic_admin, clinic, reference="Renewed licence 2027")
    assert second.pk != first.pk and offered(clinic, "cows")
    first.refresh_from_db()
    assert first.withdrawn_at is not None and first.withdrawal_reason == "Licence lapsed"  # history kept
    assert AuditEvent.objects.filter(action="create", entity_id=str(second.pk)).exists()
    # ...and withdrawn again, and recorded a third time.
    services.withdraw_instrument_permission(by=clinic_admin, permission=second, reason="Ended again")
    permit(clinic_admin, clinic, reference="Third letter")
    assert InstrumentPermission.objects.filter(clinic=clinic, instrument_id="cows").count() == 3
    assert InstrumentPermission.objects.filter(clinic=clinic, withdrawn_at__isnull=True).count() == 1


def test_responses_recorded_before_a_withdrawal_stay_untouched(nurse, clinic_admin, patient) -> None:
    permission = permit(clinic_admin, patient.clinic)
    response = services.record_response(
        by=nurse, patient=patient, instrument_id="cows", answers=[1] + [0] * 10
    ).response
    services.withdraw_instrument_permission(by=clinic_admin, permission=permission, reason="Licence ended")
    kept = QuestionnaireResponse.objects.get(pk=response.pk)
    assert not kept.entered_in_error and kept.score_total == response.score_total == 1
    assert kept.answers == response.answers and kept.band_label == response.band_label
    assert [p.total for p in selectors.trend(patient, "cows")] == [1]


def test_a_withdrawn_instrument_cannot_be_recorded_or_assigned(nurse, clinic_admin, patient) -> None:
    for instrument_id in ("cows", "cadss-6"):
        permission = permit(clinic_admin, patient.clinic, instrument_id)
        services.withdraw_instrument_permission(by=clinic_admin, permission=permission, reason="Ended")
    with pytest.raises(ValidationError, match="withdrew its permission"):
        services.record_response(by=nurse, patient=patient, instrument_id="cows", answers=COWS_ANSWERS)
    with pytest.raises(ValidationError, match="withdrew its permission"):
        services.assign_instrument(by=nurse, patient=patient, instrument_id="cadss-6")
    assert not QuestionnaireResponse.objects.exists()


# --- what the clinic is offered -----------------------------------------------------------------


def test_the_api_refuses_a_response_for_a_withdrawn_instrument_with_a_clear_message(
    api, nurse, clinic_admin, patient
) -> None:
    permission = permit(clinic_admin, patient.clinic)
    services.withdraw_instrument_permission(by=clinic_admin, permission=permission, reason="Licence ended")
    status, body = api(nurse).post(
        f"patients/{patient.pk}/responses", {"instrument": "cows", "answers": COWS_ANSWERS}
    )
    assert status == 400
    day = timezone.now().strftime("%Y-%m-%d")
    assert body["errors"][0]["message"] == (
        "COWS may be used only with its rights holder's permission, and Test Clinic withdrew its "
        f"permission on {day}. A clinic administrator can record it."
    )
    assert not QuestionnaireResponse.objects.exists()


def test_the_api_says_a_withdrawn_instrument_is_not_offered(api, nurse, clinic_admin, clinic) -> None:
    permission = permit(clinic_admin, clinic)
    services.withdraw_instrument_permission(by=clinic_admin, permission=permission, reason="Licence ended")
    listed = api(nurse).get("instruments")[1]["items"]
    assert {i["id"]: i["offered"] for i in listed}["cows"] is False
    _, cows = api(nurse).get("instruments/cows")
    assert cows["offered"] is False


def test_the_outcomes_page_stops_offering_a_withdrawn_instrument(nurse, clinic_admin, patient) -> None:
    permission = permit(clinic_admin, patient.clinic)
    url = reverse("outcomes:patient", args=[patient.pk])
    cows_link = reverse("outcomes:staff_answer", args=[patient.pk, "cows"])
    assert cows_link in client_for(nurse).get(url).content.decode()
    services.withdraw_instrument_permission(by=clinic_admin, permission=permission, reason="Licence ended")
    assert cows_link not in client_for(nurse).get(url).content.decode()


def test_entering_a_withdrawn_instrument_on_the_page_is_refused_with_the_reason(
    nurse, clinic_admin, patient
) -> None:
    permission = permit(clinic_admin, patient.clinic)
    services.withdraw_instrument_permission(by=clinic_admin, permission=permission, reason="Licence ended")
    url = reverse("outcomes:staff_answer", args=[patient.pk, "cows"])
    page = client_for(nurse).post(url, {f"item_{n}": "0" for n in range(1, 12)})
    assert page.status_code == 200 and "Test Clinic withdrew its permission" in page.content.decode()
    assert not QuestionnaireResponse.objects.exists()


def test_the_assign_form_stops_offering_a_withdrawn_instrument(therapist, clinic_admin, patient) -> None:
    permission = permit(clinic_admin, patient.clinic, "cadss-6")
    url = reverse("outcomes:assign", args=[patient.pk])
    assert 'value="cadss-6"' in client_for(therapist).get(url).content.decode()
    services.withdraw_instrument_permission(by=clinic_admin, permission=permission, reason="Licence ended")
    assert 'value="cadss-6"' not in client_for(therapist).get(url).content.decode()


def test_an_existing_assignment_of_a_withdrawn_instrument_is_no_longer_asked_for(
    nurse, clinic_admin, patient_user, patient
) -> None:
    permission = permit(clinic_admin, patient.clinic, "cadss-6")
    services.assign_instrument(by=nurse, patient=patient, instrument_id="cadss-6", interval_days=1)
    patient.email = "ada@example.test"
    patient.save()
    assert [s.instrument.id for s in selectors.due_now(patient)] == ["cadss-6"]
    services.record_response(
        by=patient_user, patient=patient, instrument_id="cadss-6", answers=[0] * 3 + [None] * 3, draft=True
    )
    services.withdraw_instrument_permission(by=clinic_admin, permission=permission, reason="Licence ended")
    assert selectors.due_now(patient) == []
    assert send_due_reminders.call() == 0  # no email asks for what cannot be answered
    portal = client_for(patient_user)
    answer_url = reverse("outcomes:portal_answer", args=["cadss-6"])
    assert answer_url not in portal.get(reverse("outcomes:portal")).content.decode()  # neither due nor draft
    assert portal.get(answer_url).status_code == 404
    page = client_for(nurse).get(reverse("outcomes:patient", args=[patient.pk])).content.decode()
    assert "not offered: permission withdrawn" in page
    # Recorded again: asked for again.
    permit(clinic_admin, patient.clinic, "cadss-6", reference="Renewed")
    assert [s.instrument.id for s in selectors.due_now(patient)] == ["cadss-6"]


def test_a_draft_of_a_withdrawn_instrument_cannot_be_submitted(nurse, clinic_admin, patient) -> None:
    permission = permit(clinic_admin, patient.clinic)
    draft = services.record_response(
        by=nurse, patient=patient, instrument_id="cows", answers=[0] * 5 + [None] * 6, draft=True
    ).response
    services.withdraw_instrument_permission(by=clinic_admin, permission=permission, reason="Licence ended")
    with pytest.raises(ValidationError, match="withdrew its permission"):
        services.update_draft(by=nurse, response=draft, answers=COWS_ANSWERS, draft=False)


# --- the withdraw page --------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in_from_the_withdraw_page(clinic_admin, clinic) -> None:
    response = client_for(None).get(withdraw_url(permit(clinic_admin, clinic)))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ["prescriber", "nurse", "therapist", "researcher", "patient"])
def test_other_roles_get_403_from_the_withdraw_page(role, personas, clinic) -> None:
    permission = permit(personas["clinic_admin"], clinic)
    assert client_for(personas[role]).get(withdraw_url(permission)).status_code == 403
    assert client_for(personas[role]).post(withdraw_url(permission), {"reason": "No"}).status_code == 403
    permission.refresh_from_db()
    assert permission.withdrawn_at is None


def test_staff_of_another_clinic_get_404_from_the_withdraw_page(
    clinic_admin, outsider, clinic, other_clinic
) -> None:
    permission = permit(clinic_admin, clinic)
    other_admin = make_staff("otheradmin", other_clinic, "clinic_admin")
    for user in (other_admin, outsider):
        assert client_for(user).get(withdraw_url(permission)).status_code == 404
        assert client_for(user).post(withdraw_url(permission), {"reason": "No"}).status_code == 404
    permission.refresh_from_db()
    assert permission.withdrawn_at is None


def test_refused_visits_to_the_withdraw_page_are_audited(clinic_admin, nurse, clinic, other_clinic) -> None:
    permission = permit(clinic_admin, clinic)
    other_admin = make_staff("otheradmin", other_clinic, "clinic_admin")
    client_for(nurse).get(withdraw_url(permission))
    client_for(other_admin).get(withdraw_url(permission))
    refused = AuditEvent.objects.filter(
        entity_type="outcomes.instrumentpermission", entity_id=str(permission.pk)
    )
    assert {(e.actor_username, e.outcome) for e in refused.exclude(outcome="success")} == {
        ("nurse", "denied"),
        ("otheradmin", "not_found"),
    }


def test_the_administrator_opens_the_withdraw_page(clinic_admin, clinic) -> None:
    page = client_for(clinic_admin).get(withdraw_url(permit(clinic_admin, clinic)))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Withdraw the permission for COWS" in text and "Letter 7" in text


def test_an_already_withdrawn_permission_answers_404(clinic_admin, clinic) -> None:
    permission = permit(clinic_admin, clinic)
    services.withdraw_instrument_permission(by=clinic_admin, permission=permission, reason="Licence ended")
    assert client_for(clinic_admin).get(withdraw_url(permission)).status_code == 404


def test_the_settings_page_links_each_active_permission_to_its_withdraw_page(clinic_admin, clinic) -> None:
    permission = permit(clinic_admin, clinic)
    page = client_for(clinic_admin).get(reverse("outcomes:settings")).content.decode()
    assert withdraw_url(permission) in page


def test_the_administrator_withdraws_from_the_page_and_the_settings_show_it_struck_through(
    clinic_admin, clinic
) -> None:
    permission = permit(clinic_admin, clinic)
    response = client_for(clinic_admin).post(withdraw_url(permission), {"reason": "The licence ended"})
    assert response.status_code == 302 and response["Location"] == reverse("outcomes:settings")
    permission.refresh_from_db()
    assert permission.withdrawal_reason == "The licence ended" and permission.withdrawn_by == clinic_admin
    page = client_for(clinic_admin).get(reverse("outcomes:settings")).content.decode()
    table = page.split('data-testid="permissions"')[1].split("</table>")[0]
    assert 'class="in-error"' in table and "The licence ended" in table
    assert withdraw_url(permission) not in table
    assert 'value="cows"' in page  # offered for recording again
    assert AuditEvent.objects.filter(action="withdraw", actor=clinic_admin).count() == 1


def test_an_empty_reason_is_refused_on_the_page(clinic_admin, clinic) -> None:
    permission = permit(clinic_admin, clinic)
    page = client_for(clinic_admin).post(withdraw_url(permission), {"reason": "  "})
    assert page.status_code == 200 and "This field is required." in page.content.decode()
    permission.refresh_from_db()
    assert permission.withdrawn_at is None
    assert not AuditEvent.objects.filter(action="withdraw").exists()


def test_a_refused_reason_keeps_what_was_typed(clinic_admin, clinic) -> None:
    permission = permit(clinic_admin, clinic)
    too_long = "The rights holder wrote to say so. " * 9  # 315 characters, more than the 300 kept
    page = client_for(clinic_admin).post(withdraw_url(permission), {"reason": too_long}).content.decode()
    assert "at most 300 characters" in page and too_long.strip() in page
    permission.refresh_from_db()
    assert permission.withdrawn_at is None


def test_the_administrator_records_a_permission_again_from_the_settings_page(clinic_admin, clinic) -> None:
    permission = permit(clinic_admin, clinic)
    services.withdraw_instrument_permission(by=clinic_admin, permission=permission, reason="Lapsed")
    response = client_for(clinic_admin).post(
        reverse("outcomes:settings"),
        {"form": "permission", "instrument": "cows", "granted_by": "Rights holder", "reference": "Renewal"},
    )
    assert response.status_code == 302 and offered(clinic, "cows")
    assert InstrumentPermission.objects.filter(clinic=clinic, instrument_id="cows").count() == 2
