"""The dispensing record for a period, as rows for the page, a CSV file and a PDF (ReportLab).

Columns follow what the regulation lists: each receipt and disposal with its actual date
(21 CFR 1304.21(a), (d), VERIFIED), and the dispenser's record content of 1304.22(c) (SECONDARY:
read in a state copy of the federal wording): the substance and its finished form and strength,
units per container, containers received with the date and the supplier's name, address and
registration number, what was dispensed with the patient's name and address, the date and who
dispensed it, and every other disposal with its date, manner and quantity.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone

from ketacare.accounts.models import Clinic
from ketacare.ledger.models import Entry
from ketacare.ledger.selectors import settings_of

COLUMNS = [
    "Date and time",
    "Entry",
    "Kind",
    "Product (substance and form)",
    "Strength",
    "Container (mL)",
    "Lot",
    "Location",
    "Registration",
    "Quantity (mg)",
    "Quantity (mL)",
    "Containers",
    "Stock change (mg)",
    "Patient",
    "Patient address",
    "Session",
    "Supplier",
    "Supplier address",
    "Supplier DEA number",
    "Invoice",
    "Date received",
    "Recorded by",
    "Witness",
    "Reason",
    # Administration only: the session's delivered dose it was checked against (docs/ledger.md).
    "Session's delivered dose (mg base)",
]


def _text(value: object) -> str:
    return "" if value is None else str(value)


def rows(clinic: Clinic, entries: Iterable[Entry]) -> list[list[str]]:
    registration = settings_of(clinic).registration_number
    out: list[list[str]] = []
    for e in entries:
        product = e.lot.product
        patient = e.session.patient if e.session_id else None  # type: ignore[union-attr]
        containers = (e.quantity_mg / product.container_mg).quantize(Decimal("0.01"))
        kind = e.get_kind_display()
        if e.reverses_id:
            kind = f"{kind} of entry {e.reverses_id}"
        witness = ""
        if e.witness_id:
            witness = f"{e.witness} ({e.get_witness_method_display()})"
        out.append(
            [
                timezone.localtime(e.occurred_at).strftime("%Y-%m-%d %H:%M"),
                str(e.pk),
                kind,
                product.name,
                f"{product.strength_mg_per_ml.normalize():f} mg/mL ({product.get_strength_basis_display()})",
                f"{product.container_ml.normalize():f}",
                e.lot.lot_number,
                e.location.name,
                e.location.registration_number or registration,
                f"{e.quantity_mg.normalize():f}",
                f"{e.quantity_ml.normalize():f}",
                f"{containers.normalize():f}",
                f"{e.stock_delta_mg.normalize():f}",
                patient.full_name if patient else "",
                patient.address if patient else "",
                _text(e.session_id),
                e.supplier_name,
                e.supplier_address,
                e.supplier_registration_number,
                e.invoice_number,
                e.received_on.isoformat() if e.received_on else "",
                str(e.recorded_by),
                witness,
                e.reason,
                f"{e.delivered_mg.normalize():f}" if e.delivered_mg is not None else "",
            ]
        )
    return out


def as_csv(table: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in table:
        # A cell that a spreadsheet would run as a formula is quoted as text.
        writer.writerow(
            [f"'{cell}" if cell[:1] in ("=", "+", "-", "@") and not _number(cell) else cell for cell in row]
        )
    return buffer.getvalue()


def _number(cell: str) -> bool:
    try:
        Decimal(cell)
    except ArithmeticError:
        return False
    return True


PDF_COLUMNS = [0, 2, 3, 4, 6, 7, 9, 11, 13, 16, 19, 21, 22]


def as_pdf(clinic: Clinic, start: dt.date, end: dt.date, table: list[list[str]]) -> bytes:
    """A landscape A4 PDF of the record (the most-used columns; the CSV has them all)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"Dispensing record {start} to {end}",
        author="KetaCare",
    )
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=6.5, leading=8)
    registration = settings_of(clinic).registration_number or "not recorded"
    story = [
        Paragraph(f"Controlled-substance dispensing record: {clinic.name}", styles["Title"]),
        Paragraph(
            f"Period {start:%Y-%m-%d} to {end:%Y-%m-%d}. DEA registration: {registration}.", styles["Normal"]
        ),
        Spacer(1, 4 * mm),
    ]
    header = [Paragraph(COLUMNS[i], small) for i in PDF_COLUMNS]
    body = [[Paragraph(_escape(row[i]), small) for i in PDF_COLUMNS] for row in table]
    grid = Table([header, *body], repeatRows=1)
    grid.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6eef5")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(grid if table else Paragraph("No entries in this period.", styles["Normal"]))
    doc.build(story)
    return buffer.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
