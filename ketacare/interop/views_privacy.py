"""Privacy pages: a patient's Part 2 consents and accounting (staff), the patient's own (portal),
the clinic's pasted texts, the scanned consent, and the PDFs.  Thin: access through the selectors
of interop/privacy.py and patients.selectors, writes through its services."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.roles import Action
from ketacare.accounts.selectors import clinics_where, is_staff_member
from ketacare.audit.actions import AuditAction
from ketacare.audit.services import record_event
from ketacare.forms_util import add_service_errors, save_form
from ketacare.interop import part2, pdf, privacy
from ketacare.interop.forms import ConsentForm, PdfDisclosureForm, PrivacySettingsForm, RevokeForm, SignForm
from ketacare.interop.models import Disclosure, Part2Consent
from ketacare.patients.selectors import get_patient_for, may, own_patient_record


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    if not is_staff_member(request.user):
        return redirect("privacy:mine")
    settings_clinics = list(clinics_where(request.user, Action.MANAGE_PRIVACY_SETTINGS).order_by("name"))
    clinics = clinics_where(request.user, Action.MANAGE_CONSENTS)
    recent = Disclosure.objects.filter(clinic__in=clinics).select_related("patient", "disclosed_by")[:50]
    record_event(
        actor=request.user, action=AuditAction.READ, entity_type="interop.disclosures", entity_id="recent"
    )
    return render(
        request,
        "interop/privacy_home.html",
        {"settings_clinics": settings_clinics, "recent": recent, "compliance_date": part2.COMPLIANCE_DATE},
    )


@login_required
def patient_privacy(request: AuthedRequest, patient_id: int) -> HttpResponse:
    if not is_staff_member(request.user):
        raise PermissionDenied("This page is for clinic staff; your own consents are under My privacy.")
    patient = get_patient_for(request.user, patient_id, Action.MANAGE_CONSENTS)
    consents = list(privacy.consents_of(request.user, patient.pk))
    as_of = timezone.now()
    return render(
        request,
        "interop/patient_privacy.html",
        {
            "patient": patient,
            "consents": [(c, privacy.consent_state(c, as_of)) for c in consents],
            "disclosures": privacy.accounting(request.user, patient.pk, as_of=as_of),
            "since": privacy.accounting_start(as_of),
            "may_disclose": may(request.user, patient, Action.DISCLOSE),
            "pdf_form": PdfDisclosureForm(),
        },
    )


@login_required
def consent_new(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = get_patient_for(request.user, patient_id, Action.MANAGE_CONSENTS)
    form = ConsentForm(request.POST or None, request.FILES or None)
    saved, consent = save_form(
        request,
        form,
        partial(privacy.record_consent, by=request.user, patient=patient),
        success="Consent recorded.",
    )
    if saved:
        return redirect("privacy:consent", consent.pk)
    return render(
        request,
        "interop/consent_form.html",
        {"patient": patient, "form": form, "title": f"New 42 CFR Part 2 consent for {patient.full_name}"},
    )


@login_required
def consent_detail(request: AuthedRequest, consent_id: int) -> HttpResponse:
    consent = privacy.consent_for(request.user, consent_id)
    own = consent.patient.portal_user_id == request.user.pk
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and not own:
        consent = privacy.consent_for(request.user, consent_id, Action.MANAGE_CONSENTS)
    saved, _ = save_form(
        request,
        form,
        partial(privacy.revoke_consent, by=request.user, consent=consent),
        success="Consent revoked.",
    )
    if saved:
        return redirect("privacy:consent", consent.pk)
    record_event(
        actor=request.user,
        action=AuditAction.READ,
        entity=consent,
        clinic=consent.clinic,
        patient_id=consent.patient_id,
    )
    return render(
        request,
        "interop/consent_detail.html",
        {
            "consent": consent,
            "state": privacy.consent_state(consent),
            "versions": consent.history.select_related("history_user").order_by(
                "-history_date", "-history_id"
            ),
            "form": form,
            "own": own,
        },
    )


@login_required
def consent_scan(request: AuthedRequest, consent_id: int) -> FileResponse:
    consent = privacy.consent_for(request.user, consent_id)
    if not consent.scan:
        raise Http404("This consent has no scan.")
    record_event(
        actor=request.user,
        action=AuditAction.READ,
        entity=consent,
        clinic=consent.clinic,
        patient_id=consent.patient_id,
        detail={"part": "scan"},
    )
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(
        consent.scan_content_type, "bin"
    )
    return FileResponse(
        consent.scan.open("rb"),
        content_type=consent.scan_content_type or "application/octet-stream",
        as_attachment=True,
        filename=f"consent-{consent.pk}.{extension}",
    )


def _accounting_pdf(request: AuthedRequest, patient_id: int) -> HttpResponse:
    as_of = timezone.now()
    disclosures = list(privacy.accounting(request.user, patient_id, as_of=as_of))
    patient = get_patient_for(request.user, patient_id)
    record_event(
        actor=request.user,
        action=AuditAction.EXPORT,
        entity_type="interop.accounting",
        entity_id=str(patient.pk),
        clinic=patient.clinic,
        patient_id=patient.pk,
        detail={"format": "PDF", "disclosures": len(disclosures)},
    )
    content = pdf.accounting_pdf(patient, disclosures, as_of, privacy.accounting_start(as_of))
    return _pdf(content, f"accounting-of-disclosures-{as_of:%Y-%m-%d}.pdf")


@login_required
def accounting_pdf(request: AuthedRequest, patient_id: int) -> HttpResponse:
    if not is_staff_member(request.user):
        raise PermissionDenied("This page is for clinic staff.")
    get_patient_for(request.user, patient_id, Action.MANAGE_CONSENTS)
    return _accounting_pdf(request, patient_id)


@login_required
@require_POST
def record_pdf(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = get_patient_for(request.user, patient_id, Action.DISCLOSE)
    form = PdfDisclosureForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            disclosure = privacy.disclose(
                by=request.user,
                patient=patient,
                request=privacy.DisclosureRequest(
                    recipient=data["recipient"],
                    purpose=data["purpose"],
                    consent_id=data["consent_id"],
                    emergency_reason=data["emergency_reason"],
                ),
                channel=Disclosure.Channel.PDF,
                information="Record summary PDF: substance use disorders, medications, allergies",
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            response = _pdf(
                pdf.record_pdf(patient, disclosure), f"record-{patient.pk}-disclosure-{disclosure.pk}.pdf"
            )
            response["X-Part2-Disclosure"] = str(disclosure.pk)
            return response
    as_of = timezone.now()
    return render(
        request,
        "interop/patient_privacy.html",
        {
            "patient": patient,
            "consents": [
                (c, privacy.consent_state(c, as_of)) for c in privacy.consents_of(request.user, patient.pk)
            ],
            "disclosures": privacy.accounting(request.user, patient.pk, as_of=as_of),
            "since": privacy.accounting_start(as_of),
            "may_disclose": True,
            "pdf_form": form,
        },
        status=400,
    )


@login_required
def privacy_settings(request: AuthedRequest) -> HttpResponse:
    clinics = list(clinics_where(request.user, Action.MANAGE_PRIVACY_SETTINGS).order_by("name"))
    if not clinics:
        raise PermissionDenied("Only clinic administrators set the privacy texts.")
    slug = request.GET.get("clinic")
    clinic = next((c for c in clinics if c.slug == slug), None) if slug else clinics[0]
    if clinic is None:
        raise Http404("No such clinic among yours.")
    current = privacy.privacy_settings(clinic)
    initial = (
        {
            "disclosure_notice": current.disclosure_notice,
            "hipaa_redisclosure_statement": current.hipaa_redisclosure_statement,
            "allow_medical_emergency": current.allow_medical_emergency,
        }
        if current
        else {}
    )
    form = PrivacySettingsForm(request.POST or None, initial=initial)
    saved, _ = save_form(
        request,
        form,
        partial(privacy.save_privacy_settings, by=request.user, clinic=clinic),
        success="Saved.",
    )
    if saved:
        return redirect(f"{request.path}?clinic={clinic.slug}")
    return render(
        request,
        "interop/privacy_settings.html",
        {
            "clinic": clinic,
            "clinics": clinics,
            "form": form,
            "verified_opening": part2.NOTICE_VERIFIED_OPENING,
            "notice_status": part2.NOTICE_STATUS,
            "hipaa_status": part2.HIPAA_STATEMENT_STATUS,
        },
    )


# ---------------------------------------------------------------- the patient's own


@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    if is_staff_member(request.user):
        return redirect("privacy:home")
    return _mine(request, own_patient_record(request.user))


def _mine(request: AuthedRequest, patient: Any, refused: tuple[int, SignForm] | None = None) -> HttpResponse:
    """The patient's consents and disclosures; `refused` re-shows a signature that was refused, with
    its error at the field and in the page's error summary."""
    as_of = timezone.now()
    consents = list(privacy.consents_of(request.user, patient.pk))
    return render(
        request,
        "interop/my_privacy.html",
        {
            "patient": patient,
            "consents": [(c, privacy.consent_state(c, as_of)) for c in consents],
            "disclosures": privacy.accounting(request.user, patient.pk, as_of=as_of),
            "since": privacy.accounting_start(as_of),
            "refused_pk": refused[0] if refused else None,
            "refused_form": refused[1] if refused else None,
        },
        status=400 if refused else 200,
    )


@login_required
@require_POST
def my_sign(request: AuthedRequest, consent_id: int) -> HttpResponse:
    patient = own_patient_record(request.user)
    consent = Part2Consent.objects.filter(pk=consent_id, patient=patient).first()
    if consent is None:
        raise Http404("No such consent.")
    form = SignForm(request.POST)
    if form.is_valid():
        try:
            privacy.sign_on_portal(by=request.user, consent=consent, signature=form.cleaned_data["signature"])
        except ValidationError as exc:
            form.add_error("signature", " ".join(exc.messages))
        else:
            messages.success(request, "You signed the consent. You can revoke it in writing at any time.")
            return redirect("privacy:mine")
    return _mine(request, patient, refused=(consent.pk, form))


@login_required
def my_accounting_pdf(request: AuthedRequest) -> HttpResponse:
    patient = own_patient_record(request.user)
    return _accounting_pdf(request, patient.pk)
