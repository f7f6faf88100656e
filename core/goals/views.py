"""Pages of the strategic plan's work: a goal with its actions and everything linked to it,
an action's form, and the progress dashboard with its spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from core.clock import in_brussels, utcnow
from core.db import db_session
from core.goals import exchange, terms, yearly
from core.goals import services as plans
from core.goals.models import (
    STATUS_LABELS,
    Evaluation,
    Goal,
    GoalLink,
    Indicator,
    Plan,
    PlanAction,
)
from core.i18n import LocalText, authority_name, current_language
from core.partners.services import choices as partner_choices
from core.partners.services import involved_partner_ids
from core.permissions import can, current, require
from core.validation import MESSAGES, printable, printable_row

blueprint = Blueprint("goals", __name__)


def term_error() -> str:
    return _(
        "This term cannot be read. Write it the way the plan does, for example: %(examples)s.",
        examples=terms.EXAMPLES[current_language()],
    )


ERRORS = {
    **MESSAGES,
    "type": _l("This value has the wrong form."),
    "choice": _l("Choose one of the options."),
    "unknown": _l("This value is not known."),
    "one_title": _l("Give a title in Dutch or in French."),
    "same_plan": _l("Choose a goal of another plan: this goal is in the same plan."),
    "linked": _l("This goal already contributes to that one."),
    "percent": _l("Give a whole number from 0 to 100."),
    "weight": _l("Give a whole number from 1 to 100."),
    "lead": _l("Choose the leading authority or write who leads."),
    "cycle": _l("An action cannot be a step of itself or of one of its own steps."),
    "term_year": _l("Give the years of a term between 2000 and 2100."),
    "term_backwards": _l("This term ends before it begins: write the earlier date first."),
    "term_date": _l("This term names a day that does not exist."),
    "term_number": _l("A year has two halves (semesters) and four quarters."),
}


def error_messages() -> dict[str, object]:
    """The messages by code; the term's names examples in the reader's language."""
    return ERRORS | {"term": term_error()}


def errors_of(invalid: plans.Invalid) -> dict[str, str]:
    messages = error_messages()
    return {key: str(messages.get(code, code)) for key, code in invalid.errors.items()}


LANGUAGE_NOTES = {
    "nl": _l("in Dutch"),
    "fr": _l("in French"),
    "en": _l("in English"),
}


@blueprint.app_template_filter("lang_note")
def lang_note(text: LocalText) -> Markup:
    """A visible note of the language a text is shown in when the reader's is missing (a
    plan an authority wrote in its own language only); nothing when it is the reader's."""
    if not isinstance(text, LocalText) or not text.text or text.lang == current_language():
        return Markup("")
    return Markup(' <small class="lang-note">({})</small>').format(LANGUAGE_NOTES[text.lang])


@blueprint.app_template_filter("goal_label")
def goal_label(goal: Goal) -> str:
    """A goal named as its plan names it: a strategic or operational goal of a tree, a
    numbered goal of a flat plan ("doelstelling 7"), or a strategic option."""
    if goal.kind == "goal":
        return _("Goal %(code)s", code=goal.code)
    if goal.kind == "option":
        return _("Strategic option %(number)s", number=goal.code.removeprefix("O"))
    if goal.parent_id is not None:
        return _("Operational goal %(code)s", code=goal.code)
    return _("Strategic goal %(code)s", code=goal.code)


@blueprint.app_template_filter("plan_owner")
def plan_owner_name(plan: Plan) -> str:
    """Whose plan it is, in words: the committee's, or an authority's (for one prison)."""
    if plan.authority_code is None:
        return _("Consultation committee")
    owner = authority_name(plan.authority_code)
    if plan.prison_code:
        from core.reference.models import Prison

        prison = db_session().get(Prison, plan.prison_code)
        name = prison.local("name").text if prison else plan.prison_code
        return _("%(authority)s, local action plan of %(prison)s", authority=owner, prison=name)
    return owner


@blueprint.app_template_filter("term")
def show_term(action: PlanAction) -> str:
    """The action's term in the reader's words ("autumn 2015 – spring 2017 or 2018"),
    whichever language it was typed in; "no term" when the plan gives none."""
    return terms.show(terms.from_dict(action.term), current_language())


