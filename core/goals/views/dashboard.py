"""The progress dashboard of a plan, as a page, a spreadsheet and a PDF."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from flask import (
    Response,
    render_template,
)
from flask_babel import gettext as _

from core.db import db_session
from core.goals import services as plans
from core.goals.views.common import blueprint, percent, plan_or_404, show_term, today
from core.i18n import authority_name, current_language
from core.validation import printable


@blueprint.get("/plans/<code>/dashboard")
def dashboard(code: str):
    found = plan_or_404(code)
    return render_template(
        "goals/dashboard.html",
        plan=found,
        figures=plans.dashboard(db_session(), found, today()),
        goal_links=plans.plan_goal_links(db_session(), found),
        today=today(),
    )


@blueprint.get("/plans/<code>/dashboard.xlsx")
def dashboard_xlsx(code: str):
    # openpyxl is heavy: loaded only when a spreadsheet is written
    from openpyxl import Workbook

    found = plan_or_404(code)
    figures = plans.dashboard(db_session(), found, today())
    book = Workbook()
    sheet = book.active
    sheet.title = _("Goals")[:31]
    sheet.append([_("Strategic goal"), _("Title"), _("Actions"), _("Progress (%)")])
    for row in figures["goals"]:
        value = row["progress"]
        sheet.append(
            [
                row["goal"].code,
                printable(str(row["goal"].local("title"))),
                row["actions"],
                round(value, 1) if value is not None else None,
            ]
        )
    late = book.create_sheet(_("Overdue")[:31])
    late.append([_("Goal"), _("Action"), _("Lead"), _("Term"), _("Progress (%)")])
    for item in figures["overdue"]:
        late.append(
            [
                item.goal.code,
                printable(str(item.local("title"))),
                printable(authority_name(item.authority_code) or item.lead_text),
                show_term(item),
                round(figures["progress"].actions[item.id], 1),
            ]
        )
    leads = book.create_sheet(_("Authorities")[:31])
    leads.append([_("Authority"), _("Actions"), _("Progress (%)"), _("Overdue")])
    for row in figures["authorities"]:
        leads.append(
            [
                authority_name(row["authority"]) or _("led by others"),
                row["actions"],
                round(row["progress"], 1),
                row["overdue"],
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(
        buffer.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="dashboard-{found.code}.xlsx"'},
    )


@blueprint.get("/plans/<code>/dashboard.pdf")
def dashboard_pdf(code: str):
    # reportlab is heavy: loaded only when a PDF is written
    from reportlab.lib import colors  # (heavy: as above)
    from reportlab.lib.pagesizes import A4  # (heavy: as above)
    from reportlab.lib.styles import getSampleStyleSheet  # (heavy: as above)
    from reportlab.platypus import (  # (heavy: as above)
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    found = plan_or_404(code)
    figures = plans.dashboard(db_session(), found, today())
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, title=_("Progress of the plan"), lang=current_language()
    )
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.lightgrey),
            ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )

    def cell(text) -> Paragraph:
        return Paragraph(escape(str(text)), styles["BodyText"])

    goals_table = Table(
        [[_("Goal"), _("Actions"), _("Progress")]]
        + [
            [
                cell(f"{r['goal'].code} {r['goal'].local('title')}"),
                r["actions"],
                percent(r["progress"]),
            ]
            for r in figures["goals"]
        ],
        colWidths=[320, 60, 80],
        repeatRows=1,
    )
    goals_table.setStyle(grid)
    late = Table(
        [[_("Action"), _("Term"), _("Progress")]]
        + [
            [
                cell(f"{a.goal.code} {a.local('title')}"),
                show_term(a),
                percent(figures["progress"].actions[a.id]),
            ]
            for a in figures["overdue"]
        ],
        colWidths=[320, 80, 60],
        repeatRows=1,
    )
    late.setStyle(grid)
    leads = Table(
        [[_("Authority"), _("Actions"), _("Progress"), _("Overdue")]]
        + [
            [
                cell(authority_name(r["authority"]) or _("led by others")),
                r["actions"],
                percent(r["progress"]),
                r["overdue"],
            ]
            for r in figures["authorities"]
        ],
        colWidths=[260, 60, 80, 60],
        repeatRows=1,
    )
    leads.setStyle(grid)
    document.build(
        [
            Paragraph(_("Progress of the plan"), styles["Title"]),
            Paragraph(str(found.local("title")), styles["Heading2"]),
            goals_table,
            Spacer(1, 12),
            Paragraph(_("Actions by leading authority"), styles["Heading2"]),
            leads,
            Spacer(1, 12),
            Paragraph(_("Overdue actions"), styles["Heading2"]),
            late,
        ]
    )
    return Response(
        buffer.getvalue(),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="dashboard-{found.code}.pdf"'},
    )
