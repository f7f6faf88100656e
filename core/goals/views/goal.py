"""A goal's page with its actions and everything linked to it, an action's form, and the
contributions of a goal to goals of other plans."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select

from core.db import db_session
from core.goals import services as plans
from core.goals import terms, yearly
from core.goals.errors import ERRORS
from core.goals.models import (
    Evaluation,
    Goal,
    GoalLink,
    Indicator,
    PlanAction,
)
from core.goals.views.common import (
    RATING_LABELS,
    action_status,
    action_statuses,
    blueprint,
    goal_or_404,
    said,
    today,
)
from core.partners.services import choices as partner_choices
from core.partners.services import involved_partner_ids
from core.permissions import can, current, require
from core.reference.models import Authority
from core.studyday.reports import reports_for_goal
from core.web import attempt, field_messages, get_or_404, stale_message


@blueprint.get("/goals/<int(max=2147483647):goal_id>")
def goal(goal_id: int):
    session = db_session()
    found = goal_or_404(goal_id)
    actions = plans.plan_actions(session, found.plan)
    progress = plans.progress_of(found.plan, actions)
    mine = [a for a in actions if a.goal_id == found.id]
    year = today().year
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
        today=today(),
        links=plans.links_of(session, found)
        | {"workshop_reports": reports_for_goal(session, found.id)},
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
    session = db_session()
    return {
        "authorities": [
            (a.code, str(a.local("name")))
            for a in session.scalars(select(Authority).order_by(Authority.code))
        ],
        "statuses": [(code, action_status(code)) for code in action_statuses()],
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
    found = goal_or_404(goal_id)
    if not found.takes_actions:
        abort(404)  # actions belong to operational goals and to the goals of a flat plan
    require("plan.add_action", found)
    principal = current()
    values = {
        "authority": principal.authority or "",
        "weight": "1",
        "status": next(iter(action_statuses())),
    }
    errors = {}
    if request.method == "POST":
        values = _form_values(request.form)
        if not can(principal, "plan.manage", found):
            values["authority"] = principal.authority  # a coordinator adds for their own
        outcome = attempt(lambda s: plans.create_action(s, found, values, action_statuses()))
        if outcome.ok:
            flash(_("The action was added."), "success")
            return redirect(
                url_for("goals.goal", goal_id=found.id) + f"#action-{outcome.result.id}"
            )
        errors = field_messages(outcome.invalid or {}, ERRORS)
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
    found = get_or_404(PlanAction, action_id)
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
        outcome = attempt(
            lambda s: plans.update_action(
                s, found, submitted, action_statuses(), request.form.get("version")
            )
        )
        if outcome.ok:
            flash(_("The action was saved."), "success")
            return redirect(url_for("goals.goal", goal_id=found.goal_id) + f"#action-{found.id}")
        if outcome.stale:
            session.refresh(found)
            flash(stale_message(), "error")
            return redirect(url_for("goals.action", action_id=found.id)), 303
        values = submitted | {"version": found.version}
        errors, status = field_messages(outcome.invalid or {}, ERRORS), 422
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


# --- goals of one plan contributing to goals of another --------------------------------------


@blueprint.post("/goals/<int(max=2147483647):goal_id>/links")
def link_goal(goal_id: int):
    require("plan.manage")
    found = goal_or_404(goal_id)
    require("plan.manage", found)
    said(
        attempt(
            lambda s: plans.link_goals(
                s, found, request.form.get("target_id"), request.form.get("note")
            )
        ),
        ERRORS,
        _("The contribution was added."),
    )
    return redirect(url_for("goals.goal", goal_id=found.id) + "#contributions")


@blueprint.post("/goal-links/<int(max=2147483647):link_id>/delete")
def unlink_goal(link_id: int):
    require("plan.manage")
    link = get_or_404(GoalLink, link_id)
    require("plan.manage", link.goal)
    goal_id = link.goal_id
    said(attempt(lambda s: s.delete(link)), ERRORS, _("The contribution was taken away."))
    return redirect(url_for("goals.goal", goal_id=goal_id) + "#contributions")
