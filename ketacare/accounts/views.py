"""Log-in with two factors, two-factor enrolment, and the home page that sends each role its way."""

from __future__ import annotations

import base64
from functools import partial
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketacare.accounts import password_reset, tokens
from ketacare.accounts.forms import (
    CredentialForm,
    EndMembershipForm,
    NewApiTokenForm,
    NewPasswordForm,
    PasswordResetIssueForm,
    RoleForm,
    StaffMemberForm,
    TokenForm,
)
from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.roles import Action
from ketacare.accounts.selectors import (
    clinics_where,
    get_staff_membership_for,
    is_staff_member,
    may_administer_ketamine,
    staff_managed_by,
    staff_memberships_managed_by,
)
from ketacare.accounts.services import (
    add_staff_member,
    change_staff_role,
    create_own_api_token,
    end_membership,
    reactivate_membership,
    record_credential,
)
from ketacare.audit.actions import AuditAction
from ketacare.audit.services import record_event
from ketacare.forms_util import add_service_errors, save_form


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def _next_url(request: AuthedRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


@login_required
def two_factor_verify(request: AuthedRequest) -> HttpResponse:
    devices = list(devices_for_user(request.user, confirmed=True))
    if not devices:
        return redirect("accounts:two_factor_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in devices:
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                record_event(actor=request.user, action=AuditAction.LOGIN_SECOND_FACTOR, entity=request.user)
                return redirect(_next_url(request))
        record_event(
            actor=request.user,
            action=AuditAction.LOGIN_SECOND_FACTOR,
            entity=request.user,
            outcome="failed",
        )
        form.add_error("token", "That code is not right or has expired. Enter the current code.")
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)})


@login_required
def two_factor_setup(request: AuthedRequest) -> HttpResponse:
    """Enrol an authenticator app: show the secret as a QR code, confirm with one code."""
    if any(True for _ in devices_for_user(request.user, confirmed=True)):
        messages.info(request, "Two-factor login is already set up for your account.")
        return redirect("home")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="Authenticator app", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save()
            otp_login(request, device)
            record_event(actor=request.user, action=AuditAction.TWO_FACTOR_ENROLLED, entity=request.user)
            messages.success(
                request, "Two-factor login is set up. You will be asked for a code at each log-in."
            )
            return redirect(_next_url(request))
        form.add_error(
            "token", "That code is not right. Check the time on your phone and enter the current code."
        )
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#1b2a3a")
    # The same secret as text, for apps that cannot scan (base32, as authenticator apps expect).
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {"form": form, "qr_svg": qr_svg, "secret": secret, "next": _next_url(request)},
    )


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    # Each role lands where it can work: a researcher cannot open patients, only programme data.
    if (
        not clinics_where(request.user, Action.VIEW_PATIENT).exists()
        and clinics_where(request.user, Action.VIEW_DEIDENTIFIED).exists()
    ):
        return redirect("research:cohort")
    if request.user.memberships.filter(role="nurse", active=True).exists():
        return redirect("dosing:day_board")  # the nurse's starting page: today's sessions
    if is_staff_member(request.user):
        return redirect("patients:list")
    if hasattr(request.user, "patient_record"):
        return redirect("patients:portal")
    return render(request, "accounts/no_clinic.html", status=403)


def _staff_admin_only(request: AuthedRequest) -> None:
    """Staff pages are for clinic administrators; a membership's own clinic is checked after (404)."""
    if not clinics_where(request.user, Action.MANAGE_STAFF).exists():
        raise PermissionDenied("Only a clinic administrator may manage staff.")


