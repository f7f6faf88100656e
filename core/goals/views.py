"""Pages of the strategic plan's work: a goal with its actions and everything linked to it,
an action's form, and the progress dashboard with its spreadsheet."""

from __future__ import annotations

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
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from core.db import db_session, utcnow
from core.goals import services as plans
from core.goals import terms
from core.goals.models import Goal, Plan, PlanAction
from core.i18n import current_language
from core.meetings.services import in_brussels
from core.permissions import can, current, require
from core.validation import MESSAGES

blueprint = Blueprint("goals", __name__)

STATUS_LABELS = {
    "planned": _l("planned"),
    "started": _l("started"),
    "ongoing": _l("ongoing"),
    "done": _l("done"),
    "postponed": _l("postponed"),
    "stopped": _l("stopped"),
}


def term_error() -> str:
    return _(
        "This term is not understood. Write it the way the plan does, for example: %(examples)s.",
        examples=terms.EXAMPLES[current_language()],
    )


def errors_of(invalid: plans.Invalid) -> dict[str, str]:
    messages = {
        **MESSAGES,
        "type": _l("This value has the wrong form."),
        "choice": _l("Choose one of the options."),
        "unknown": _l("This value is not known."),
        "one_title": _l("Give a title in Dutch or in French."),
        "percent": _l("Give a whole number from 0 to 100."),
        "weight": _l("Give a whole number from 1 to 100."),
        "lead": _l("Choose the leading authority or write who leads."),
        "cycle": _l("An action cannot be a step of itself or of one of its own steps."),
    }
    return {
        key: term_error() if code == "term" else str(messages.get(code, code))
        for key, code in invalid.errors.items()
    }


@blueprint.app_template_filter("term")
def show_term(action: PlanAction) -> str:
    return terms.show(terms.from_dict(action.term), current_language())


@blueprint.app_template_filter("percent")
def percent(value: float | None) -> str:
    return "–" if value is None else format_percent(value / 100)


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
    return render_template(
        "goals/goal.html",
        goal=found,
        actions=mine,
        tree=_tree(mine),
        progress=progress,
        today=_today(),
        links=plans.links_of(session, found),
        may_add=can(current(), "plan.add_action") and found.parent_id is not None,
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
            "parent_id",
        )
        if key in form
    }
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
        "parents": [
            (a.id, str(a.local("title")))
            for a in session.scalars(
                select(PlanAction).where(PlanAction.goal_id == goal.id).order_by(PlanAction.id)
            )
        ],
    }


@blueprint.route("/goals/<int(max=2147483647):goal_id>/actions/new", methods=["GET", "POST"])
def new_action(goal_id: int):
    require("plan.add_action")
    found = _goal(goal_id)
    if found.parent_id is None:
        abort(404)  # actions belong to operational goals
    principal = current()
    values = {
        "authority": principal.authority or "",
        "weight": "1",
        "status": next(iter(_statuses())),
    }
    errors = {}
    if request.method == "POST":
        values = _form_values(request.form)
        if not can(principal, "plan.manage"):
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
        may_choose_authority=can(principal, "plan.manage"),
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
        "involved": "; ".join(found.involved),
        "parent_id": found.parent_id or "",
        "version": found.version,
    }
    errors, status = {}, 200
    if request.method == "POST":
        require("plan.edit_action", found)
        submitted = _form_values(request.form)
        if not can(current(), "plan.manage"):
            submitted.pop("authority", None)  # the lead changes through the secretariat
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
        may_choose_authority=can(current(), "plan.manage"),
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
                str(row["goal"].local("title")),
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
                str(item.local("title")),
                item.authority_code or item.lead_text,
                show_term(item),
                round(figures["progress"].actions[item.id], 1),
            ]
        )
    leads = book.create_sheet(_("Authorities")[:31])
    leads.append([_("Authority"), _("Actions"), _("Progress (%)"), _("Overdue")])
    for row in figures["authorities"]:
        leads.append([row["authority"], row["actions"], round(row["progress"], 1), row["overdue"]])
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(
        buffer.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="dashboard-{found.code}.xlsx"'},
    )
