"""Clinic administrators add staff, change their roles, end and reactivate their memberships.

Every write goes through accounts.services (atomic, audited, MANAGE_STAFF checked in the clinic);
every page is tested for anonymous, wrong role, another clinic's administrator and the right role.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client

from conftest import make_staff
from ketacare.accounts import services
from ketacare.accounts.models import Membership, User
from ketacare.audit.models import AuditEvent
from ketacare.testing import client_for

ANON = "anonymous"
GOOD_PASSWORD = "quiet meadow lantern 42"
NEW_NURSE = {
    "username": "newnurse",
    "display_name": "Grace Hopper",
    "email": "grace@example.org",
    "role": "nurse",
    "password": GOOD_PASSWORD,
    "password_again": GOOD_PASSWORD,
}


@pytest.fixture
def other_admin(other_clinic: Any) -> Any:
    """A clinic administrator, but of the other clinic."""
    return make_staff("otheradmin", other_clinic, "clinic_admin")


@pytest.fixture
def people(personas: dict[str, Any], other_admin: Any) -> dict[str, Any]:
    return {**personas, "other_admin": other_admin}


def _client(persona: str, people: dict[str, Any]) -> Client:
    return client_for(None if persona == ANON else people[persona])


def _membership(user: User) -> Membership:
    return Membership.objects.get(user=user)


def _post_new_staff(people: dict[str, Any], **changes: Any) -> Any:
    """The add-a-staff-member form as the browser posts it, the clinic being the hidden field's value."""
    clinic = _membership(people["clinic_admin"]).clinic_id
    return _client("clinic_admin", people).post(
        "/accounts/staff/new/", {**NEW_NURSE, "clinic": clinic, **changes}
    )


def _end(admin: User, user: User, reason: str = "Left the clinic") -> Membership:
    return services.end_membership(by=admin, membership=_membership(user), reason=reason)


# --- who may open which page -------------------------------------------------------------------

# {m} is the nurse's membership of the personas' clinic; {ended} the therapist's, ended.
PAGES = [
    (ANON, "/accounts/staff/new/", 302),
    ("nurse", "/accounts/staff/new/", 403),
    ("outsider", "/accounts/staff/new/", 403),
    ("other_admin", "/accounts/staff/new/", 200),  # for their own clinic
    ("clinic_admin", "/accounts/staff/new/", 200),
    (ANON, "/accounts/staff/memberships/{m}/role/", 302),
    ("nurse", "/accounts/staff/memberships/{m}/role/", 403),
    ("prescriber", "/accounts/staff/memberships/{m}/role/", 403),
    ("other_admin", "/accounts/staff/memberships/{m}/role/", 404),
    ("clinic_admin", "/accounts/staff/memberships/{m}/role/", 200),
    (ANON, "/accounts/staff/memberships/{m}/end/", 302),
    ("therapist", "/accounts/staff/memberships/{m}/end/", 403),
    ("other_admin", "/accounts/staff/memberships/{m}/end/", 404),
    ("clinic_admin", "/accounts/staff/memberships/{m}/end/", 200),
    (ANON, "/accounts/staff/memberships/{ended}/reactivate/", 302),
    ("researcher", "/accounts/staff/memberships/{ended}/reactivate/", 403),
    ("other_admin", "/accounts/staff/memberships/{ended}/reactivate/", 404),
    ("clinic_admin", "/accounts/staff/memberships/{ended}/reactivate/", 200),
    ("clinic_admin", "/accounts/staff/memberships/999999/end/", 404),
    ("other_admin", "/accounts/staff/", 200),
]