@blueprint.app_template_filter("term_dates")
def term_dates(action: PlanAction) -> str:
    """The days the action runs between, which decide when it is overdue."""
    from core.i18n import show_date

    if action.ends_on is None:
        return _("none, so never overdue")
    if action.starts_on is None:
        return _("by %(end)s", end=show_date(action.ends_on))
    return _(
        "%(start)s to %(end)s", start=show_date(action.starts_on), end=show_date(action.ends_on)
    )


@blueprint.app_template_filter("term_read")
def term_read(action: PlanAction) -> terms.Term | None:
    return terms.from_dict(action.term)


@blueprint.app_template_filter("percent")
def percent(value: float | None) -> str:
    return "–" if value is None else format_percent(value / 100)


@blueprint.app_template_filter("number")
def number(value: float | None) -> str:
    from flask_babel import format_decimal

    return "–" if value is None else format_decimal(value)


@blueprint.app_template_filter("action_status")
def action_status(code: str) -> str:
    return str(STATUS_LABELS.get(code, code))


def _statuses() -> dict[str, int]:
    return current_app.config["CONCERTO"]["action_statuses"]


def _today() -> date:
    return in_brussels(utcnow()).date()


def _goal(goal_id: int) -> Goal:
    found = db_session().get(Goal, goal_id)
    if found is None:
        abort(404)
    return found


@blueprint.get("/goals/<int(max=2147483647):goal_id>")
def goal(goal_id: int):
    session = db_session()
    found = _goal(goal_id)
    actions = plans.plan_actions(session, found.plan)
    progress = plans.progress_of(found.plan, actions)
    mine = [a for a in actions if a.goal_id == found.id]
    year = _today().year
    indicators = session.scalars(
        select(Indicator).where(Indicator.goal_id == found.id).order_by(Indicator.id)
    ).all()
    live = yearly.live_values(session, indicators, year)
    manage = can(current(), "plan.manage", found)
    return render_template(
        "goals/goal.html",
        year=year,
        indicators=[(i, live.get(i.id)) for i in indicators],
        sources=yearly.source_labels(session) if manage else {},
        evaluations=session.scalars(
            select(Evaluation).where(Evaluation.goal_id == found.id).order_by(Evaluation.year)
        ).all(),
        ratings=RATING_LABELS,
        decisions=yearly.decisions_for(session, year) if manage else [],
        may_manage=manage,
        goal=found,
        actions=mine,
        tree=_tree(mine),
        progress=progress,
        today=_today(),
        links=plans.links_of(session, found),
        goal_links=plans.goal_links_of(session, found),
        link_targets=plans.link_targets(session, found) if manage else [],
        may_add=can(current(), "plan.add_action", found) and found.takes_actions,
    )


