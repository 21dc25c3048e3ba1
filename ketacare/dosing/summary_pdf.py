"""A session's printable summary (PDF, ReportLab): the session, the vitals chart, the infusion, the
scales, the side effects, the alerts and their acknowledgements, and the signatures."""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone
from reportlab.graphics.charts.lineplots import LinePlot  # type: ignore[import-untyped]
from reportlab.graphics.shapes import Drawing, String  # type: ignore[import-untyped]
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import getSampleStyleSheet  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle  # type: ignore[import-untyped]

from ketacare.dosing import selectors, services
from ketacare.dosing.models import DosingSession


def _when(at: Any) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else "–"


def _table(rows: list[list[str]]) -> Table:
    table = Table(rows, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _vitals_chart(session: DosingSession) -> Drawing | None:
    vitals = [v for v in session.vitals.all() if not v.entered_in_error]
    if len(vitals) < 2 or session.started_at is None:
        return None
    start = session.started_at
    minutes = [(v.measured_at - start).total_seconds() / 60 for v in vitals]
    drawing = Drawing(170 * mm, 70 * mm)
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 15 * mm, 10 * mm, 140 * mm, 52 * mm
    plot.data = [
        list(zip(minutes, [v.systolic_mmhg for v in vitals], strict=True)),
        list(zip(minutes, [v.diastolic_mmhg for v in vitals], strict=True)),
        list(zip(minutes, [v.heart_rate_per_min for v in vitals], strict=True)),
    ]
    for index, colour in enumerate((colors.darkblue, colors.steelblue, colors.darkred)):
        plot.lines[index].strokeColor = colour
    drawing.add(plot)
    drawing.add(
        String(
            15 * mm,
            65 * mm,
            "Systolic, diastolic (mmHg) and heart rate (/min) by minutes from the start",
            fontSize=8,
        )
    )
    return drawing


def session_summary_pdf(session: DosingSession) -> bytes:
    styles = getSampleStyleSheet()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=f"KetaCare session {session.pk}")
    patient = session.patient
    story: list[Any] = [
        Paragraph(
            f"Ketamine session {session.pk}: {patient.full_name}, MRN {patient.medical_record_number}",
            styles["Title"],
        ),
        Paragraph(
            f"{session.get_drug_display()}, {session.get_route_display()}, {session.dose_mg} mg base"
            + (f" over {session.duration_min} min" if session.duration_min else "")
            + f". Status: {session.get_status_display()}{', signed' if session.signed_at else ''}.",
            styles["Normal"],
        ),
        Paragraph(
            f"Started {_when(session.started_at)} by {session.started_by or '–'}; "
            f"ended {_when(session.ended_at)} by {session.ended_by or '–'}.",
            styles["Normal"],
        ),
        Spacer(1, 4 * mm),
    ]
    chart = _vitals_chart(session)
    if chart is not None:
        story += [chart, Spacer(1, 4 * mm)]
    story.append(Paragraph("Vital signs", styles["Heading2"]))
    story.append(
        _table(
            [["Time", "BP (mmHg)", "HR (/min)", "SpO2 (%)", "RR (/min)", "Alerts"]]
            + [
                [
                    _when(v.measured_at) + (" (in error)" if v.entered_in_error else ""),
                    f"{v.systolic_mmhg}/{v.diastolic_mmhg}",
                    str(v.heart_rate_per_min),
                    str(v.spo2_percent),
                    str(v.respiratory_rate_per_min or "–"),
                    Paragraph("; ".join(a.message for a in v.raised_alerts.all()) or "–", styles["BodyText"]),
                ]
                for v in session.vitals.all()
            ]
        )
    )
    story.append(Paragraph("Alerts acknowledged", styles["Heading2"]))
    story.append(
        _table(
            [["Raised", "Alert", "Acknowledged", "By", "What was done"]]
            + [
                [
                    _when(a.raised_at),
                    Paragraph(a.message, styles["BodyText"]),
                    _when(a.acknowledged_at),
                    str(a.acknowledged_by or "OPEN"),
                    Paragraph(f"{a.get_action_display()} {a.note}", styles["BodyText"]),
                ]
                for a in session.alerts.all()
            ]
        )
    )
    story.append(Paragraph("Dose and infusion", styles["Heading2"]))
    delivered = services.delivered_dose_mg(session, until=session.ended_at)
    story.append(
        Paragraph(
            f"Ordered {session.dose_mg} mg base; vial {session.concentration_mg_per_ml or '–'} mg/mL "
            f"{session.get_concentration_as_display() or ''}; volume {session.volume_ml or '–'} mL; pump "
            f"{session.pump_rate_ml_h or '–'} mL/h; lot {session.lot_number or '–'} (expires "
            f"{session.lot_expiry or '–'}); second check {session.checked_by or 'none'}; delivered "
            f"{delivered if delivered is not None else '–'} mg base.",
            styles["Normal"],
        )
    )
    events = list(session.infusion_events.all())
    if events:
        story.append(
            _table(
                [["Time", "Event", "Rate (mL/h)"]]
                + [[_when(e.at), e.get_kind_display(), str(e.rate_ml_h or "–")] for e in events]
            )
        )
    story.append(Paragraph("Scales", styles["Heading2"]))
    story.append(
        _table(
            [["Time", "Scale", "Total", "Band"]]
            + [
                [_when(r.answered_at), r.get_instrument_id_display(), str(r.score_total), r.band_label]
                for r in selectors.session_scores(session)
            ]
        )
    )
    story.append(Paragraph("Side effects", styles["Heading2"]))
    story.append(
        _table(
            [["Onset", "Kind", "Severity", "Intervention", "Outcome", "Serious"]]
            + [
                [
                    _when(s.occurred_at),
                    s.get_kind_display(),
                    s.get_severity_display(),
                    Paragraph(s.intervention or "–", styles["BodyText"]),
                    s.get_outcome_display() or "–",
                    "YES: report" if s.serious else "no",
                ]
                for s in session.side_effects.all()
            ]
        )
    )
    story.append(Paragraph("Discharge and signatures", styles["Heading2"]))
    story.append(
        Paragraph(
            f"Ready to leave {_when(session.ready_to_leave_at)}; "
            f"next-day check-in {_when(session.next_day_checkin_at)}.",
            styles["Normal"],
        )
    )
    story.append(Paragraph(f"Discharge note: {session.discharge_note or '–'}", styles["Normal"]))
    story.append(
        Paragraph(
            f"Signed {_when(session.signed_at)} by {session.signed_by or 'not signed'}.", styles["Normal"]
        )
    )
    for addendum in session.addenda.all():
        story.append(
            Paragraph(
                f"Addendum {_when(addendum.recorded_at)} by {addendum.recorded_by}: {addendum.text}",
                styles["Normal"],
            )
        )
    doc.build(story)
    return out.getvalue()