@pytest.mark.parametrize(("persona", "path", "expected"), PAGES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_management_pages_follow_the_roles_matrix(people, persona, path, expected, method) -> None:
    ended = _end(people["clinic_admin"], people["therapist"])
    url = path.format(m=_membership(people["nurse"]).pk, ended=ended.pk)
    response = getattr(_client(persona, people), method)(url)
    # For the right role an empty POST is refused with the form (200) or, to reactivate, done (302).
    allowed = {200, 302} if method == "post" and expected == 200 else {expected}
    assert response.status_code in allowed
    if persona == ANON:
        assert response["Location"].startswith("/accounts/login/")


def test_a_patients_membership_is_not_managed_from_the_staff_pages(people) -> None:
    patient_membership = _membership(people["patient"])
    client = _client("clinic_admin", people)
    assert client.get(f"/accounts/staff/memberships/{patient_membership.pk}/end/").status_code == 404
    with pytest.raises(ValidationError, match="patient record"):
        services.end_membership(by=people["clinic_admin"], membership=patient_membership, reason="x")


def test_another_clinics_administrator_cannot_end_a_membership_by_posting(people) -> None:
    nurse_membership = _membership(people["nurse"])
    response = _client("other_admin", people).post(
        f"/accounts/staff/memberships/{nurse_membership.pk}/end/", {"reason": "Hostile takeover"}
    )
    assert response.status_code == 404
    nurse_membership.refresh_from_db()
    assert nurse_membership.active
    with pytest.raises(PermissionDenied):
        services.end_membership(by=people["other_admin"], membership=nurse_membership, reason="x")


# --- adding a staff member ------------------------------------------------------------------------


def test_an_administrator_adds_a_nurse_with_login_membership_and_audit_events(people, clinic) -> None:
    admin = people["clinic_admin"]
    response = _post_new_staff(people)

    assert response.status_code == 302
    user = User.objects.get(username="newnurse")
    assert user.check_password(GOOD_PASSWORD)
    assert (user.display_name, user.email) == ("Grace Hopper", "grace@example.org")
    membership = _membership(user)
    assert (membership.clinic, membership.role, membership.active) == (clinic, "nurse", True)
    created = AuditEvent.objects.filter(actor=admin, action="create")
    assert created.filter(entity_type="accounts.user", entity_id=str(user.pk)).exists()
    assert created.get(entity_type="accounts.membership", entity_id=str(membership.pk)).detail == {
        "role": "nurse"
    }
    page = _client("clinic_admin", people).get("/accounts/staff/").content.decode()
    assert "Grace Hopper" in page


def test_the_clinic_is_asked_only_of_an_administrator_of_several_clinics(people, other_clinic) -> None:
    form = _client("clinic_admin", people).get("/accounts/staff/new/").content.decode()
    assert 'type="hidden" name="clinic"' in form

    services.add_membership(user=people["clinic_admin"], clinic=other_clinic, role="clinic_admin")
    form = _client("clinic_admin", people).get("/accounts/staff/new/").content.decode()
    assert '<select name="clinic"' in form
    assert "Other Clinic" in form


def test_an_administrator_of_two_clinics_adds_staff_to_the_one_chosen(people, other_clinic) -> None:
    services.add_membership(user=people["clinic_admin"], clinic=other_clinic, role="clinic_admin")
    response = _client("clinic_admin", people).post(
        "/accounts/staff/new/", {**NEW_NURSE, "clinic": other_clinic.pk}
    )
    assert response.status_code == 302
    assert _membership(User.objects.get(username="newnurse")).clinic == other_clinic


def test_staff_cannot_be_added_to_a_clinic_the_administrator_does_not_manage(people, other_clinic) -> None:
    response = _client("clinic_admin", people).post(
        "/accounts/staff/new/", {**NEW_NURSE, "clinic": other_clinic.pk}
    )
    assert response.status_code == 200  # not a choice on the form
    assert not User.objects.filter(username="newnurse").exists()
    with pytest.raises(PermissionDenied):
        services.add_staff_member(by=people["clinic_admin"], clinic=other_clinic, **_service_args(NEW_NURSE))


def _service_args(data: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in data.items() if k != "password_again"}


@pytest.mark.parametrize("role", ["patient", "superuser"])
def test_only_staff_roles_can_be_given(people, clinic, role) -> None:
    response = _post_new_staff(people, role=role)
    assert "Select a valid choice" in response.content.decode()
    with pytest.raises(ValidationError):
        services.add_staff_member(
            by=people["clinic_admin"], clinic=clinic, **_service_args({**NEW_NURSE, "role": role})
        )
    assert not User.objects.filter(username="newnurse").exists()


def test_a_taken_username_is_refused_and_reveals_nothing_about_its_account(people) -> None:
    last_event = AuditEvent.objects.latest("id").pk
    # The outsider works at the other clinic; case differs, the name is still taken.
    response = _post_new_staff(people, username="OutSider")
    page = response.content.decode()
    assert response.status_code == 200
    assert "This username is already taken. Choose another." in page
    assert "Other Clinic" not in page and "Outsider" not in page  # neither their clinic nor their name
    assert 'value="OutSider"' in page  # what was typed is kept
    assert User.objects.filter(username__iexact="outsider").count() == 1
    assert not AuditEvent.objects.filter(pk__gt=last_event, action="create").exists()


def test_a_weak_password_is_refused_and_what_was_typed_is_kept(people) -> None:
    users_before = User.objects.count()
    response = _post_new_staff(people, password="12345678", password_again="12345678")
    page = response.content.decode()
    assert response.status_code == 200
    assert "This password is too short" in page
    assert "This password is entirely numeric" in page
    for typed in ("newnurse", "Grace Hopper", "grace@example.org"):
        assert f'value="{typed}"' in page
    assert '<option value="nurse" selected>' in page
    assert "12345678" not in page  # a password is never sent back
    assert User.objects.count() == users_before


def test_a_password_like_the_username_is_refused(people, clinic) -> None:
    with pytest.raises(ValidationError) as refused:
        services.add_staff_member(
            by=people["clinic_admin"],
            clinic=clinic,
            **_service_args({**NEW_NURSE, "username": "gracehopper1", "password": "gracehopper1"}),
        )
    assert "too similar" in str(refused.value.message_dict["password"])


def test_two_different_passwords_are_refused(people) -> None:
    response = _post_new_staff(people, password_again=GOOD_PASSWORD + "x")
    assert "The two passwords differ" in response.content.decode()
    assert not User.objects.filter(username="newnurse").exists()


def test_login_and_membership_are_created_both_or_neither(people, clinic) -> None:
    """The database refuses the membership (as a lost connection or a constraint would); the login
    created just before it must not survive."""

    def refuse_memberships(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith('INSERT INTO "accounts_membership"'):
            raise RuntimeError("the database refused the membership")
        return execute(sql, params, many, context)

    events_before = AuditEvent.objects.count()
    with connection.execute_wrapper(refuse_memberships), pytest.raises(RuntimeError):
        services.add_staff_member(by=people["clinic_admin"], clinic=clinic, **_service_args(NEW_NURSE))
    assert not User.objects.filter(username="newnurse").exists()
    assert AuditEvent.objects.count() == events_before


def test_a_new_staff_member_must_set_up_two_factors_at_first_log_in(people, settings) -> None:
    _post_new_staff(people)
    settings.REQUIRE_MFA = True
    client = Client()
    response = client.post("/accounts/login/", {"username": "newnurse", "password": GOOD_PASSWORD})
    assert response.status_code == 302
    assert client.get("/patients/")["Location"].startswith("/accounts/two-factor/setup/")


# --- changing a role ------------------------------------------------------------------------------


def test_an_administrator_changes_a_role_and_the_audit_says_from_what_to_what(people) -> None:
    membership = _membership(people["nurse"])
    response = _client("clinic_admin", people).post(
        f"/accounts/staff/memberships/{membership.pk}/role/", {"role": "prescriber"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "prescriber"
    event = AuditEvent.objects.get(action="update", entity_type="accounts.membership")
    assert event.actor == people["clinic_admin"]
    assert event.clinic_id == membership.clinic_id
    assert event.detail == {"user": "nurse", "role_before": "nurse", "role_after": "prescriber"}


def test_the_role_form_offers_staff_roles_only(people) -> None:
    membership = _membership(people["nurse"])
    client = _client("clinic_admin", people)
    page = client.get(f"/accounts/staff/memberships/{membership.pk}/role/").content.decode()
    assert '<option value="nurse" selected>' in page
    assert 'value="patient"' not in page
    response = client.post(f"/accounts/staff/memberships/{membership.pk}/role/", {"role": "patient"})
    assert "Select a valid choice" in response.content.decode()
    with pytest.raises(ValidationError):
        services.change_staff_role(by=people["clinic_admin"], membership=membership, role="patient")
    membership.refresh_from_db()
    assert membership.role == "nurse"


def test_an_unchanged_role_writes_no_audit_event(people) -> None:
    services.change_staff_role(
        by=people["clinic_admin"], membership=_membership(people["nurse"]), role="nurse"
    )
    assert not AuditEvent.objects.filter(action="update", entity_type="accounts.membership").exists()


def test_an_ended_membership_must_be_reactivated_before_its_role_changes(people) -> None:
    ended = _end(people["clinic_admin"], people["nurse"])
    with pytest.raises(ValidationError, match="Reactivate it"):
        services.change_staff_role(by=people["clinic_admin"], membership=ended, role="prescriber")


def test_a_nurse_cannot_change_roles_even_through_the_service(people) -> None:
    with pytest.raises(PermissionDenied):
        services.change_staff_role(
            by=people["nurse"], membership=_membership(people["therapist"]), role="clinic_admin"
        )


# --- the last administrator -----------------------------------------------------------------------


def test_the_last_administrator_cannot_demote_themselves_and_is_told_why(people) -> None:
    membership = _membership(people["clinic_admin"])
    response = _client("clinic_admin", people).post(
        f"/accounts/staff/memberships/{membership.pk}/role/", {"role": "nurse"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "You are the last active clinic administrator of Test Clinic" in page
    assert "nobody could manage its staff" in page
    membership.refresh_from_db()
    assert membership.role == "clinic_admin"


def test_the_last_administrator_cannot_end_their_own_membership(people) -> None:
    membership = _membership(people["clinic_admin"])
    response = _client("clinic_admin", people).post(
        f"/accounts/staff/memberships/{membership.pk}/end/", {"reason": "Retiring"}
    )
    assert "You are the last active clinic administrator" in response.content.decode()
    membership.refresh_from_db()
    assert membership.active


def test_with_a_second_administrator_one_may_step_down(people) -> None:
    admin = people["clinic_admin"]
    services.change_staff_role(by=admin, membership=_membership(people["therapist"]), role="clinic_admin")
    services.change_staff_role(by=admin, membership=_membership(admin), role="nurse")
    assert _membership(admin).role == "nurse"
    # The remaining administrator is now the last one.
    with pytest.raises(ValidationError, match="last active clinic administrator"):
        _end(people["therapist"], people["therapist"])


def test_an_ended_administrator_does_not_count_as_another_administrator(people) -> None:
    admin, therapist = people["clinic_admin"], people["therapist"]
    services.change_staff_role(by=admin, membership=_membership(therapist), role="clinic_admin")
    _end(admin, therapist)
    with pytest.raises(ValidationError, match="last active clinic administrator"):
        _end(admin, admin)


# --- ending and reactivating ----------------------------------------------------------------------


def test_ending_a_membership_keeps_the_row_with_when_and_why_and_audits_the_reason(people) -> None:
    membership = _membership(people["nurse"])
    response = _client("clinic_admin", people).post(
        f"/accounts/staff/memberships/{membership.pk}/end/", {"reason": "  Moved to another site  "}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert not membership.active
    assert membership.ended_at is not None
    assert membership.end_reason == "Moved to another site"
    event = AuditEvent.objects.get(action="update", entity_type="accounts.membership")
    assert event.actor == people["clinic_admin"]
    assert event.detail == {
        "user": "nurse",
        "active_before": True,
        "active_after": False,
        "role": "nurse",
        "reason": "Moved to another site",
    }


def test_a_membership_cannot_end_without_a_reason(people) -> None:
    membership = _membership(people["nurse"])
    response = _client("clinic_admin", people).post(
        f"/accounts/staff/memberships/{membership.pk}/end/", {"reason": "   "}
    )
    assert "This field is required" in response.content.decode()
    with pytest.raises(ValidationError, match="Say why"):
        services.end_membership(by=people["clinic_admin"], membership=membership, reason=" ")
    membership.refresh_from_db()
    assert membership.active


def test_a_nurse_whose_membership_ended_gets_404_on_the_clinics_patient_at_once(people, patient) -> None:
    nurse_client = _client("nurse", people)
    assert nurse_client.get(f"/patients/{patient.pk}/").status_code == 200

    _end(people["clinic_admin"], people["nurse"])

    assert nurse_client.get(f"/patients/{patient.pk}/").status_code == 404
    assert nurse_client.get("/patients/").status_code == 403  # no clinic left whose patients they see
    _, token = services.create_api_token(user=people["nurse"], name="test")
    api = Client().get(f"/api/v1/patients/{patient.pk}", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401  # working in no clinic, their tokens are refused altogether


def test_ending_one_clinics_membership_keeps_the_others(people, patient, other_clinic) -> None:
    nurse = people["nurse"]
    services.add_membership(user=nurse, clinic=other_clinic, role="nurse")
    services.end_membership(
        by=people["clinic_admin"],
        membership=Membership.objects.get(user=nurse, clinic=patient.clinic),
        reason="x",
    )
    nurse_client = _client("nurse", people)
    assert nurse_client.get(f"/patients/{patient.pk}/").status_code == 404
    assert nurse_client.get("/patients/").status_code == 200
    assert Membership.objects.get(user=nurse, clinic=other_clinic).active


def test_reactivating_restores_access_and_is_audited(people, patient) -> None:
    ended = _end(people["clinic_admin"], people["nurse"])
    response = _client("clinic_admin", people).post(f"/accounts/staff/memberships/{ended.pk}/reactivate/")
    assert response.status_code == 302
    ended.refresh_from_db()
    assert (ended.active, ended.ended_at, ended.end_reason) == (True, None, "")
    assert _client("nurse", people).get(f"/patients/{patient.pk}/").status_code == 200
    event = AuditEvent.objects.filter(action="update", entity_type="accounts.membership").latest("id")
    assert event.detail == {"user": "nurse", "active_before": False, "active_after": True, "role": "nurse"}
    # The history keeps when and why it had ended.
    assert ended.history.filter(end_reason="Left the clinic").exists()  # type: ignore[attr-defined]


def test_an_active_membership_cannot_be_reactivated_nor_an_ended_one_ended_again(people) -> None:
    admin = people["clinic_admin"]
    with pytest.raises(ValidationError, match="already active"):
        services.reactivate_membership(by=admin, membership=_membership(people["nurse"]))
    ended = _end(admin, people["nurse"])
    with pytest.raises(ValidationError, match="already ended"):
        services.end_membership(by=admin, membership=ended, reason="again")


def test_the_staff_page_lists_ended_memberships_apart_with_reactivation(people) -> None:
    ended = _end(people["clinic_admin"], people["therapist"], reason="Long leave")
    page = _client("clinic_admin", people).get("/accounts/staff/").content.decode()
    active_table, ended_table = page.split('data-testid="ended-staff"')
    assert "Long leave" in ended_table
    assert f"/accounts/staff/memberships/{ended.pk}/reactivate/" in ended_table
    assert "Therapist" not in active_table.split('data-testid="staff"')[1]
    assert f"/accounts/staff/memberships/{_membership(people['nurse']).pk}/end/" in active_table
    assert "Add a staff member" in page


def test_the_staff_page_has_no_inline_script_or_style(people) -> None:
    _end(people["clinic_admin"], people["therapist"])
    for path in ("/accounts/staff/", "/accounts/staff/new/"):
        page = _client("clinic_admin", people).get(path).content.decode()
        assert "<style" not in page and " style=" not in page
        assert "<script>" not in page and " on" + "click=" not in page