def _tree(actions: list[PlanAction]) -> list[tuple[PlanAction, int]]:
    by_parent: dict[int | None, list[PlanAction]] = {}
    for action in actions:
        by_parent.setdefault(action.parent_id, []).append(action)
    rows: list[tuple[PlanAction, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for action in sorted(by_parent.get(parent, []), key=lambda a: a.position):
            rows.append((action, depth))
            walk(action.id, depth + 1)

    walk(None, 0)
    return rows


def _form_values(form) -> dict:
    """The fields the form sent; a field left out of the form is left as it was."""
    values = {
        key: form.get(key, "")
        for key in (
            "title_nl",
            "title_fr",
            "title_en",
            "term",
            "status",
            "progress",
            "weight",
            "authority",
            "lead_text",
            "involved",
            "milestone_nl",
            "milestone_fr",
            "parent_id",
        )
        if key in form
    }
    if "involved_partners_shown" in form:  # the boxes were on the page, none ticked or some
        values["involved_partners"] = form.getlist("involved_partners")
    return values


def _choices(goal: Goal) -> dict:
    from core.reference.models import Authority

    session = db_session()
    return {
        "authorities": [
            (a.code, str(a.local("name")))
            for a in session.scalars(select(Authority).order_by(Authority.code))
        ],
        "statuses": [(code, action_status(code)) for code in _statuses()],
        "term_examples": terms.HINT_EXAMPLES,
        "partner_choices": partner_choices(session),
        "parents": [
            (a.id, a.local("title"))
            for a in session.scalars(
                select(PlanAction).where(PlanAction.goal_id == goal.id).order_by(PlanAction.id)
            )
        ],
    }


@blueprint.route("/goals/<int(max=2147483647):goal_id>/actions/new", methods=["GET", "POST"])
def new_action(goal_id: int):
    require("plan.add_action")
    found = _goal(goal_id)
    if not found.takes_actions:
        abort(404)  # actions belong to operational goals and to the goals of a flat plan
    require("plan.add_action", found)
    principal = current()
    values = {
        "authority": principal.authority or "",
        "weight": "1",
        "status": next(iter(_statuses())),
    }
    errors = {}
    if request.method == "POST":
        values = _form_values(request.form)
        if not can(principal, "plan.manage", found):
            values["authority"] = principal.authority  # a coordinator adds for their own
        session = db_session()
        try:
            action = plans.create_action(session, found, values, _statuses())
            session.commit()
            flash(_("The action was added."), "success")
            return redirect(url_for("goals.goal", goal_id=found.id) + f"#action-{action.id}")
        except plans.Invalid as invalid:
            session.rollback()
            errors = errors_of(invalid)
    return render_template(
        "goals/action_form.html",
        goal=found,
        action=None,
        values=values,
        errors=errors,
        may_choose_authority=can(principal, "plan.manage", found),
        **_choices(found),
    ), 422 if errors else 200


@blueprint.route("/plan-actions/<int(max=2147483647):action_id>", methods=["GET", "POST"])
def action(action_id: int):
    session = db_session()
    found = session.get(PlanAction, action_id)
    if found is None:
        abort(404)
    values = {
        "title_nl": found.title_nl,
        "title_fr": found.title_fr,
        "title_en": found.title_en,
        "term": found.term_text,
        "status": found.status,
        "progress": found.progress,
        "weight": found.weight,
        "authority": found.authority_code or "",
        "lead_text": found.lead_text,
        "involved": "; ".join(w for w in found.involved if not w.startswith("partner:")),
        "involved_partners": involved_partner_ids(found.involved),
        "milestone_nl": found.milestone_nl,
        "milestone_fr": found.milestone_fr,
        "parent_id": found.parent_id or "",
        "version": found.version,
    }
    errors, status = {}, 200
    if request.method == "POST":
        require("plan.edit_action", found)
        submitted = _form_values(request.form)
        if not can(current(), "plan.manage", found.goal):
            submitted.pop("authority", None)  # the lead changes through the plan's keepers
        try:
            plans.update_action(session, found, submitted, _statuses(), request.form.get("version"))
            session.commit()
            flash(_("The action was saved."), "success")
            return redirect(url_for("goals.goal", goal_id=found.goal_id) + f"#action-{found.id}")
        except plans.Invalid as invalid:
            session.rollback()
            values, errors, status = submitted | {"version": found.version}, errors_of(invalid), 422
        except (plans.Stale, StaleDataError):
            session.rollback()
            session.refresh(found)
            flash(
                _(
                    "Someone else saved this in the meantime. Nothing was overwritten: "
                    "the page now shows their version; make your change again."
                ),
                "error",
            )
            return redirect(url_for("goals.action", action_id=found.id)), 303
    return render_template(
        "goals/action_form.html",
        goal=found.goal,
        action=found,
        values=values,
        errors=errors,
        may_edit=can(current(), "plan.edit_action", found),
        may_choose_authority=can(current(), "plan.manage", found.goal),
        **_choices(found.goal),
    ), status


def _plan(code: str) -> Plan:
    found = db_session().scalar(select(Plan).where(Plan.code == code[:64]))
    if found is None:
        abort(404)
    return found


@blueprint.get("/plans/<code>/dashboard")
def dashboard(code: str):
    found = _plan(code)
    return render_template(
        "goals/dashboard.html",
        plan=found,
        figures=plans.dashboard(db_session(), found, _today()),
        goal_links=plans.plan_goal_links(db_session(), found),
        today=_today(),
    )


@blueprint.get("/plans/<code>/dashboard.xlsx")
def dashboard_xlsx(code: str):
    from openpyxl import Workbook

    found = _plan(code)
    figures = plans.dashboard(db_session(), found, _today())
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
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    found = _plan(code)
    figures = plans.dashboard(db_session(), found, _today())
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
        from xml.sax.saxutils import escape

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


# --- the yearly cycle: annual plans, indicators, evaluations ----------------------------------


YEARLY_REFUSALS = {
    "adopted": _l("This annual plan is adopted and no longer changes."),
    "empty": _l("Add the year's actions before adopting the plan."),
    "approved": _l("This evaluation is approved and no longer changes."),
}
RATING_LABELS = {
    "achieved": _l("achieved"),
    "largely": _l("largely achieved"),
    "partly": _l("partly achieved"),
    "not_achieved": _l("not achieved"),
}


def _yearly_errors(invalid: plans.Invalid) -> str:
    messages = {
        "number": _("Give a number."),
        "year": _("Give a year between 2000 and 2100."),
        "duplicate": _("This action is already in the annual plan."),
        "one_text": _("Give the text in Dutch or in French."),
        "url": _("Give web addresses starting with http:// or https://, separated by spaces."),
    }
    shown = errors_of(invalid)
    return " ".join(messages.get(code, shown[key]) for key, code in invalid.errors.items())


def _yearly_step(step, done: str, back: str):
    """Run one step of the yearly cycle and go back to the page it came from."""
    session = db_session()
    try:
        step(session)
        session.commit()
        flash(done, "success")
    except plans.Invalid as invalid:
        session.rollback()
        flash(_yearly_errors(invalid), "error")
    except yearly.Refused as refusal:
        session.rollback()
        flash(str(YEARLY_REFUSALS[refusal.code]), "error")
    return redirect(back)


@blueprint.get("/plans/<code>/years/<int(min=2000, max=2100):year>")
def annual_plan(code: str, year: int):
    found = _plan(code)
    session = db_session()
    plan_of_year = yearly.annual_plan(session, found, year)
    actions = plans.plan_actions(session, found)
    return render_template(
        "goals/annual_plan.html",
        plan=found,
        year=year,
        annual=plan_of_year,
        rows=yearly.comparison(session, plan_of_year) if plan_of_year else [],
        actions=[
            (a.id, a.local("title").labelled(f"{a.goal.code} "))
            for a in actions
            if a.parent_id is None
        ],
        decisions=yearly.decisions_for(session, year)
        if can(current(), "plan.manage", found)
        else [],
        may_manage=can(current(), "plan.manage", found),
    )


@blueprint.post("/plans/<code>/years/<int(min=2000, max=2100):year>/items")
def add_annual_item(code: str, year: int):
    require("plan.manage")
    found = _plan(code)
    require("plan.manage", found)
    return _yearly_step(
        lambda s: yearly.add_item(
            s, yearly.annual_plan(s, found, year, create=True), request.form.to_dict()
        ),
        _("The action was added to the annual plan."),
        url_for("goals.annual_plan", code=code, year=year),
    )


@blueprint.post("/annual-items/<int(max=2147483647):item_id>/delete")
def remove_annual_item(item_id: int):
    require("plan.manage")
    from core.goals.models import AnnualPlan, AnnualPlanItem

    session = db_session()
    item = session.get(AnnualPlanItem, item_id)
    if item is None:
        abort(404)
    annual = session.get(AnnualPlan, item.annual_plan_id)
    plan = session.get(Plan, annual.plan_id)
    require("plan.manage", plan)
    return _yearly_step(
        lambda s: yearly.remove_item(s, item),
        _("The action was taken out of the annual plan."),
        url_for("goals.annual_plan", code=plan.code, year=annual.year),
    )


@blueprint.post("/plans/<code>/years/<int(min=2000, max=2100):year>/adopt")
def adopt_annual_plan(code: str, year: int):
    require("plan.manage")
    found = _plan(code)
    require("plan.manage", found)
    annual = yearly.annual_plan(db_session(), found, year)
    if annual is None:
        abort(404)
    return _yearly_step(
        lambda s: yearly.adopt(s, annual, request.form.get("decision_id")),
        _("The annual plan is adopted."),
        url_for("goals.annual_plan", code=code, year=year),
    )


@blueprint.post("/goals/<int(max=2147483647):goal_id>/indicators")
def add_indicator(goal_id: int):
    require("plan.manage")
    found = _goal(goal_id)
    require("plan.manage", found)
    return _yearly_step(
        lambda s: yearly.add_indicator(s, found, request.form.to_dict()),
        _("The indicator was added."),
        url_for("goals.goal", goal_id=goal_id) + "#indicators",
    )


@blueprint.post("/indicators/<int(max=2147483647):indicator_id>/values")
def set_indicator_value(indicator_id: int):
    require("plan.manage")
    from core.goals.models import Indicator

    indicator = db_session().get(Indicator, indicator_id)
    if indicator is None:
        abort(404)
    require("plan.manage", _goal(indicator.goal_id))
    return _yearly_step(
        lambda s: yearly.set_value(s, indicator, request.form.to_dict()),
        _("The figures were saved."),
        url_for("goals.goal", goal_id=indicator.goal_id) + "#indicators",
    )


@blueprint.post("/goals/<int(max=2147483647):goal_id>/evaluations")
def evaluate(goal_id: int):
    require("plan.manage")
    found = _goal(goal_id)
    require("plan.manage", found)
    return _yearly_step(
        lambda s: yearly.evaluate(s, found, request.form.to_dict()),
        _("The evaluation was saved."),
        url_for("goals.goal", goal_id=goal_id) + "#evaluations",
    )


@blueprint.post("/evaluations/<int(max=2147483647):evaluation_id>/approve")
def approve_evaluation(evaluation_id: int):
    require("plan.manage")
    from core.goals.models import Evaluation

    evaluation = db_session().get(Evaluation, evaluation_id)
    if evaluation is None:
        abort(404)
    require("plan.manage", _goal(evaluation.goal_id))
    return _yearly_step(
        lambda s: yearly.approve_evaluation(s, evaluation, request.form.get("decision_id")),
        _("The evaluation is approved."),
        url_for("goals.goal", goal_id=evaluation.goal_id) + "#evaluations",
    )


@blueprint.app_template_filter("rating")
def rating(code: str) -> str:
    return str(RATING_LABELS.get(code, code))


# --- new plans, and the goal tree in and out ----------------------------------------------------

EXCHANGE_ERRORS = {
    "required": _l("This field is required."),
    "code": _l("Use 2 to 64 lower-case letters, digits or underscores."),
    "duplicate": _l("This value is already used."),
    "year": _l("Give a year between 2000 and 2100."),
    "before_start": _l("This date comes before the start."),
    "goal_code": _l("Give a goal code such as 4 or 4.3."),
    "kind": _l(
        "A goal without a parent is of kind result or support (a strategic goal), goal (a "
        "numbered goal of a plan without operational goals) or option (a strategic option)."
    ),
    "kind_with_parent": _l("An operational goal has a parent and no kind: leave the kind empty."),
    "parent_kind": _l("Only a strategic goal of kind result or support has operational goals."),
    "option_code": _l("Give a strategic option a code such as O1."),
    "one_title": _l("Give a title in Dutch or in French."),
    "other_plan": _l("This file is of another plan: its plan row names another code."),
    "no_steps": _l("Steps belong to an operational goal or to a goal of a plan without them."),
    "step_number": _l("Give a step number such as 1, or 1.2 for the second step under step 1."),
    "step_parent": _l("The step this one is under must come before it in the file."),
    "plan_years": _l("Give the plan's years in the term column, such as 2015-2020."),
    "no_plan_row": _l("The file has no row of kind plan naming the plan."),
    "unknown": _l("No goal has this code."),
    "cycle": _l("This parent would put the goal under itself."),
    "columns": _l(
        "The first row must name the columns: code, parent, kind, title_nl, title_fr, ..."
    ),
    "too_many_rows": _l(
        "The file has more than 1,000 rows, far more than a plan has goals. Check that it is "
        "the right file."
    ),
    "encoding": _l("The file is not in UTF-8. Save it again as “CSV UTF-8” and send it again."),
    "unreadable": _l("The file cannot be read as CSV (UTF-8) or XLSX."),
    "format": _l("The file cannot be read as CSV (UTF-8) or XLSX."),
    "unpacked_too_large": _l(
        "Unpacked, this spreadsheet is too large. Split it into smaller files."
    ),
    "beyond_columns": _l(
        "This row has more cells than the first row has column names. Remove them or name "
        "their column."
    ),
}


def _exchange_message(code: str) -> str:
    return str(EXCHANGE_ERRORS.get(code) or error_messages().get(code, code))


def _new_plan_owner() -> str | None:
    """A coordinator's new plan is their authority's; the secretariat's, the committee's."""
    principal = current()
    if principal.has("coordinator") and not can(principal, "plan.manage", Plan()):
        return principal.authority
    return None


@blueprint.route("/plans/new", methods=["GET", "POST"])
def new_plan():
    require("plan.manage")
    owner = _new_plan_owner()
    require("plan.manage", owner or Plan())
    values, errors = {}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        session = db_session()
        try:
            plan = exchange.create_plan(session, values, owner=owner)
            session.commit()
            flash(_("The plan was created; import or add its goals."), "success")
            return redirect(url_for("goals.import_goals", code=plan.code))
        except plans.Invalid as invalid:
            session.rollback()
            errors = {k: _exchange_message(v) for k, v in invalid.errors.items()}
    from core.reference.services import prisons_open

    return render_template(
        "goals/plan_form.html",
        values=values,
        errors=errors,
        owner=owner,
        prisons=[(p.code, str(p.local("name"))) for p in prisons_open(db_session())]
        if owner
        else [],
    ), (422 if errors else 200)


@blueprint.route("/plans/<code>/import", methods=["GET", "POST"])
def import_goals(code: str):
    require("plan.manage")
    found = _plan(code)
    require("plan.manage", found)
    problems: list[tuple[str, str]] = []
    if request.method == "POST":
        upload = request.files.get("file")
        session = db_session()
        try:
            if upload is None or not upload.filename:
                raise plans.Invalid({"file": "required"})
            rows = exchange.read_rows(upload.filename, upload.read())
            counts = exchange.import_goals(session, found, rows, _statuses())
            session.commit()
            flash(
                _(
                    "%(created)d goals added and %(updated)d updated.",
                    created=counts["created"],
                    updated=counts["updated"],
                )
                + (
                    " "
                    + _(
                        "%(created)d steps added and %(updated)d updated.",
                        created=counts["steps_created"],
                        updated=counts["steps_updated"],
                    )
                    if counts["steps_created"] or counts["steps_updated"]
                    else ""
                ),
                "success",
            )
            return redirect(url_for("reference.plan", code=found.code))
        except (UnicodeDecodeError, csv.Error, ValueError) as error:
            session.rollback()
            if isinstance(error, plans.Invalid):
                problems = [
                    (where, _exchange_message(code_))
                    for where, code_ in sorted(error.errors.items(), key=lambda e: _row_order(e[0]))
                ]
            else:
                problems = [("file", _("The file cannot be read as CSV (UTF-8) or XLSX."))]
    return render_template("goals/import.html", plan=found, problems=problems), (
        422 if problems else 200
    )


def _row_order(where: str) -> tuple[int, str]:
    number = where.split(":")[0].removeprefix("row ").strip()
    return (int(number) if number.isdecimal() else 0, where)


@blueprint.get("/plans/<code>/goals.<fmt>")
def export_goals(code: str, fmt: str):
    found = _plan(code)
    rows = exchange.export_rows(db_session(), found)
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        data, mimetype = buffer.getvalue().encode("utf-8-sig"), "text/csv"
    elif fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        for row in rows:
            book.active.append(printable_row(row))
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        abort(404)
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="goals-{found.code}.{fmt}"'},
    )


# --- goals of one plan contributing to goals of another --------------------------------------


@blueprint.post("/goals/<int(max=2147483647):goal_id>/links")
def link_goal(goal_id: int):
    require("plan.manage")
    found = _goal(goal_id)
    require("plan.manage", found)
    session = db_session()
    back = url_for("goals.goal", goal_id=found.id) + "#contributions"
    try:
        plans.link_goals(session, found, request.form.get("target_id"), request.form.get("note"))
        session.commit()
        flash(_("The contribution was added."), "success")
    except plans.Invalid as invalid:
        session.rollback()
        flash(" ".join(errors_of(invalid).values()), "error")
    return redirect(back)


@blueprint.post("/goal-links/<int(max=2147483647):link_id>/delete")
def unlink_goal(link_id: int):
    require("plan.manage")
    session = db_session()
    link = session.get(GoalLink, link_id)
    if link is None:
        abort(404)
    require("plan.manage", link.goal)
    goal_id = link.goal_id
    session.delete(link)
    session.commit()
    flash(_("The contribution was taken away."), "success")
    return redirect(url_for("goals.goal", goal_id=goal_id) + "#contributions")
