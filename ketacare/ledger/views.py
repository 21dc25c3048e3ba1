"""The ledger's pages: overview, set-up, receive, session entries (draw, administer, waste, return),
destruction and loss, reversal, count, discrepancy resolution and the dispensing record.

Thin: the selectors decide access (another clinic 404, a wrong role 403, both audited), a service
writes, the page renders. The witness of a waste re-enters their own password on the same form:
witnessing means being there when it is wasted, which a later confirmation from elsewhere cannot show.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.models import Clinic
from ketacare.accounts.roles import Action, role_may
from ketacare.accounts.selectors import clinics_where, role_in
from ketacare.audit.services import record_event
from ketacare.forms_util import add_service_errors
from ketacare.ledger import forms as ledger_forms
from ketacare.ledger import reports, selectors, services
from ketacare.ledger.models import Balance, Lot


def _clinic(request: AuthedRequest, action: Action) -> Clinic:
    """The clinic the page is about: ?clinic=, else the user's only (or first) clinic for this action."""
    raw = request.GET.get("clinic") or request.POST.get("clinic")
    clinic_id = int(raw) if raw and raw.isdigit() else None
    try:
        return selectors.clinic_for(request.user, clinic_id, action)
    except ValidationError:
        return clinics_where(request.user, action).order_by("name").first()  # type: ignore[return-value]


def _may(request: AuthedRequest, clinic: Clinic) -> dict[str, bool]:
    role = role_in(request.user, clinic)

    def may(action: Action) -> bool:
        return role is not None and role_may(role, action)

    return {
        "may_draw": may(Action.LEDGER_DRAW),
        "may_count": may(Action.LEDGER_COUNT),
        "may_receive": may(Action.LEDGER_RECEIVE),
        "may_resolve": may(Action.LEDGER_RESOLVE),
        "may_report": may(Action.LEDGER_REPORT),
    }


def _try(form: forms.BaseForm, call: Any) -> Any:
    try:
        return call()
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None


@login_required
def overview(request: AuthedRequest) -> HttpResponse:
    clinic = _clinic(request, Action.LEDGER_VIEW)
    selectors.audit_read(request.user, "ledger.overview", clinic)
    context = {
        "clinic": clinic,
        "settings": selectors.settings_of(clinic),
        "balances": selectors.balance_rows([clinic]).filter(balance_mg__gt=0),
        "expiring": selectors.expiring_lots([clinic]),
        "today": timezone.localdate(),
        "discrepancies": selectors.open_discrepancies([clinic]),
        "loss_reports": selectors.open_loss_reports([clinic]),
        "inventory": selectors.inventory_status(clinic),
        "entries": selectors.entries_of([clinic])[:30],
        "open_sessions": selectors.open_session_accounts([clinic]),
        **_may(request, clinic),
    }
    return render(request, "ledger/overview.html", context)


@login_required
def setup(request: AuthedRequest) -> HttpResponse:
    clinic = _clinic(request, Action.LEDGER_RECEIVE)
    which = request.POST.get("form") if request.method == "POST" else None
    data = request.POST if which else None
    settings_form = ledger_forms.SettingsForm(
        data if which == "settings" else None, instance=selectors.settings_of(clinic), prefix="settings"
    )
    location_form = ledger_forms.LocationForm(data if which == "location" else None, prefix="location")
    product_form = ledger_forms.ProductForm(data if which == "product" else None, prefix="product")
    lot_form = ledger_forms.LotForm(data if which == "lot" else None, clinic=clinic, prefix="lot")
    done = None
    if which == "settings" and settings_form.is_valid():
        done = _try(
            settings_form,
            lambda: services.update_settings(by=request.user, clinic=clinic, **settings_form.cleaned_data),
        )
    elif which == "location" and location_form.is_valid():
        done = _try(
            location_form,
            lambda: services.create_location(by=request.user, clinic=clinic, **location_form.cleaned_data),
        )
    elif which == "product" and product_form.is_valid():
        done = _try(
            product_form,
            lambda: services.create_product(by=request.user, clinic=clinic, **product_form.cleaned_data),
        )
    elif which == "lot" and lot_form.is_valid():
        done = _try(lot_form, lambda: services.create_lot(by=request.user, **lot_form.cleaned_data))
    if done is not None:
        messages.success(request, "Saved.")
        return redirect("ledger:setup")
    selectors.audit_read(request.user, "ledger.setup", clinic)
    context = {
        "clinic": clinic,
        "settings_form": settings_form,
        "location_form": location_form,
        "product_form": product_form,
        "lot_form": lot_form,
        "locations": selectors.locations_of([clinic]),
        "products": selectors.products_of([clinic]),
    }
    errors = any(f.errors for f in (settings_form, location_form, product_form, lot_form))
    return render(request, "ledger/setup.html", context, status=400 if errors else 200)


