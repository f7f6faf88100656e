"""The study day's documents: the attendance list (XLSX to work with, PDF to sign on the
day), name badges and attendance certificates (PDF, reportlab). The list is in the reader's
language; each badge and certificate in its registrant's language."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _

from core.clock import in_brussels
from core.i18n import LANGUAGE_LABELS, authority_name, current_language, pick
from core.studyday.models import Registration, StudyDay
from core.validation import printable_row


def _title(day: StudyDay, language: str) -> str:
    return str(pick(day.texts("title"), language))


def _workshops(registration: Registration, language: str) -> str:
    return ", ".join(
        str(pick(c.workshop.texts("title"), language))
        for c in registration.choices
        if c.state == "confirmed"
    )


def _columns() -> list[str]:
    return [
        _("Name"),
        _("Organisation"),
        _("Authority"),
        _("Language"),
        _("Workshops"),
        _("Accessibility needs"),
        _("Present"),
    ]


def _row(registration: Registration, language: str) -> list[str]:
    return [
        registration.name,
        registration.organisation or "",
        authority_name(registration.authority_code),
        str(LANGUAGE_LABELS.get(registration.language, registration.language)),
        _workshops(registration, language),
        registration.accessibility or "",
        f"{in_brussels(registration.present_at):%H:%M}" if registration.present_at else "",
    ]


def attendance_xlsx(day: StudyDay, registrations: list[Registration]) -> bytes:
    # openpyxl is heavy: loaded only when a spreadsheet is written
    from openpyxl import Workbook
    from openpyxl.styles import Font  # (heavy: as above)

    language = current_language()
    book = Workbook()
    sheet = book.active
    sheet.title = _("Attendance")[:31]
    sheet.append(
        printable_row([_title(day, language), format_date(day.held_on, "long"), day.venue])
    )
    sheet.append(_columns())
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for registration in registrations:
        sheet.append(printable_row(_row(registration, language)))
    for column, width in zip("ABCDEFG", (30, 30, 12, 9, 50, 30, 9), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _document(buffer, title: str, language: str, pagesize=None):
    # reportlab is heavy: loaded only when a PDF is written
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm  # (heavy: as above)
    from reportlab.platypus import SimpleDocTemplate  # (heavy: as above)

    return SimpleDocTemplate(
        buffer,
        pagesize=pagesize or A4,
        title=title,
        lang=language,
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.5 * cm,
        bottomMargin=1.5 * cm,
    )


def attendance_pdf(day: StudyDay, registrations: list[Registration]) -> bytes:
    """The list to sign on the day: one row per confirmed registration, a signature column."""
    # reportlab is heavy: loaded only when a PDF is written
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape  # (heavy: as above)
    from reportlab.lib.styles import getSampleStyleSheet  # (heavy: as above)
    from reportlab.lib.units import cm  # (heavy: as above)
    from reportlab.platypus import Paragraph, Table, TableStyle  # (heavy: as above)

    language = current_language()
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    buffer = io.BytesIO()
    title = f"{_('Attendance list')}: {_title(day, language)}"
    document = _document(buffer, title, language, landscape(A4))

    def cell(text: str) -> Paragraph:
        return Paragraph(escape(text), small)

    header = [_("Name"), _("Organisation"), _("Authority"), _("Workshops"), _("Signature")]
    rows = [[cell(h) for h in header]] + [
        [
            cell(r.name),
            cell(r.organisation or ""),
            cell(authority_name(r.authority_code, short=True)),
            cell(_workshops(r, language)),
            "",
        ]
        for r in registrations
    ]
    table = Table(
        rows, colWidths=[6 * cm, 6 * cm, 2.5 * cm, 8 * cm, 4 * cm], repeatRows=1, rowHeights=None
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("BOTTOMPADDING", (0, 1), (-1, -1), 8),
            ]
        )
    )
    place = f"{format_date(day.held_on, 'long')}, {day.venue}"
    document.build(
        [
            Paragraph(escape(title), styles["Title"]),
            Paragraph(escape(place), styles["BodyText"]),
            Paragraph(
                escape(ngettext("%(num)d registered", "%(num)d registered", len(registrations))),
                small,
            ),
            table,
        ]
    )
    return buffer.getvalue()


def badges(day: StudyDay, registrations: list[Registration]) -> bytes:
    """Name badges, eight to an A4 page (two columns of 9 by 6.5 cm), cut along the lines."""
    # reportlab is heavy: loaded only when a PDF is written
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm  # (heavy: as above)
    from reportlab.pdfgen import canvas  # (heavy: as above)

    buffer = io.BytesIO()
    width, height = A4
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(f"{_('Name badges')}: {_title(day, current_language())}")
    badge_w, badge_h = 9 * cm, 6.5 * cm
    left = (width - 2 * badge_w) / 2
    top = height - 1.5 * cm
    for index, registration in enumerate(registrations):
        slot = index % 8
        if index and slot == 0:
            pdf.showPage()
        x = left + (slot % 2) * badge_w
        y = top - (slot // 2 + 1) * badge_h
        pdf.setStrokeGray(0.7)
        pdf.rect(x, y, badge_w, badge_h)
        pdf.setFont("Helvetica", 9)
        pdf.drawCentredString(
            x + badge_w / 2, y + badge_h - 1 * cm, _title(day, registration.language)
        )
        pdf.setFont("Helvetica-Bold", 18)
        pdf.drawCentredString(x + badge_w / 2, y + badge_h / 2, registration.name[:28])
        pdf.setFont("Helvetica", 11)
        pdf.drawCentredString(
            x + badge_w / 2, y + badge_h / 2 - 0.8 * cm, (registration.organisation or "")[:40]
        )
        pdf.setFont("Helvetica", 9)
        pdf.drawCentredString(
            x + badge_w / 2,
            y + 0.7 * cm,
            authority_name(registration.authority_code, short=True, language=registration.language),
        )
    if not registrations:
        pdf.drawString(left, top - cm, _("No confirmed registrations."))
    pdf.save()
    return buffer.getvalue()


def certificates(day: StudyDay, registrations: list[Registration]) -> bytes:
    """One certificate of attendance per page, each in its registrant's language."""
    # reportlab is heavy: loaded only when a PDF is written
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm  # (heavy: as above)
    from reportlab.platypus import PageBreak, Paragraph, Spacer  # (heavy: as above)

    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    language = registrations[0].language if len(registrations) == 1 else current_language()
    with force_locale(language):
        title = _("Certificate of attendance")
    document = _document(buffer, f"{title}: {_title(day, language)}", language)
    flow: list = []
    for registration in registrations:
        with force_locale(registration.language):
            flow += [
                Spacer(1, 3 * cm),
                Paragraph(escape(_("Certificate of attendance")), styles["Title"]),
                Spacer(1, 1.5 * cm),
                Paragraph(
                    escape(
                        _(
                            "The organisers certify that %(name)s (%(organisation)s) took part "
                            "in %(title)s on %(day)s in %(venue)s.",
                            name=registration.name,
                            organisation=registration.organisation or "-",
                            title=_title(day, registration.language),
                            day=format_date(day.held_on, "long"),
                            venue=day.venue,
                        )
                    ),
                    styles["BodyText"],
                ),
            ]
            attended = _workshops(registration, registration.language)
            if attended:
                flow.append(
                    Paragraph(escape(_("Workshops: %(names)s", names=attended)), styles["BodyText"])
                )
            flow += [
                Spacer(1, 2 * cm),
                Paragraph(
                    escape(_("For the consultation committee, Brussels")), styles["BodyText"]
                ),
                PageBreak(),
            ]
    if not flow:
        flow.append(Paragraph(escape(_("Nobody is marked present yet.")), styles["BodyText"]))
    document.build(flow)
    return buffer.getvalue()
