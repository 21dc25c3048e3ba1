"""Patient pages: thin views that parse, check access through selectors, call services, render."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.models import User
from ketacare.accounts.roles import Action, Role
from ketacare.accounts.selectors import clinics_where
from ketacare.forms_util import add_service_errors, save_form
from ketacare.patients import selectors, services
from ketacare.patients.forms import (
    AllergyForm,
    CareTeamForm,
    DemographicsForm,
    EnteredInErrorForm,
    HistoryFlagForm,
    MeasurementForm,
    MedicationForm,
    RegistrationForm,
    SubstanceUseDisorderForm,
)
from ketacare.patients.models import (
    Allergy,
    BodyMeasurement,
    ClinicalEntry,
    HistoryFlag,
    Medication,
    SubstanceUseDisorder,
)

PAGE_SIZE = 25


def _staff_only(request: AuthedRequest) -> None:
    """Patient pages are for staff whose role sees patients; a record's own check comes after."""
    if not clinics_where(request.user, Action.VIEW_PATIENT).exists():
        raise PermissionDenied("This page is for clinic staff who care for patients.")


@login_required
def patient_list(request: AuthedRequest) -> HttpResponse:
    _staff_only(request)
    query = request.GET.get("q", "").strip()
    # The list shows names and record numbers: a read of patient data, audited like the API's search.
    page = Paginator(selectors.search_patients(request.user, query, audit=True), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "query": query,
        "may_register": clinics_where(request.user, Action.CREATE_PATIENT).exists(),
    }
    template = "patients/_rows.html" if request.htmx else "patients/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
def patient_new(request: AuthedRequest) -> HttpResponse:
    _staff_only(request)
    clinics = clinics_where(request.user, Action.CREATE_PATIENT)
    if not clinics.exists():
        raise PermissionDenied("Your role may not register patients.")
    form = RegistrationForm(request.POST or None, clinics=clinics)
    saved, patient = save_form(
        request,
        form,
        partial(services.register_patient, by=request.user),
        success="The patient is registered.",
    )
    if saved:
        return redirect("patients:detail", patient_id=patient.pk)
    return render(request, "patients/form.html", {"form": form, "title": "Register a patient"})


