"""Minutes as documents: PDF (reportlab) and ODT (odfpy), in Dutch, in French, or bilingual
with Dutch and French side by side, the way the strategic plan itself is printed."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from flask_babel import force_locale, format_date, format_datetime
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import show_date
from core.meetings.calendars import meeting_title, place_of
from core.meetings.models import ActionItem, Minutes
from core.meetings.services.agenda_items import agenda
from core.partners.services import on_behalf_name

FORMATS = {"pdf": "application/pdf", "odt": "application/vnd.oasis.opendocument.text"}
LAYOUTS = ("nl", "fr", "both")


def content_of(session: Session, minutes: Minutes, language: str) -> dict:
    """Everything a document shows, with the labels in ``language``."""
    meeting = minutes.meeting
    texts = {t.item_id: t for t in minutes.texts}
    with force_locale(language):
        presence = {"present": _("present"), "excused": _("excused"), "absent": _("absent")}
        states = {
            "open": _("open"),
            "in_progress": _("in progress"),
            "done": _("done"),
            "cancelled": _("cancelled"),
        }
        return {
            "heading": _("Minutes"),
            "title": meeting_title(meeting, language),
            "when": format_datetime(meeting.starts_at, "long"),
            "place": place_of(meeting, language, private=False),
            "status": (
                _(
                    "Approved on %(day)s (version %(revision)d).",
                    day=format_date(minutes.approved_at, "long"),
                    revision=minutes.revision,
                )
                if minutes.approved
                else _("Draft, not approved (version %(revision)d).", revision=minutes.revision)
            ),
            "correction": (
                _("Correction: %(reason)s", reason=minutes.correction_reason)
                if minutes.correction_reason
                else None
            ),
            "attendance_heading": _("Attendance"),
            "attendance": [
                (
                    row.name,
                    on_behalf_name(row, language=language),
                    presence[row.presence],
                )
                for row in minutes.attendance
            ],
            "items": [
                (
                    number,
                    str(item.local("title", language)),
                    getattr(texts.get(item.id), f"text_{language}", None) or "",
                    [
                        (d.number, d.local("text", language).text)
                        for d in minutes.decisions
                        if d.item_id == item.id
                    ],
                )
                for number, item, _depth in agenda(meeting)
            ],
            "decision": _("Decision %(number)d"),
            "actions_heading": _("Action items"),
            "actions": [
                (
                    a.local("title", language).text,
                    a.owner_name,
                    on_behalf_name(a, language=language),
                    show_date(a.due_on),
                    states[a.status],
                )
                for a in session.scalars(
                    select(ActionItem)
                    .where(ActionItem.meeting_id == meeting.id)
                    .order_by(ActionItem.id)
                )
            ],
            "columns": (_("Action"), _("Owner"), _("Authority"), _("Due"), _("Status")),
        }


def render(session: Session, minutes: Minutes, layout: str, fmt: str) -> bytes:
    languages = ("nl", "fr") if layout == "both" else (layout,)
    parts = [content_of(session, minutes, lang) for lang in languages]
    return {"pdf": _pdf, "odt": _odt}[fmt](parts, languages)


# --- PDF -------------------------------------------------------------------------------------


def _pdf(parts: list[dict], languages: tuple[str, ...]) -> bytes:
    from reportlab.lib import colors  # heavy: loaded only for a PDF
    from reportlab.lib.pagesizes import A4, landscape  # heavy: loaded only for a PDF
    from reportlab.lib.styles import getSampleStyleSheet  # heavy: loaded only for a PDF
    from reportlab.lib.units import cm  # heavy: loaded only for a PDF
    from reportlab.platypus import (  # heavy: loaded only for a PDF
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    styles = getSampleStyleSheet()
    body, heading, title = styles["BodyText"], styles["Heading2"], styles["Title"]
    buffer = io.BytesIO()
    size = landscape(A4) if len(parts) > 1 else A4
    document = SimpleDocTemplate(
        buffer,
        pagesize=size,
        title=" / ".join(p["title"] for p in parts),
        lang=languages[0],
        leftMargin=2 * cm,
        rightMargin=2 * cm,
    )
    width = size[0] - 4 * cm

    def para(text: str, style=body):
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    def side_by_side(cells: list[list]) -> Table:
        table = Table([cells], colWidths=[width / len(cells)] * len(cells))
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEAFTER", (0, 0), (-2, -1), 0.5, colors.grey),
                ]
            )
        )
        return table

    flow = [
        side_by_side([[para(f"{p['heading']}: {p['title']}", title)] for p in parts]),
        side_by_side(
            [
                [para(p["when"]), para(p["place"]), para(p["status"])]
                + ([para(p["correction"])] if p["correction"] else [])
                for p in parts
            ]
        ),
        Spacer(1, 0.4 * cm),
        side_by_side([[para(p["attendance_heading"], heading)] for p in parts]),
    ]
    rows = [
        [name, code, " / ".join(p["attendance"][i][2] for p in parts)]
        for i, (name, code, _presence) in enumerate(parts[0]["attendance"])
    ]
    if rows:
        attendance = Table(rows, colWidths=[width * 0.45, width * 0.25, width * 0.3])
        attendance.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.lightgrey)]))
        flow.append(attendance)
    for index in range(len(parts[0]["items"])):
        cells = []
        for p in parts:
            number, item_title, text, decisions = p["items"][index]
            cell = [para(f"{number}. {item_title}", heading)]
            if text:
                cell.append(para(text))
            for decision_number, decision_text in decisions:
                cell.append(para(f"{p['decision'] % {'number': decision_number}}: {decision_text}"))
            cells.append(cell)
        flow.append(side_by_side(cells))
    if parts[0]["actions"]:
        flow.append(side_by_side([[para(p["actions_heading"], heading)] for p in parts]))
        for p in parts:
            table = Table(
                [list(p["columns"])] + [list(a) for a in p["actions"]],
                colWidths=[width * 0.4, width * 0.2, width * 0.15, width * 0.12, width * 0.13],
                repeatRows=1,
            )
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                    ]
                )
            )
            flow.append(table)
            flow.append(Spacer(1, 0.3 * cm))
    document.build(flow)
    return buffer.getvalue()


# --- ODT -------------------------------------------------------------------------------------


def _odt(parts: list[dict], languages: tuple[str, ...]) -> bytes:
    from odf.opendocument import OpenDocumentText  # heavy: loaded only for an ODT
    from odf.style import (  # heavy: loaded only for an ODT
        Style,
        TableColumnProperties,
        TextProperties,
    )
    from odf.table import Table, TableCell, TableColumn, TableRow  # heavy: loaded only for an ODT
    from odf.text import H, P  # heavy: loaded only for an ODT

    document = OpenDocumentText()
    bold = Style(name="Strong", family="text")
    bold.addElement(TextProperties(fontweight="bold"))
    document.automaticstyles.addElement(bold)
    column = Style(name="Half", family="table-column")
    column.addElement(TableColumnProperties(relcolumnwidth="1*"))
    document.automaticstyles.addElement(column)

    def paragraphs(text: str) -> list:
        return [P(text=line) for line in text.split("\n")] if text else []

    def side_by_side(name: str, cells: list[list]) -> Table:
        table = Table(name=name)
        for _cell in cells:
            table.addElement(TableColumn(stylename=column))
        row = TableRow()
        for content in cells:
            cell = TableCell()
            for element in content:
                cell.addElement(element)
            row.addElement(cell)
        table.addElement(row)
        return table

    def grid(name: str, rows: list[list[str]]) -> Table:
        table = Table(name=name)
        for _column in rows[0]:
            table.addElement(TableColumn())
        for values in rows:
            row = TableRow()
            for value in values:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=str(value)))
                row.addElement(cell)
            table.addElement(row)
        return table

    document.text.addElement(
        side_by_side(
            "heading",
            [
                [
                    H(outlinelevel=1, text=f"{p['heading']}: {p['title']}"),
                    P(text=p["when"]),
                    P(text=p["place"]),
                    P(text=p["status"]),
                ]
                + ([P(text=p["correction"])] if p["correction"] else [])
                for p in parts
            ],
        )
    )
    document.text.addElement(
        H(outlinelevel=2, text=" / ".join(p["attendance_heading"] for p in parts))
    )
    if parts[0]["attendance"]:
        document.text.addElement(
            grid(
                "attendance",
                [
                    [name, code, " / ".join(p["attendance"][i][2] for p in parts)]
                    for i, (name, code, _presence) in enumerate(parts[0]["attendance"])
                ],
            )
        )
    for index in range(len(parts[0]["items"])):
        cells = []
        for p in parts:
            number, item_title, text, decisions = p["items"][index]
            cell = [H(outlinelevel=2, text=f"{number}. {item_title}"), *paragraphs(text)]
            for decision_number, decision_text in decisions:
                cell.append(
                    P(text=f"{p['decision'] % {'number': decision_number}}: {decision_text}")
                )
            cells.append(cell)
        document.text.addElement(side_by_side(f"item{index + 1}", cells))
    if parts[0]["actions"]:
        for p in parts:
            document.text.addElement(H(outlinelevel=2, text=p["actions_heading"]))
            document.text.addElement(
                grid(
                    f"actions_{p['heading']}",
                    [list(p["columns"])] + [list(a) for a in p["actions"]],
                )
            )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
