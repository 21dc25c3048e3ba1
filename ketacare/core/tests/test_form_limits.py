"""Every free-text field of every page form has a length limit, the same as the API's for the same
data, and an over-long text is refused with a message, storing nothing (issue 9: a 1 MB address was
stored)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest
from annotated_types import MaxLen
from django import forms
from django.test import Client

import ketacare
from ketacare.patients.models import Patient

# Text fields that need no limit of their own, and why. Keep this short.
ALLOWED_WITHOUT_LIMIT: dict[str, str] = {}


def _import_every_module() -> None:
    for module in pkgutil.walk_packages(ketacare.__path__, "ketacare."):
        if ".tests" in module.name or ".migrations" in module.name:
            continue
        importlib.import_module(module.name)


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def project_forms() -> list[type[forms.BaseForm]]:
    _import_every_module()
    found = {c for c in _subclasses(forms.BaseForm) if c.__module__.startswith("ketacare.")}
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def test_every_text_field_of_every_form_has_a_maximum_length() -> None:
    classes = project_forms()
    assert len(classes) >= 40, [c.__qualname__ for c in classes]  # the walk found the project's forms
    missing = [
        f"{cls.__module__}.{cls.__qualname__}.{name}"
        for cls in classes
        for name, field in cls.base_fields.items()
        if isinstance(field, forms.CharField)
        and field.max_length is None
        and f"{cls.__module__}.{cls.__qualname__}.{name}" not in ALLOWED_WITHOUT_LIMIT
    ]
    assert missing == [], f"text fields without max_length: {missing}"


def _api_limit(schema: Any, name: str) -> int | None:
    limits = [m.max_length for m in schema.model_fields[name].metadata if isinstance(m, MaxLen)]
    return limits[0] if limits else None


def _pairs() -> list[tuple[str, int | None, int | None]]:
    from ketacare.dosing import api as dosing_api
    from ketacare.dosing import forms as dosing_forms
    from ketacare.dosing.session_views import _SignForm
    from ketacare.patients import api as patients_api
    from ketacare.patients import forms as patients_forms

    demographics = patients_forms.DemographicsForm.base_fields
    pairs = [
        (name, demographics[name].max_length, _api_limit(patients_api.PatientIn, name))  # type: ignore[attr-defined]
        for name in ("medical_record_number", "given_name", "family_name", "gender", "phone", "address")
    ]
    pairs += [
        (
            "discharge_note",
            dosing_forms.EndSessionForm.base_fields["discharge_note"].max_length,  # type: ignore[attr-defined]
            _api_limit(dosing_api.EndIn, "discharge_note"),
        ),
        (
            "addendum",
            dosing_forms.AddendumForm.base_fields["text"].max_length,  # type: ignore[attr-defined]
            _api_limit(dosing_api.AddendumIn, "text"),
        ),
        (
            "signing password",
            _SignForm.base_fields["password"].max_length,  # type: ignore[attr-defined]
            _api_limit(dosing_api.SignIn, "password"),
        ),
    ]
    return pairs


def test_the_forms_limits_match_the_apis() -> None:
    differing = [(name, form, api) for name, form, api in _pairs() if form is None or form != api]
    assert differing == []


MEGABYTE_ADDRESS = "1 Long Street, " * (1024 * 1024 // 15)


@pytest.mark.django_db
def test_a_megabyte_address_is_refused_on_registration_with_a_message_and_nothing_stored(prescriber) -> None:
    client = Client()
    client.force_login(prescriber)
    answer = client.post(
        "/patients/new/",
        {
            "medical_record_number": "MB-1",
            "given_name": "Ada",
            "family_name": "Long",
            "date_of_birth": "1980-01-01",
            "sex_at_birth": "female",
            "address": MEGABYTE_ADDRESS,
        },
    )
    assert answer.status_code == 200
    assert "at most 500 characters" in answer.content.decode()
    assert "There is a problem" in answer.content.decode()
    assert not Patient.objects.filter(medical_record_number="MB-1").exists()


@pytest.mark.django_db
def test_a_megabyte_address_is_refused_on_the_edit_page_and_the_old_one_kept(prescriber, patient) -> None:
    client = Client()
    client.force_login(prescriber)
    data = {
        "medical_record_number": patient.medical_record_number,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex_at_birth": patient.sex_at_birth,
        "address": MEGABYTE_ADDRESS,
    }
    before = Patient.objects.get(pk=patient.pk).address
    answer = client.post(f"/patients/{patient.pk}/edit/", data)
    assert answer.status_code == 200 and "at most 500 characters" in answer.content.decode()
    assert Patient.objects.get(pk=patient.pk).address == before


@pytest.mark.django_db
def test_the_database_refuses_an_over_long_address_too(patient) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Patient.objects.filter(pk=patient.pk).update(address="x" * 501)
