"""The yearly cycle's pages: annual plans, indicators, evaluations."""

from __future__ import annotations

from flask import (
    abort,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from core.db import db_session
from core.goals import services as plans
from core.goals import yearly
from core.goals.errors import YEARLY_ERRORS
from core.goals.models import AnnualPlan, AnnualPlanItem, Evaluation, Indicator, Plan
from core.goals.views.common import blueprint, goal_or_404, plan_or_404, said
from core.permissions import can, current, require
from core.web import attempt, get_or_404


def _yearly_step(step, done: str, back: str):
    """Run one step of the yearly cycle and go back to the page it came from."""
    said(attempt(step), YEARLY_ERRORS, done)
    return redirect(back)


@blueprint.get("/plans/<code>/years/<int(min=2000, max=2100):year>")
def annual_plan(code: str, year: int):
    found = plan_or_404(code)
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
    found = plan_or_404(code)
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
    session = db_session()
    item = get_or_404(AnnualPlanItem, item_id)
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
    found = plan_or_404(code)
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
    found = goal_or_404(goal_id)
    require("plan.manage", found)
    return _yearly_step(
        lambda s: yearly.add_indicator(s, found, request.form.to_dict()),
        _("The indicator was added."),
        url_for("goals.goal", goal_id=goal_id) + "#indicators",
    )


@blueprint.post("/indicators/<int(max=2147483647):indicator_id>/values")
def set_indicator_value(indicator_id: int):
    require("plan.manage")
    indicator = get_or_404(Indicator, indicator_id)
    require("plan.manage", goal_or_404(indicator.goal_id))
    return _yearly_step(
        lambda s: yearly.set_value(s, indicator, request.form.to_dict()),
        _("The figures were saved."),
        url_for("goals.goal", goal_id=indicator.goal_id) + "#indicators",
    )


@blueprint.post("/goals/<int(max=2147483647):goal_id>/evaluations")
def evaluate(goal_id: int):
    require("plan.manage")
    found = goal_or_404(goal_id)
    require("plan.manage", found)
    return _yearly_step(
        lambda s: yearly.evaluate(s, found, request.form.to_dict()),
        _("The evaluation was saved."),
        url_for("goals.goal", goal_id=goal_id) + "#evaluations",
    )


@blueprint.post("/evaluations/<int(max=2147483647):evaluation_id>/approve")
def approve_evaluation(evaluation_id: int):
    require("plan.manage")
    evaluation = get_or_404(Evaluation, evaluation_id)
    require("plan.manage", goal_or_404(evaluation.goal_id))
    return _yearly_step(
        lambda s: yearly.approve_evaluation(s, evaluation, request.form.get("decision_id")),
        _("The evaluation is approved."),
        url_for("goals.goal", goal_id=evaluation.goal_id) + "#evaluations",
    )