@login_required
def patient_detail(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = selectors.get_patient_for(request.user, patient_id)
    if patient.portal_user_id == request.user.pk:
        return redirect("patients:portal")
    context = {
        "patient": patient,
        "latest": selectors.latest_measurement(patient),
        "may_edit_demographics": selectors.may(request.user, patient, Action.EDIT_DEMOGRAPHICS),
        "may_edit_clinical": selectors.may(request.user, patient, Action.EDIT_CLINICAL),
        "may_plan_dose": selectors.may(request.user, patient, Action.PLAN_DOSE),
        "may_see_sessions": selectors.may(request.user, patient, Action.ADMINISTER_KETAMINE),
        "entry_kinds": ENTRY_KINDS,
        **selectors.record_sections(patient),
    }
    return render(request, "patients/detail.html", context)


@login_required
def patient_edit(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = selectors.get_patient_for(request.user, patient_id, Action.EDIT_DEMOGRAPHICS)
    form = DemographicsForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        # The form has already copied the values onto the instance; reload the stored ones so the
        # service sees the change it makes.
        patient.refresh_from_db()
        try:
            changed = services.update_demographics(by=request.user, patient=patient, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Saved." if changed else "Nothing changed.")
            return redirect("patients:detail", patient_id=patient.pk)
    title = f"Edit {patient.full_name}"
    return render(request, "patients/form.html", {"form": form, "title": title, "patient": patient})


@dataclass(frozen=True)
class EntryKind:
    """A kind of clinical entry that staff add from the patient page."""

    slug: str
    title: str
    form: type[forms.ModelForm]  # type: ignore[type-arg]
    model: type[ClinicalEntry]
    record: Any  # the service that records it: (by, patient, **cleaned_data) -> entry


ENTRY_KINDS: dict[str, EntryKind] = {
    kind.slug: kind
    for kind in (
        EntryKind(
            "weight", "Record weight", MeasurementForm, BodyMeasurement, services.record_body_measurement
        ),
        EntryKind("allergy", "Add an allergy", AllergyForm, Allergy, services.add_allergy),
        EntryKind("medication", "Add a medication", MedicationForm, Medication, services.add_medication),
        EntryKind("history", "Add a history item", HistoryFlagForm, HistoryFlag, services.add_history_flag),
        EntryKind(
            "substance-use",
            "Add a substance use disorder",
            SubstanceUseDisorderForm,
            SubstanceUseDisorder,
            services.record_substance_use_disorder,
        ),
    )
}


def _kind(slug: str) -> EntryKind:
    kind = ENTRY_KINDS.get(slug)
    if kind is None:
        raise Http404("No such kind of entry.")
    return kind


@login_required
def entry_new(request: AuthedRequest, patient_id: int, kind: str) -> HttpResponse:
    entry_kind = _kind(kind)
    patient = selectors.get_patient_for(request.user, patient_id, Action.EDIT_CLINICAL)
    form = entry_kind.form(request.POST or None)
    if save_form(
        request, form, partial(entry_kind.record, by=request.user, patient=patient), success="Saved."
    )[0]:
        return redirect("patients:detail", patient_id=patient.pk)
    title = f"{entry_kind.title} for {patient.full_name}"
    return render(request, "patients/form.html", {"form": form, "title": title, "patient": patient})


@login_required
def entry_error(request: AuthedRequest, patient_id: int, kind: str, entry_id: int) -> HttpResponse:
    """Mark an entry entered-in-error: it stays visible, struck through, with the reason."""
    entry_kind = _kind(kind)
    patient = selectors.get_patient_for(request.user, patient_id, Action.EDIT_CLINICAL)
    entry = get_object_or_404(entry_kind.model, pk=entry_id, patient=patient)
    form = EnteredInErrorForm(request.POST or None)
    mark = partial(services.mark_entered_in_error, by=request.user, entry=entry)
    if save_form(request, form, mark, success="Marked as entered in error.")[0]:
        return redirect("patients:detail", patient_id=patient.pk)
    title = f"Mark an entry of {patient.full_name} as entered in error"
    return render(
        request, "patients/form.html", {"form": form, "title": title, "patient": patient, "entry": entry}
    )


@login_required
def patient_history(request: AuthedRequest, patient_id: int) -> HttpResponse:
    """Every earlier version of the demographics, newest first."""
    patient = selectors.get_patient_for(request.user, patient_id)
    versions = patient.history.select_related("history_user").order_by("-history_date")[:100]  # type: ignore[attr-defined]
    return render(request, "patients/history.html", {"patient": patient, "versions": versions})


@login_required
def portal(request: AuthedRequest) -> HttpResponse:
    """A patient's own record, read-only."""
    patient = selectors.own_patient_record(request.user)
    context = {
        "patient": patient,
        "latest": selectors.latest_measurement(patient),
        **selectors.record_sections(patient),
    }
    return render(request, "patients/portal.html", context)


@login_required
def care_team_add(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = selectors.get_patient_for(request.user, patient_id, Action.EDIT_DEMOGRAPHICS)
    staff = (
        User.objects.filter(memberships__clinic=patient.clinic, memberships__active=True)
        .exclude(memberships__role__in=[Role.PATIENT, Role.RESEARCHER])
        .exclude(care_of__patient=patient, care_of__active=True)
        .distinct()
        .order_by("display_name", "username")
    )
    form = CareTeamForm(request.POST or None, staff=staff)
    add = partial(services.add_care_team_member, by=request.user, patient=patient)
    if save_form(request, form, add, success="Care team updated.")[0]:
        return redirect("patients:detail", patient_id=patient.pk)
    title = f"Add to {patient.full_name}'s care team"
    return render(request, "patients/form.html", {"form": form, "title": title, "patient": patient})