@login_required
def staff_list(request: AuthedRequest) -> HttpResponse:
    """A clinic administrator's view of staff, their credentials, and who may administer ketamine today."""
    _staff_admin_only(request)
    memberships = staff_memberships_managed_by(request.user)
    memberships = memberships.order_by("clinic__name", "role", "user__username")
    rows = [
        {
            "membership": m,
            "decision": may_administer_ketamine(m.user, m.clinic),
            "credentials": m.user.credentials.all(),
        }
        for m in memberships.filter(active=True).prefetch_related("user__credentials")
    ]
    ended = memberships.filter(active=False).order_by("clinic__name", "-ended_at", "user__username")
    return render(request, "accounts/staff.html", {"rows": rows, "ended": ended})


@login_required
def staff_new(request: AuthedRequest) -> HttpResponse:
    _staff_admin_only(request)
    form = StaffMemberForm(request.POST or None, clinics=clinics_where(request.user, Action.MANAGE_STAFF))
    added = (
        "Staff member added. Give them their username and initial password in person; "
        "they set up two-factor login when they first log in."
    )
    if save_form(request, form, partial(add_staff_member, by=request.user), success=added)[0]:
        return redirect("accounts:staff")
    return render(request, "accounts/form.html", {"form": form, "title": "Add a staff member"})


@login_required
def membership_role(request: AuthedRequest, membership_id: int) -> HttpResponse:
    _staff_admin_only(request)
    membership = get_staff_membership_for(request.user, membership_id)
    form = RoleForm(request.POST or None, initial={"role": membership.role})
    change = partial(change_staff_role, by=request.user, membership=membership)
    if save_form(request, form, change, success=f"Role of {membership.user} saved.")[0]:
        return redirect("accounts:staff")
    title = f"Change the role of {membership.user} at {membership.clinic}"
    return render(request, "accounts/form.html", {"form": form, "title": title})


@login_required
def membership_end(request: AuthedRequest, membership_id: int) -> HttpResponse:
    _staff_admin_only(request)
    membership = get_staff_membership_for(request.user, membership_id)
    form = EndMembershipForm(request.POST or None)
    end = partial(end_membership, by=request.user, membership=membership)
    if save_form(request, form, end, success=f"{membership.user} no longer works at {membership.clinic}.")[0]:
        return redirect("accounts:staff")
    context = {
        "form": form,
        "title": f"End the membership of {membership.user} at {membership.clinic}",
        "intro": f"From their next click they no longer see {membership.clinic}'s patients. "
        "Nothing is deleted, and the membership can be reactivated.",
        "submit": "End membership",
    }
    return render(request, "accounts/form.html", context)


@login_required
def membership_reactivate(request: AuthedRequest, membership_id: int) -> HttpResponse:
    _staff_admin_only(request)
    membership = get_staff_membership_for(request.user, membership_id)
    # A form without fields: bound on any POST, even one that carries nothing but the CSRF token.
    form = forms.Form(request.POST if request.method == "POST" else None)
    reactivate = partial(reactivate_membership, by=request.user, membership=membership)
    again = f"{membership.user} works at {membership.clinic} again."
    if save_form(request, form, reactivate, success=again)[0]:
        return redirect("accounts:staff")
    context = {
        "form": form,
        "title": f"Reactivate {membership.user} at {membership.clinic}",
        "intro": f"They will again work as {membership.get_role_display()} and see {membership.clinic}'s "
        "patients.",
        "submit": "Reactivate",
    }
    return render(request, "accounts/form.html", context)


@login_required
def credential_new(request: AuthedRequest, user_id: int) -> HttpResponse:
    _staff_admin_only(request)
    staff = get_object_or_404(staff_managed_by(request.user), pk=user_id)

    form = CredentialForm(request.POST or None)
    record = partial(record_credential, user=staff, by=request.user)
    if save_form(request, form, record, success=f"Credential recorded for {staff}.")[0]:
        return redirect("accounts:staff")
    return render(request, "accounts/form.html", {"form": form, "title": f"Record a credential for {staff}"})


# --- API tokens: the owner's and (for clinic administrators) their clinics' staff's --------------


