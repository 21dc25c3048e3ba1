"""PDFs drawn with ReportLab: the accounting of disclosures, and a record summary disclosed on paper
(which starts with the clinic's §2.32 notice)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ketacare.interop import part2
from ketacare.interop.models import Disclosure
from ketacare.patients.models import Patient

STYLES = getSampleStyleSheet()


def _doc(title: str, story: list) -> bytes:  # type: ignore[type-arg]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=title, leftMargin=18 * mm, rightMargin=18 * mm)
    doc.build(story)
    return buffer.getvalue()


def _p(text: str, style: str = "BodyText") -> Paragraph:
    return Paragraph(escape(text), STYLES[style])


def accounting_pdf(
    patient: Patient, disclosures: Iterable[Disclosure], as_of: dt.datetime, since: dt.datetime
) -> bytes:
    rows = [["Date", "Recipient", "Purpose", "What", "Basis"]]
    for d in disclosures:
        rows.append(
            [
                _p(f"{d.disclosed_at:%Y-%m-%d %H:%M}"),
                _p(d.recipient),
                _p(d.get_purpose_display()),
                _p(f"{d.get_channel_display()}: {d.information}"),
                _p(d.get_basis_display() + (f" (consent {d.consent_id})" if d.consent_id else "")),
            ]
        )
    table = Table(rows, repeatRows=1, colWidths=[28 * mm, 40 * mm, 30 * mm, 45 * mm, 31 * mm])
    table.setStyle(
        TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "#666666"), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    story = [
        _p("Accounting of disclosures", "Title"),
        _p(f"{patient.given_name} {patient.family_name}, {patient.clinic.name}"),
        _p(
            f"Disclosures from {since:%Y-%m-%d} to {as_of:%Y-%m-%d} "
            f"({part2.ACCOUNTING_YEARS} years before this request, 42 CFR §2.25)."
        ),
        Spacer(1, 6 * mm),
        table if len(rows) > 1 else _p("No disclosures in this period."),
    ]
    return _doc("Accounting of disclosures", story)


def record_pdf(patient: Patient, disclosure: Disclosure) -> bytes:
    story = [
        _p("Notice (42 CFR §2.32)", "Heading2"),
        *[_p(line) for line in disclosure.notice.splitlines() if line.strip()],
        Spacer(1, 6 * mm),
        _p("Record summary", "Title"),
        _p(
            f"{patient.given_name} {patient.family_name}, born {patient.date_of_birth:%Y-%m-%d}, "
            f"MRN {patient.medical_record_number}, {patient.clinic.name}"
        ),
        _p(
            f"Disclosed to {disclosure.recipient} for {disclosure.get_purpose_display().lower()} on "
            f"{disclosure.disclosed_at:%Y-%m-%d %H:%M} (disclosure {disclosure.pk})."
        ),
        _p("Substance use disorders", "Heading3"),
    ]
    for sud in patient.substance_use_disorders.filter(entered_in_error=False):
        story.append(_p(f"{sud.get_substance_display()} use disorder, {sud.criteria_met} DSM-5 criteria met"))
    story.append(_p("Medications", "Heading3"))
    for med in patient.medications.filter(entered_in_error=False):
        story.append(_p(f"{med.name} ({med.get_drug_class_display()}) {med.dose_text}"))
    story.append(_p("Allergies", "Heading3"))
    for allergy in patient.allergies.filter(entered_in_error=False):
        story.append(_p(f"{allergy.substance}: {allergy.reaction or 'reaction not described'}"))
    return _doc("Record summary (42 CFR Part 2)", story)
