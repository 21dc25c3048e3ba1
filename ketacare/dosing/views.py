"""Dose planning: for this patient and this dose, what the pharmacology engine expects.

Thin: check access, read the record's covariates, call the engine, render.  Planning writes nothing
but the audit trail: it is a calculation, not an order.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import numpy as np
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from ketacare.accounts.http import AuthedRequest
from ketacare.accounts.roles import Action
from ketacare.audit.services import record_event
from ketacare.dosing import selectors
from ketacare.dosing.forms import ROUTE_LABELS, DosePlanForm
from ketacare.patients.selectors import get_patient_for
from ketacare.pharmacology import DoseError, simulate
from ketacare.pharmacology.plot import course_alternative, course_svg
from ketacare.pharmacology.request import RequestError, plan
from ketacare.pharmacology.timeline import timeline
from ketacare.pharmacology.units import base_to_salt

# Virtual patients behind the 5th-95th percentile band on the page (the CLI's timeline default is
# 1000; 500 keeps the page under a tenth of a second with the same seed every time).
POPULATION_N = 500
SEED = 1


@login_required
def plan_dose(request: AuthedRequest, patient_id: int) -> HttpResponse:
    # The page shows the weight and age it reads from the record: an audited read.
    patient = get_patient_for(request.user, patient_id, Action.PLAN_DOSE, read=True)
    covariates = selectors.covariates_of(patient)
    form = DosePlanForm(request.GET if "route" in request.GET else None)
    context: dict[str, Any] = {"patient": patient, "covariates": covariates, "form": form, "result": None}
    if form.is_bound and covariates is not None and form.is_valid():
        try:
            decided = plan(form.dose_request(), covariates.pk_patient)
        except (RequestError, DoseError) as exc:
            form.add_error(None, str(exc))
        else:
            context["result"] = _result(decided)
            record_event(
                actor=request.user,
                action=Action.PLAN_DOSE,
                entity=patient,
                clinic=patient.clinic,
                patient_id=patient.pk,
                detail={
                    "model": decided.model.id,
                    "route": form.cleaned_data["route"],
                    "regimen": decided.regimen.describe(),
                },
            )
    return render(request, "dosing/plan.html", context)


def _result(decided: Any) -> dict[str, Any]:
    model, patient, regimen = decided.model, decided.patient, decided.regimen
    expected = timeline(model, patient, regimen, hours=24.0, n=POPULATION_N, seed=SEED, params=decided.params)
    expected.notes = decided.notes + expected.notes
    typical = expected.typical
    # Plot until an hour after predicted recovery (or the end of dosing), at least 3 h, at most 24 h.
    end = max(180.0, regimen.end_min + 120.0, (typical.recovery_min or 0.0) + 60.0)
    times = np.linspace(0.0, min(end, 24 * 60.0), 481)
    course = simulate(model, patient, regimen, times, params=decided.params)
    total = regimen.total_mg
    # "Start a session with this dose": the planned regimen, carried to the session form.
    session_query = urlencode(
        {
            "route": regimen.events[-1].route,
            "dose_mg": f"{total:.2f}",
            "duration_min": f"{regimen.end_min:.1f}" if regimen.events[-1].route == "iv-infusion" else "",
            "regimen": regimen.describe()[:300],
        }
    )
    return {
        "session_query": session_query,
        "timeline": expected,
        "summary": [line for line in expected.summary().splitlines() if line],
        "svg": mark_safe(course_svg(model, regimen, times, course)),  # noqa: S308  (numbers and escaped text)
        "svg_alternative": mark_safe(course_alternative(model, regimen, times, course)),  # noqa: S308  (escaped)
        "route": ROUTE_LABELS[regimen.events[0].route],
        "total_mg": total,
        "total_mg_hcl": base_to_salt(total, "hcl"),
        "mg_per_kg": total / patient.weight_kg,
        "events": regimen.events,
    }