@login_required
def token_list(request: AuthedRequest) -> HttpResponse:
    """List, create and revoke API tokens. A new token's secret is shown on this answer only."""
    if not is_staff_member(request.user):
        raise PermissionDenied("API tokens are for staff.")
    needs_code = any(True for _ in devices_for_user(request.user, confirmed=True))
    form = NewApiTokenForm(request.POST or None, max_days=tokens.lifetime_days(), needs_code=needs_code)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = create_own_api_token(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            created = {"token": token, "secret": secret, "expires_at": tokens.expires_at(token)}
            form = NewApiTokenForm(max_days=tokens.lifetime_days(), needs_code=needs_code)
    visible = tokens.tokens_visible_to(request.user)

    def rows(queryset: Any) -> list[dict[str, Any]]:
        return [
            {"token": t, "expires_at": tokens.expires_at(t), "expired": tokens.is_expired(t)}
            for t in queryset
        ]

    context = {
        "form": form,
        "created": created,
        "own": rows(visible.filter(user=request.user)),
        "staff": rows(visible.exclude(user=request.user)),
        "manages_staff": clinics_where(request.user, Action.MANAGE_STAFF).exists(),
    }
    return render(request, "accounts/tokens.html", context)


@login_required
@require_POST
def token_revoke(request: AuthedRequest, token_id: int) -> HttpResponse:
    token = tokens.token_for(request.user, token_id)  # another clinic's: 404, audited
    tokens.revoke(by=request.user, token=token)
    whose = "" if token.user_id == request.user.pk else f" of {token.user}"
    messages.success(request, f"Token “{token.name}”{whose} revoked: it no longer works.")
    return redirect("accounts:tokens")


# --- password reset by a clinic administrator ----------------------------------------------------


@login_required
def membership_password_reset(request: AuthedRequest, membership_id: int) -> HttpResponse:
    """Issue a one-time link for a staff member to set a new password; the link is shown once."""
    _staff_admin_only(request)
    membership = get_staff_membership_for(request.user, membership_id)
    form = PasswordResetIssueForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            link, secret = password_reset.issue_link(
                by=request.user, membership=membership, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            url = request.build_absolute_uri(reverse("accounts:password_reset", args=[secret]))
            if form.cleaned_data["send_email"]:
                password_reset.email_link(link=link, url=url)
            context = {"link": link, "url": url, "emailed": form.cleaned_data["send_email"]}
            return render(request, "accounts/password_reset_issued.html", context)
    hours = int(password_reset.lifetime().total_seconds() // 3600)
    context = {
        "form": form,
        "title": f"Reset the password of {membership.user}",
        "intro": f"You get a one-time link to give {membership.user} in person. It works once, for "
        f"{hours} hours, and cancels any earlier link. Their current password works until they use it; "
        "then every open session of theirs ends. Their authenticator app is kept: they still need "
        "its code to log in.",
        "submit": "Issue a one-time link",
    }
    return render(request, "accounts/form.html", context)


def password_reset_page(request: HttpRequest, secret: str) -> HttpResponse:
    """Where the link leads: set a new password, once. Open without logging in."""
    link = password_reset.link_for(secret)
    if link is None or not password_reset.is_usable(link):
        return _invalid_reset_link(request, status=404 if link is None else 410)
    form = NewPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = password_reset.use_link(secret=secret, password=form.cleaned_data["password"])
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                return _invalid_reset_link(request, status=410)
            add_service_errors(form, exc)
        else:
            logout(request)  # whoever was logged in on this browser
            messages.success(
                request,
                f"New password set for {user.get_username()}. Log in with it; you will still be asked "
                "for the code from your authenticator app.",
            )
            return redirect("accounts:login")
    return render(request, "accounts/password_reset.html", {"form": form, "user_name": link.user})


def _invalid_reset_link(request: HttpRequest, *, status: int) -> HttpResponse:
    context = {"message": password_reset.INVALID_LINK}
    return render(request, "accounts/password_reset_invalid.html", context, status=status)
