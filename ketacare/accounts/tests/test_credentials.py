"""Who may administer ketamine today: role, licence and the clinic's life-support certificate."""

import datetime as dt

import pytest

from conftest import make_staff
from ketacare.accounts import selectors, services
from ketacare.accounts.models import Credential


def test_prescriber_with_valid_licence_and_acls_may_administer(prescriber, clinic) -> None:
    decision = selectors.may_administer_ketamine(prescriber, clinic)
    assert decision.allowed and decision.reasons == []


def test_nurse_with_valid_licence_and_acls_may_administer(nurse, clinic) -> None:
    assert selectors.may_administer_ketamine(nurse, clinic)


def test_therapist_may_not_administer_even_when_licensed(therapist, clinic) -> None:
    decision = selectors.may_administer_ketamine(therapist, clinic)
    assert not decision
    assert any("does not administer ketamine" in reason for reason in decision.reasons)


def test_expired_licence_answers_no_with_its_expiry_date(clinic) -> None:
    nurse = make_staff("lapsed", clinic, "nurse", acls=True)
    services.record_credential(
        user=nurse,
        kind=Credential.Kind.LICENCE,
        licence_type="registered_nurse",
        number="RN-9",
        jurisdiction="Test State",
        expires_on=dt.date(2020, 3, 31),
    )
    decision = selectors.may_administer_ketamine(nurse, clinic)
    assert not decision
    assert decision.reasons == ["The professional licence RN-9 expired on 31 Mar 2020."]


def test_missing_acls_answers_no_and_names_the_certificate(clinic) -> None:
    nurse = make_staff("noacls", clinic, "nurse", licence="registered_nurse")
    decision = selectors.may_administer_ketamine(nurse, clinic)
    assert not decision
    assert decision.reasons == ["No ACLS certificate is on file; Test Clinic requires one."]


def test_licence_valid_yesterday_but_expired_today_answers_no(nurse, clinic) -> None:
    licence = nurse.credentials.get(kind="licence")
    assert selectors.may_administer_ketamine(nurse, clinic, on=licence.expires_on)
    assert not selectors.may_administer_ketamine(nurse, clinic, on=licence.expires_on + dt.timedelta(days=1))


def test_staff_of_another_clinic_may_not_administer_here(outsider, clinic) -> None:
    decision = selectors.may_administer_ketamine(outsider, clinic)
    assert not decision
    assert "not on the staff" in decision.reasons[0]


def test_clinic_requiring_bls_accepts_bls_instead_of_acls(clinic) -> None:
    clinic.administering_requires = "bls"
    clinic.save()
    nurse = make_staff("blsnurse", clinic, "nurse", licence="registered_nurse")
    services.record_credential(user=nurse, kind="bls", expires_on=dt.date.today() + dt.timedelta(days=30))
    assert selectors.may_administer_ketamine(nurse, clinic)


@pytest.mark.django_db
def test_licence_without_number_or_jurisdiction_is_refused(clinic) -> None:
    from django.core.exceptions import ValidationError

    user = services.create_user(username="x", password=None)
    with pytest.raises(ValidationError):
        services.record_credential(
            user=user, kind="licence", licence_type="physician", expires_on=dt.date(2030, 1, 1)
        )