@login_required
def receive(request: AuthedRequest) -> HttpResponse:
    clinic = _clinic(request, Action.LEDGER_RECEIVE)
    form = ledger_forms.ReceiveForm(request.POST if request.method == "POST" else None, clinic=clinic)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lot: Lot = data["lot"]
        receipt = services.Receipt(
            supplier_name=data["supplier_name"],
            supplier_address=data["supplier_address"],
            supplier_registration_number=data["supplier_registration_number"],
            invoice_number=data["invoice_number"],
            received_on=data["received_on"],
        )
        quantity = lot.product.container_mg * data["containers"]
        entry = _try(
            form,
            lambda: services.record_entry(
                by=request.user,
                kind="receipt",
                lot=lot,
                location=data["location"],
                quantity_mg=quantity,
                receipt=receipt,
            ),
        )
        if entry is not None:
            messages.success(request, f"Received {data['containers']} containers of lot {lot.lot_number}.")
            return redirect("ledger:overview")
    selectors.audit_read(request.user, "ledger.receive", clinic)
    return render(
        request, "ledger/receive.html", {"clinic": clinic, "form": form}, status=400 if form.errors else 200
    )


@login_required
def session_entry(request: AuthedRequest) -> HttpResponse:
    clinic = _clinic(request, Action.LEDGER_DRAW)
    initial = {k: request.GET[k] for k in ("kind", "session", "lot", "quantity_mg") if k in request.GET}
    form = ledger_forms.SessionEntryForm(
        request.POST if request.method == "POST" else None, clinic=clinic, user=request.user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        entry = _try(
            form,
            lambda: services.record_entry(
                by=request.user,
                kind=data["kind"],
                lot=data["lot"],
                quantity_mg=data["quantity_mg"],
                location=data["location"],
                session=data["session"],
                witness=data["witness"],
                witness_password=data["witness_password"] or None,
                reason=data["reason"],
                occurred_at=data["occurred_at"],
            ),
        )
        if entry is not None:
            messages.success(request, f"{entry.get_kind_display()} recorded.")
            return redirect(f"{request.path}?session={entry.session_id}")
    wanted = str(initial.get("session") or "")
    sessions = form.fields["session"].queryset  # type: ignore[attr-defined]
    session = sessions.filter(pk=int(wanted)).first() if wanted.isdigit() else None
    account = selectors.session_account(session) if session else None
    context = {
        "clinic": clinic,
        "form": form,
        "session": session,
        "session_entries": selectors.session_entries(session) if session else [],
        "account": account,
        "proposals": _proposals(session, account, may_draw=True) if account else [],
    }
    if session is not None:
        selectors.audit_read(request.user, "ledger.entry", clinic, session)
    return render(request, "ledger/session_entry.html", context, status=400 if form.errors else 200)


def _proposals(session: Any, account: selectors.SessionAccount, may_draw: bool) -> list[dict[str, str]]:
    """Links to the session-entry form, filled in from the session's numbers: draw, administer
    exactly the delivered dose still to record, waste the rest (in the drawn lot's label mg)."""
    if not may_draw or session.signed_at is not None or session.started_at is None:
        return []
    base = f"session={session.pk}"
    links = [{"label": "Draw for this session", "query": f"{base}&kind=draw"}]
    last = selectors.session_entries(session).filter(kind="draw").order_by("-id").first()
    if last is None:
        return links
    lot = last.lot
    to_give = account.to_administer_mg
    if to_give and account.delivered_final and account.unaccounted_mg:
        mg = selectors.label_mg(min(to_give, account.unaccounted_mg), lot.product)
        links.append(
            {
                "label": f"Record the administration of the delivered {mg.normalize():f} mg",
                "query": f"{base}&kind=administration&lot={lot.pk}&quantity_mg={mg}",
            }
        )
    rest = account.to_waste_or_return_mg
    if rest and account.delivered_final:
        mg = selectors.label_mg(rest, lot.product)
        links.append(
            {
                "label": f"Waste the rest of the draw: {mg.normalize():f} mg",
                "query": f"{base}&kind=waste&lot={lot.pk}&quantity_mg={mg}",
            }
        )
    return links


def session_panel(request: HttpRequest, session: Any) -> SafeString | None:
    """The ledger's panel on the dosing session page (dosing.session_panels): shown to roles that may
    read the ledger, once the clinic keeps one or the session drew from it."""
    clinic = session.patient.clinic
    role = role_in(request.user, clinic)  # type: ignore[arg-type]
    if role is None or not role_may(role, Action.LEDGER_VIEW):
        return None
    account = selectors.session_account(session)
    if not (account.keeps_ledger or account.has_entries):
        return None
    selectors.audit_read(request.user, "ledger.entry", clinic, session)  # type: ignore[arg-type]
    may_draw = role_may(role, Action.LEDGER_DRAW)
    return render_to_string(
        "ledger/_session_account.html",
        {"account": account, "proposals": _proposals(session, account, may_draw)},
        request=request,
    )


@login_required
def stock_entry(request: AuthedRequest) -> HttpResponse:
    clinic = _clinic(request, Action.LEDGER_RECEIVE)
    form = ledger_forms.StockEntryForm(
        request.POST if request.method == "POST" else None, clinic=clinic, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        entry = _try(
            form,
            lambda: services.record_entry(
                by=request.user,
                kind=data["kind"],
                lot=data["lot"],
                location=data["location"],
                quantity_mg=data["quantity_mg"],
                witness=data["witness"],
                witness_password=data["witness_password"] or None,
                reason=data["reason"],
                loss_kind=data["loss_kind"] or "loss",
            ),
        )
        if entry is not None:
            messages.success(request, f"{entry.get_kind_display()} recorded.")
            return redirect("ledger:overview")
    return render(
        request,
        "ledger/stock_entry.html",
        {"clinic": clinic, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def reverse(request: AuthedRequest, entry_id: int) -> HttpResponse:
    entry = selectors.get_entry_for(request.user, entry_id, Action.LEDGER_RECEIVE)
    form = ledger_forms.ReverseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        done = _try(
            form,
            lambda: services.reverse_entry(by=request.user, entry=entry, reason=form.cleaned_data["reason"]),
        )
        if done is not None:
            messages.success(request, "Entry reversed; both stay in the ledger.")
            return redirect("ledger:overview")
    selectors.audit_read(request.user, "ledger.entry", entry.clinic, entry)
    return render(
        request, "ledger/reverse.html", {"entry": entry, "form": form}, status=400 if form.errors else 200
    )


@login_required
def count(request: AuthedRequest) -> HttpResponse:
    clinic = _clinic(request, Action.LEDGER_COUNT)
    locations = list(selectors.locations_of([clinic]))
    raw = request.GET.get("location") or request.POST.get("location")
    location = None
    if raw and raw.isdigit():
        location = selectors.get_location_for(request.user, int(raw), Action.LEDGER_COUNT)
    elif len(locations) == 1:
        location = locations[0]
    lots = []
    if location is not None:
        held = (
            Balance.objects.filter(location=location).exclude(balance_mg=0).values_list("lot_id", flat=True)
        )
        lots = list(Lot.objects.filter(pk__in=held).select_related("product").order_by("expires_on"))
    form = ledger_forms.CountForm(request.POST if request.method == "POST" and location else None, lots=lots)
    if request.method == "POST" and location is not None and form.is_valid():
        done = _try(
            form,
            lambda: services.record_count(
                by=request.user, location=location, kind=form.cleaned_data["kind"], counted_mg=form.counted()
            ),
        )
        if done is not None:
            opened = sum(1 for line in done.lines.all() if line.counted_mg != line.ledger_mg)
            if opened:
                messages.warning(
                    request, f"Count saved: {opened} discrepancy(ies) flagged for the clinic administrator."
                )
            else:
                messages.success(request, "Count saved: it matches the ledger.")
            return redirect("ledger:overview")
    selectors.audit_read(request.user, "ledger.count", clinic)
    context = {"clinic": clinic, "locations": locations, "location": location, "form": form}
    return render(request, "ledger/count.html", context, status=400 if form.errors else 200)


@login_required
def resolve(request: AuthedRequest, discrepancy_id: int) -> HttpResponse:
    discrepancy = selectors.get_discrepancy_for(request.user, discrepancy_id)
    form = ledger_forms.ResolveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        done = _try(
            form,
            lambda: services.resolve_discrepancy(
                by=request.user,
                discrepancy=discrepancy,
                reason=form.cleaned_data["reason"],
                adjust=form.cleaned_data["adjust"],
            ),
        )
        if done is not None:
            messages.success(request, "Discrepancy resolved.")
            return redirect("ledger:overview")
    selectors.audit_read(request.user, "ledger.discrepancy", discrepancy.clinic, discrepancy)
    context = {"discrepancy": discrepancy, "line": discrepancy.line, "form": form}
    return render(request, "ledger/resolve.html", context, status=400 if form.errors else 200)


@login_required
def report(request: AuthedRequest) -> HttpResponse:
    clinic = _clinic(request, Action.LEDGER_REPORT)
    today = timezone.localdate()
    bound = "start" in request.GET
    form = ledger_forms.ReportForm(
        request.GET if bound else None, initial={"start": today.replace(day=1), "end": today}
    )
    table: list[list[str]] = []
    start = end = None
    if bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        entries = selectors.dispensing_record(clinic, start, end)
        table = reports.rows(clinic, entries)
        output = request.GET.get("format", "html")
        patient_ids = sorted({e.session.patient_id for e in entries if e.session_id})  # type: ignore[union-attr]
        record_event(
            actor=request.user,
            action=Action.LEDGER_REPORT,
            entity_type="ledger.dispensing_record",
            clinic=clinic,
            detail={
                "format": output,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "patients": patient_ids,
            },
        )
        name = f"dispensing-record-{clinic.slug}-{start:%Y%m%d}-{end:%Y%m%d}"
        if output == "csv":
            response = HttpResponse(reports.as_csv(table), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            return response
        if output == "pdf":
            response = HttpResponse(reports.as_pdf(clinic, start, end, table), content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
            return response
    context = {
        "clinic": clinic,
        "form": form,
        "columns": reports.COLUMNS,
        "table": table,
        "today": today,
        "expiring": selectors.expiring_lots([clinic]),
        "discrepancies": selectors.open_discrepancies([clinic]),
        "start": start,
        "end": end,
        "query": request.GET.urlencode() if bound else "",
        "total_out_mg": sum((Decimal(r[12]) for r in table if Decimal(r[12]) < 0), Decimal("0")),
    }
    return render(request, "ledger/report.html", context, status=400 if form.errors else 200)


@login_required
def transfer(request: AuthedRequest) -> HttpResponse:
    clinic = _clinic(request, Action.LEDGER_DRAW)
    form = ledger_forms.TransferForm(request.POST if request.method == "POST" else None, clinic=clinic)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        entry = _try(
            form,
            lambda: services.record_entry(
                by=request.user,
                kind="transfer",
                lot=data["lot"],
                location=data["location"],
                to_location=data["to_location"],
                quantity_mg=data["quantity_mg"],
                reason=data["reason"],
            ),
        )
        if entry is not None:
            messages.success(request, "Transfer recorded.")
            return redirect("ledger:overview")
    selectors.audit_read(request.user, "ledger.transfer", clinic)
    context = {
        "clinic": clinic,
        "form": form,
        "title": "Move stock between locations",
        "button": "Record the transfer",
    }
    return render(request, "ledger/simple_form.html", context, status=400 if form.errors else 200)


@login_required
def loss_notice(request: AuthedRequest, report_id: int) -> HttpResponse:
    report = selectors.get_loss_report_for(request.user, report_id)
    form = ledger_forms.LossNoticeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        done = _try(
            form, lambda: services.record_loss_notice(by=request.user, report=report, **form.cleaned_data)
        )
        if done is not None:
            messages.success(request, "Loss report follow-up saved.")
            return redirect("ledger:overview")
    selectors.audit_read(request.user, "ledger.lossreport", report.entry.clinic, report)
    context = {
        "clinic": report.entry.clinic,
        "form": form,
        "title": f"{report.get_kind_display()} report: notice due by {report.notice_due_on:%Y-%m-%d}",
        "intro": "Written notice to the DEA Field Division within one business day of discovery; "
        "DEA Form 106 filed electronically (21 CFR 1301.76(b)).",
        "button": "Save",
    }
    return render(request, "ledger/simple_form.html", context, status=400 if form.errors else 200)
