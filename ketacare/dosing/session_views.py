"""Monitored dosing sessions: plan, checklist and start, timed vitals with alerts, side effects,
end, sign, addenda, entered-in-error; and the clinic's alert settings.

Thin: check access (selectors.get_session_for / get_patient_for), call a service, render. The pages
are for prescribers and nurses of the patient's clinic (ketamine.administer); signing needs
session.sign; the settings page is the clinic administrator's (dosing.settings).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django import forms
from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.idle import mark_background
from ketacare.accounts.roles import Action, role_may
from ketacare.accounts.selectors import clinics_where, may_administer_ketamine, role_in
from ketacare.audit.actions import AuditAction
from ketacare.audit.models import AuditEvent
from ketacare.audit.services import record_event, record_refusal
from ketacare.dosing import selectors, services, session_panels
from ketacare.dosing.course import session_course
from ketacare.dosing.forms import (
    SCALE_FORMS,
    AddendumForm,
    AlertAcknowledgeForm,
    ChecklistForm,
    DischargeForm,
    DoseForm,
    EndSessionForm,
    EnteredInErrorForm,
    InfusionEventForm,
    PregnancyTestForm,
    RemsAnswersForm,
    SessionPlanForm,
    SessionSettingsForm,
    SideEffectForm,
    VitalSignForm,
)
from ketacare.dosing.gates import IDENTIFIERS, pregnancy_applies, prescriber_on_site_required
from ketacare.dosing.models import DosingSession, PregnancyTest, SideEffect, VitalSign
from ketacare.forms_util import add_service_errors
from ketacare.patients.selectors import get_patient_for
from ketacare.plans.calendar_selectors import get_appointment_for, todays_ketamine_appointments
from ketacare.plans.selectors import session_initial, signed_orders_of
from ketacare.text_input import PASSWORD_MAX_LENGTH

logger = logging.getLogger(__name__)
ENTRY_MODELS: dict[str, type[VitalSign] | type[SideEffect] | type[PregnancyTest]] = {
    "vital": VitalSign,
    "side-effect": SideEffect,
    "pregnancy-test": PregnancyTest,
}


@login_required
def session_list(request: AuthedRequest, patient_id: int) -> HttpResponse:
    """The patient's sessions, and the form that plans a new one (prefilled from the dose-planning page)."""
    patient = get_patient_for(request.user, patient_id, Action.ADMINISTER_KETAMINE, read=True)
    initial = {k: request.GET[k] for k in ("route", "dose_mg", "duration_min", "regimen") if k in request.GET}
    orders = signed_orders_of(patient)
    chosen = (
        orders.filter(pk=request.GET["order"]).first() if request.GET.get("order", "").isdigit() else None
    )
    if chosen is not None:
        initial = session_initial(chosen)
    form = SessionPlanForm(request.POST if request.method == "POST" else None, initial=initial)
    form.fields["order"].queryset = orders  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        try:
            session = services.plan_session(by=request.user, patient=patient, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Session planned. Confirm the checklist to start it.")
            return redirect("dosing:session", session.pk)
    context = {"patient": patient, "sessions": selectors.sessions_of(patient), "form": form, "orders": orders}
    return render(request, "dosing/sessions.html", context, status=400 if form.errors else 200)


def _htmx(request: AuthedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _live_context(session: DosingSession) -> dict[str, Any]:
    """What the live region of the session page shows (polled by everyone viewing it): next reading and
    scales due, open alerts, the predicted course with "now" (recomputed from the pump events), the
    timeline."""
    _, settings_row = services.thresholds_of(session.patient.clinic)
    return {
        "session": session,
        "course": session_course(session) if session.started_at or session.signed_at is None else None,
        "scales_due": selectors.scales_due(
            session, settings_row.scales_interval_min if settings_row else None
        ),
        "timeline": selectors.session_timeline(session),
        "open_alerts": list(services.open_alerts(session).select_related("vital")),
        "ack_form": AlertAcknowledgeForm(),
        "next_due": selectors.next_reading_due(
            session, settings_row.vitals_interval_min if settings_row else None
        ),
        "version": selectors.live_version(session),
        "editable": session.signed_at is None,
    }


def _live(request: AuthedRequest, session: DosingSession, *, oob: bool = False) -> HttpResponse:
    return render(request, "dosing/_live.html", {**_live_context(session), "oob": oob})


def _page(
    request: AuthedRequest, session: DosingSession, *, status: int = 200, **forms_: forms.Form
) -> HttpResponse:
    clinic = session.patient.clinic
    thresholds, settings_row = selectors.thresholds_of(clinic)
    role = role_in(request.user, clinic)
    editable = session.signed_at is None
    context: dict[str, Any] = {
        **_live_context(session),
        "patient": session.patient,
        "thresholds": thresholds,
        "observation_min": services.minimum_observation_min(session, settings_row),
        "interval_min": settings_row.vitals_interval_min if settings_row else None,
        "idle_seconds": django_settings.SESSION_COOKIE_AGE,
        "monitored": session.status == DosingSession.Status.IN_PROGRESS,
        "delivered_mg": services.delivered_dose_mg(session, until=session.ended_at),
        "infusion_events": list(session.infusion_events.select_related("recorded_by")),
        "extra_panels": session_panels.render(request, session),  # e.g. the ledger's (session_panels.py)
        "editable": editable,
        "may_sign": role is not None and role_may(role, Action.SIGN_SESSION),
        # Decision is falsy when refused, so the page gets the reasons themselves.
        "refusal_reasons": _refusal_reasons(request, session),
        "checklist_form": forms_.get("checklist_form") or ChecklistForm(),
        "vital_form": forms_.get("vital_form") or VitalSignForm(),
        "side_effect_form": forms_.get("side_effect_form") or SideEffectForm(),
        "end_form": forms_.get("end_form") or EndSessionForm(),
        "addendum_form": forms_.get("addendum_form") or AddendumForm(),
        "sign_form": forms_.get("sign_form") or _SignForm(),
        "dose_form": forms_.get("dose_form") or DoseForm(),
        "infusion_form": forms_.get("infusion_form") or InfusionEventForm(),
        "discharge_form": forms_.get("discharge_form") or DischargeForm(),
        "pregnancy_form": forms_.get("pregnancy_form") or PregnancyTestForm(),
        "pregnancy_gate": pregnancy_applies(session, settings_row),
        "pregnancy_tests": list(session.pregnancy_tests.select_related("recorded_by")),
        "identifiers": IDENTIFIERS,
        **_scale_forms(session, forms_),
        "error_form": forms_.get("error_form"),  # a refused entered-in-error reason, shown with its field
        # Refusals that belong to no field (signed, credentials, wrong status, entered-in-error reason)
        # are shown at the top: the form they came from may not be on the page (e.g. once signed).
        "refusals": [
            message
            for form in forms_.values()
            for name, errors in form.errors.items()
            if name == "__all__" or name not in _SHOWN_FIELDS.get(type(form), ())
            for message in errors
        ],
    }
    checklist = context["checklist_form"]
    if prescriber_on_site_required(session, settings_row):
        checklist.fields["prescriber_on_site"].queryset = selectors.prescribers_of(clinic)
    else:
        checklist.fields.pop("prescriber_on_site", None)
    return render(request, "dosing/session.html", context, status=status)


_SHOWN_FIELDS: dict[type[forms.Form], tuple[str, ...]] = {
    VitalSignForm: tuple(VitalSignForm.base_fields),
    SideEffectForm: tuple(SideEffectForm.base_fields),
    EndSessionForm: tuple(EndSessionForm.base_fields),
    AddendumForm: tuple(AddendumForm.base_fields),
    ChecklistForm: tuple(ChecklistForm.base_fields),
    PregnancyTestForm: tuple(PregnancyTestForm.base_fields),
    EnteredInErrorForm: tuple(EnteredInErrorForm.base_fields),
}


def _refusal_reasons(request: AuthedRequest, session: DosingSession) -> list[str]:
    if session.status != DosingSession.Status.PLANNED:
        return []
    return may_administer_ketamine(request.user, session.patient.clinic).reasons


@login_required
def session_detail(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = selectors.get_session_for(request.user, session_id)
    selectors.audit_session_read(request.user, session)
    return _page(request, session)


def _post(
    request: AuthedRequest,
    session_id: int,
    form_class: type[forms.Form],
    key: str,
    save: Any,
    *,
    action: Action = Action.ADMINISTER_KETAMINE,
    success: str,
) -> HttpResponse:
    """Every session write: access, form, service; on refusal, the page with the form kept."""
    session = selectors.get_session_for(request.user, session_id, action)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            result = save(session, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            for alert in result.alerts if isinstance(result, services.RecordedVital) else []:
                messages.warning(request, f"ALERT: {alert.message}")
            return redirect("dosing:session", session.pk)
    selectors.audit_session_read(request.user, session)
    return _page(request, session, status=400, **{key: form})


@login_required
@require_POST
def start(request: AuthedRequest, session_id: int) -> HttpResponse:
    return _post(
        request,
        session_id,
        ChecklistForm,
        "checklist_form",
        lambda s, **data: services.start_session(by=request.user, session=s, **data),
        success="Checklist confirmed; the session has started.",
    )


@login_required
@require_POST
def record_vital(request: AuthedRequest, session_id: int) -> HttpResponse:
    def save(session: DosingSession, measured_at: Any = None, **data: Any) -> services.RecordedVital:
        return services.record_vital_sign(by=request.user, session=session, measured_at=measured_at, **data)

    if not _htmx(request):
        return _post(request, session_id, VitalSignForm, "vital_form", save, success="Vital signs recorded.")
    # From the page (htmx): answer the one-line form (fresh, or with its errors and typed values) and
    # the live region out of band; the page does not move and the first field has the focus again.
    session = selectors.get_session_for(request.user, session_id)
    form = VitalSignForm(request.POST)
    saved = None
    if form.is_valid():
        try:
            saved = save(session, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
    selectors.audit_session_read(request.user, session)
    session.refresh_from_db()
    context = {
        **_live_context(session),
        "oob": True,
        "vital_form": VitalSignForm() if saved else form,
        "saved": saved,
    }
    return render(request, "dosing/_vital_form.html", context, status=200)


@login_required
@require_POST
def record_side_effect(request: AuthedRequest, session_id: int) -> HttpResponse:
    return _post(
        request,
        session_id,
        SideEffectForm,
        "side_effect_form",
        lambda s, **data: services.record_side_effect(by=request.user, session=s, **data),
        success="Side effect recorded.",
    )


@login_required
@require_POST
def end(request: AuthedRequest, session_id: int) -> HttpResponse:
    return _post(
        request,
        session_id,
        EndSessionForm,
        "end_form",
        lambda s, **data: services.end_session(by=request.user, session=s, **data),
        success="Session ended.",
    )


class _SignForm(forms.Form):
    password = forms.CharField(
        required=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput,
        label="Your password",
        help_text="Signing confirms it is you.",
    )
    otp_token = forms.CharField(
        required=False,
        max_length=10,
        label="Authenticator code (if you use two-factor login)",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


_SHOWN_FIELDS[_SignForm] = tuple(_SignForm.base_fields)
for _form in (DoseForm, InfusionEventForm, DischargeForm):
    _SHOWN_FIELDS[_form] = tuple(_form.base_fields)


@login_required
@require_POST
def prepare_dose(request: AuthedRequest, session_id: int) -> HttpResponse:
    return _post(
        request,
        session_id,
        DoseForm,
        "dose_form",
        lambda s, **data: services.prepare_dose(by=request.user, session=s, **data),
        success="Dose prepared: check the volume and pump rate against the vial.",
    )


@login_required
@require_POST
def infusion_event(request: AuthedRequest, session_id: int) -> HttpResponse:
    return _post(
        request,
        session_id,
        InfusionEventForm,
        "infusion_form",
        lambda s, **data: services.record_infusion_event(by=request.user, session=s, **data),
        success="Pump event recorded.",
    )


@login_required
@require_POST
def discharge(request: AuthedRequest, session_id: int) -> HttpResponse:
    return _post(
        request,
        session_id,
        DischargeForm,
        "discharge_form",
        lambda s, leaving_note, **data: services.discharge_session(
            by=request.user, session=s, discharge_note=leaving_note, **data
        ),
        success="Discharged: the session has ended.",
    )


@login_required
@require_POST
def sign(request: AuthedRequest, session_id: int) -> HttpResponse:
    return _post(
        request,
        session_id,
        _SignForm,
        "sign_form",
        lambda s, **data: services.sign_session(by=request.user, session=s, **data),
        action=Action.SIGN_SESSION,
        success="Session signed. It can no longer be changed; add an addendum if needed.",
    )


@login_required
@require_POST
def add_addendum(request: AuthedRequest, session_id: int) -> HttpResponse:
    return _post(
        request,
        session_id,
        AddendumForm,
        "addendum_form",
        lambda s, **data: services.add_addendum(by=request.user, session=s, **data),
        success="Addendum added.",
    )


@login_required
@require_POST
def entered_in_error(request: AuthedRequest, session_id: int, kind: str, entry_id: int) -> HttpResponse:
    model = ENTRY_MODELS.get(kind)
    if model is None:
        raise Http404("No such kind of entry.")

    def save(session: DosingSession, error_reason: str) -> None:
        entry = model.objects.filter(pk=entry_id, session=session).first()
        if entry is None:
            raise Http404("No such entry in this session.")
        services.mark_session_entry_in_error(by=request.user, entry=entry, reason=error_reason)

    return _post(
        request, session_id, EnteredInErrorForm, "error_form", save, success="Marked as entered in error."
    )


@login_required
def session_settings(request: AuthedRequest) -> HttpResponse:
    """The clinic administrator's alert thresholds and minimum observation time (none by default)."""
    clinic = clinics_where(request.user, Action.MANAGE_SESSION_SETTINGS).order_by("name").first()
    if clinic is None:
        record_refusal(
            actor=request.user,
            action=Action.MANAGE_SESSION_SETTINGS,
            entity_type="dosing.clinicsessionsettings",
            entity_id="",
            outcome=AuditEvent.Outcome.DENIED,
        )
        raise PermissionDenied("Only a clinic administrator sets the session alert thresholds.")
    _, current = selectors.thresholds_of(clinic)
    initial = {name: getattr(current, name) for name in services.SETTINGS_FIELDS} if current else {}
    form = SessionSettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_session_settings(by=request.user, clinic=clinic, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Session settings saved.")
            return redirect("dosing:settings")
    if current is not None:
        record_event(actor=request.user, action=AuditAction.READ, entity=current, clinic=clinic)
    return render(
        request,
        "dosing/settings.html",
        {"clinic": clinic, "form": form, "current": current},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def live(request: AuthedRequest, session_id: int) -> HttpResponse:
    """The live region of the session page, polled every few seconds by everyone viewing it. With the
    fingerprint the page already shows (?v=), an unchanged session answers 204 and shows nothing."""
    session = selectors.get_session_for(request.user, session_id)
    if session.status != DosingSession.Status.IN_PROGRESS:
        # Only a monitored session on screen keeps the login alive; a finished one's poll does not.
        mark_background(request)
    try:
        if request.GET.get("v") == selectors.live_version(session):
            return HttpResponse(status=204)
        selectors.audit_session_read(request.user, session)
        return _live(request, session)
    except OperationalError:
        # A poll that meets a locked database (SQLite under a concurrent write) shows nothing new and
        # the next poll, 3 s later, tries again; writes are never retried silently.
        logger.warning("live poll of session %s met a locked database; the next poll retries", session_id)
        return HttpResponse(status=204)


@login_required
@require_POST
def acknowledge(request: AuthedRequest, session_id: int, alert_id: int) -> HttpResponse:
    def save(session: DosingSession, **data: Any) -> Any:
        return services.acknowledge_alert(by=request.user, session=session, alert_id=alert_id, **data)

    if not _htmx(request):
        return _post(
            request, session_id, AlertAcknowledgeForm, "ack_form", save, success="Alert acknowledged."
        )
    session = selectors.get_session_for(request.user, session_id)
    form = AlertAcknowledgeForm(request.POST)
    ok = False
    if form.is_valid():
        try:
            save(session, **form.cleaned_data)
            ok = True
        except ValidationError as exc:
            add_service_errors(form, exc)
    selectors.audit_session_read(request.user, session)
    context = _live_context(session)
    if not ok:
        context["ack_errors"] = {alert_id: [m for errors in form.errors.values() for m in errors]}
    return render(request, "dosing/_live.html", context, status=200)


@login_required
@require_POST
def heartbeat(request: AuthedRequest) -> HttpResponse:
    """Sent every minute by a page showing a session (?session=<id>), and by "Stay logged in" (stay=1).
    The request renews the login (SESSION_SAVE_EVERY_REQUEST) when the user asked to stay, or while the
    session shown is monitored (started, not ended); otherwise it is a background request that leaves
    the idle timeout where it was (accounts.idle)."""
    kept = request.POST.get("stay") == "1"
    session_id = request.GET.get("session", "")
    if not kept and session_id.isdigit():
        session = selectors.get_session_for(request.user, int(session_id))
        kept = session.status == DosingSession.Status.IN_PROGRESS
    if not kept:
        mark_background(request)
    return JsonResponse({"ok": True, "kept_alive": kept})


@login_required
@require_GET
def day_board(request: AuthedRequest) -> HttpResponse:
    """Today's sessions of the user's clinics: the nurse's starting page, live."""
    if not clinics_where(request.user, Action.ADMINISTER_KETAMINE).exists():
        record_event(actor=request.user, action=AuditAction.DAY_BOARD, outcome=AuditEvent.Outcome.DENIED)
        raise PermissionDenied("The day board is for the clinic's nurses and prescribers.")
    return _board(request, "dosing/day_board.html", poll=False)


def _board(request: AuthedRequest, template: str, *, poll: bool) -> HttpResponse:
    rows = selectors.day_board(request.user)
    # Today's booked ketamine appointments not yet opened (issue 12): part of the board's version.
    booked = todays_ketamine_appointments(request.user)
    version = f"{selectors.board_version(rows)}-{'.'.join(str(a.pk) for a in booked)}"
    if poll and request.GET.get("v") == version:
        return HttpResponse(status=204)
    selectors.audit_day_board(request.user, rows)
    alerts = list(selectors.open_alerts_for(request.user))
    return render(
        request,
        template,
        {
            "rows": rows,
            "version": version,
            "all_open_alerts": alerts,
            "booked": booked,
            "idle_seconds": _idle_seconds(),
        },
    )


@login_required
@require_POST
def open_appointment(request: AuthedRequest, appointment_id: int) -> HttpResponse:
    """Open the session of a booked ketamine appointment (the day board's button)."""
    appointment = get_appointment_for(request.user, appointment_id, Action.ADMINISTER_KETAMINE)
    try:
        session = services.open_session_from_appointment(by=request.user, appointment_id=appointment.pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("dosing:day_board")
    messages.success(request, "Session opened from the appointment's signed order.")
    return redirect("dosing:session", session.pk)


@login_required
@require_GET
def day_board_live(request: AuthedRequest) -> HttpResponse:
    mark_background(request)  # the board's updates are not the user's activity
    if not clinics_where(request.user, Action.ADMINISTER_KETAMINE).exists():
        raise PermissionDenied("The day board is for the clinic's nurses and prescribers.")
    return _board(request, "dosing/_board.html", poll=True)


@login_required
@require_GET
def summary_pdf(request: AuthedRequest, session_id: int) -> HttpResponse:
    """The printable summary of a session (PDF), for its clinicians; audited as a read."""
    from ketacare.dosing.summary_pdf import session_summary_pdf

    session = selectors.get_session_for(request.user, session_id)
    selectors.audit_session_read(request.user, session)
    response = HttpResponse(session_summary_pdf(session), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="session-{session.pk}.pdf"'
    return response


def _scale_forms(session: DosingSession, given: dict[str, Any]) -> dict[str, Any]:
    """The three in-session scale forms (fresh, or the one refused with its typed values), and whether
    the clinic may use CADSS-6 (it needs the rights holder's permission)."""
    from ketacare import instruments
    from ketacare.outcomes.selectors import instrument_available

    forms_ = {key: given.get(f"scale_{key}") or cls(prefix=key) for key, cls in SCALE_FORMS.items()}
    cadss = instruments.get_instrument("cadss-6")
    return {
        "moaas_form": forms_["moaas"],
        "cadss_form": forms_["cadss-6"],
        "craving_form": forms_["craving-vas"],
        "cadss_available": instrument_available(session.patient.clinic, cadss),
    }


@login_required
@require_POST
def record_pregnancy_test(request: AuthedRequest, session_id: int) -> HttpResponse:
    return _post(
        request,
        session_id,
        PregnancyTestForm,
        "pregnancy_form",
        lambda s, **data: services.record_pregnancy_test(by=request.user, session=s, **data),
        success="Pregnancy test recorded.",
    )


@login_required
@require_POST
def record_scale(request: AuthedRequest, session_id: int, instrument_id: str) -> HttpResponse:
    """Sedation, dissociation or craving from the session page: with htmx the answer is the scales card
    (fresh, or the refused form with its typed values) and the live region out of band, so the page does
    not move; without JavaScript a redirect back."""
    form_class = SCALE_FORMS.get(instrument_id)
    if form_class is None:
        raise Http404("No such scale.")
    session = selectors.get_session_for(request.user, session_id)
    form = form_class(request.POST, prefix=instrument_id)
    saved = None
    if form.is_valid():
        try:
            saved = services.record_session_scale(
                by=request.user, session=session, instrument_id=instrument_id, answers=form.answers()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    if not _htmx(request):
        if saved is not None:
            messages.success(request, f"{selectors.scale_label(instrument_id)} recorded.")
            return redirect("dosing:session", session.pk)
        selectors.audit_session_read(request.user, session)
        return _page(request, session, status=400, **{f"scale_{instrument_id}": form})
    selectors.audit_session_read(request.user, session)
    session.refresh_from_db()
    context = {
        **_live_context(session),
        **_scale_forms(session, {} if saved else {f"scale_{instrument_id}": form}),
        "oob": True,
        "editable": True,
        "scale_saved": saved.response if saved else None,
    }
    return render(request, "dosing/_scales.html", context, status=200)


# --- The esketamine REMS monitoring forms ---------------------------------------------------------


def _require_rems_clinic(request: AuthedRequest) -> None:
    if not clinics_where(request.user, Action.ADMINISTER_KETAMINE).exists():
        record_event(actor=request.user, action=AuditAction.SEARCH, outcome=AuditEvent.Outcome.DENIED)
        raise PermissionDenied("The monitoring forms are for the clinic's nurses and prescribers.")


@login_required
@require_GET
def rems_queue(request: AuthedRequest) -> HttpResponse:
    """Esketamine monitoring forms not yet sent: due within 7 days of each session, overdue first."""
    _require_rems_clinic(request)
    rows = selectors.rems_queue(request.user)
    selectors.audit_rems_queue(request.user, rows)
    rows.sort(key=lambda r: (not r["overdue"], r["due_on"] or dt.date.max))
    return render(request, "dosing/rems_queue.html", {"rows": rows, "idle_seconds": _idle_seconds()})


@login_required
def rems_form(request: AuthedRequest, session_id: int) -> HttpResponse:
    """One session's monitoring form: filled from the session, the prescriber's four medication answers,
    and "sent"; printable."""
    session = selectors.get_session_for(request.user, session_id)
    if session.drug != "esketamine" or session.started_at is None:
        selectors.audit_session_read(request.user, session)
        raise Http404("Only a started esketamine session has a REMS monitoring form.")
    initial = {
        name: ("yes" if getattr(session, name) else "no")
        for name in services.REMS_MEDICATION_FIELDS
        if getattr(session, name) is not None
    }
    answering = request.method == "POST" and "send" not in request.POST
    form = RemsAnswersForm(request.POST if answering else None, initial=initial)
    sent_errors: list[str] = []
    if request.method == "POST":
        try:
            if "send" in request.POST:
                services.mark_rems_form_submitted(by=request.user, session=session)
                messages.success(request, "Recorded as sent: the form has left the queue.")
                return redirect("dosing:rems_form", session.pk)
            if form.is_valid():
                services.record_rems_answers(by=request.user, session=session, **form.answers())
                messages.success(request, "Medication answers saved.")
                return redirect("dosing:rems_form", session.pk)
        except ValidationError as exc:
            if "send" in request.POST:
                sent_errors = list(exc.messages)
            else:
                add_service_errors(form, exc)
    selectors.audit_session_read(request.user, session)
    context = {
        "session": session,
        "patient": session.patient,
        "form": form,
        "rems": selectors.rems_form(session),
        "medication_labels": services.REMS_MEDICATION_FIELDS,
        "sent_errors": sent_errors,
        "idle_seconds": _idle_seconds(),
    }
    return render(
        request, "dosing/rems_form.html", context, status=400 if form.errors or sent_errors else 200
    )


def _idle_seconds() -> int:
    return int(django_settings.SESSION_COOKIE_AGE)
