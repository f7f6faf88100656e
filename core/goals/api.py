"""The strategic plan in /api/v1: plans with the progress of every goal, a goal with its
actions and links, and the actions themselves (create, read, update with If-Match)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from core.api.problems import http_problem, problem
from core.clock import in_brussels, utcnow
from core.db import db_session
from core.goals import services as plans
from core.goals import terms, yearly
from core.goals.errors import ERRORS, YEARLY_REFUSALS
from core.goals.models import Evaluation, Goal, Indicator, Plan, PlanAction
from core.i18n import current_language
from core.permissions import can, current, require
from core.security import csrf
from core.studyday.reports import reports_for_goal
from core.validation import Invalid
from core.web import api_write, etag, expected_version, json_object

blueprint = Blueprint("goals_api", __name__, url_prefix="/api/v1")
csrf.exempt(blueprint)
blueprint.register_error_handler(HTTPException, http_problem)


def body_of_action(action: PlanAction, progress: float | None = None) -> dict:
    term = terms.from_dict(action.term)
    return {
        "id": action.id,
        "goal": action.goal.code,
        "goal_id": action.goal_id,
        "parent_id": action.parent_id,
        "title": action.texts("title"),
        "authority": action.authority_code,
        "lead_text": action.lead_text,
        "involved": action.involved,
        "milestone": {lang: getattr(action, f"milestone_{lang}") for lang in ("nl", "fr")},
        "term": {
            "written": action.term_text or None,
            "shown": terms.show(term, current_language()),
            "kind": term.kind if term else None,
            "starts_on": action.starts_on.isoformat() if action.starts_on else None,
            "ends_on": action.ends_on.isoformat() if action.ends_on else None,
        },
        "status": action.status,
        "progress": action.progress,
        "rolled_up_progress": progress if progress is not None else action.progress,
        "weight": action.weight,
        "version": action.version,
    }


# The codes a write may answer with, worded: the actions' fields and the yearly cycle's
# refusals.
MESSAGES = {**ERRORS, **YEARLY_REFUSALS}


def _current_action(action_id: int, **_route) -> dict | None:
    """The action as it now stands, for a 412 answer (None when it is gone)."""
    action = db_session().get(PlanAction, action_id)
    return body_of_action(action) if action is not None else None


def _plan_or_none(code: str) -> Plan | None:
    return db_session().scalar(select(Plan).where(Plan.code == code[:64]))


@blueprint.get("/plans")
def list_plans():
    found = db_session().scalars(select(Plan).order_by(Plan.start_year)).all()
    return jsonify(
        {
            "items": [
                {
                    "code": p.code,
                    "title": p.texts("title"),
                    "authority": p.authority_code,
                    "prison": p.prison_code,
                    "start_year": p.start_year,
                    "end_year": p.end_year,
                }
                for p in found
            ]
        }
    )


@blueprint.get("/plans/<code>")
def get_plan(code: str):
    plan = _plan_or_none(code)
    if plan is None:
        return problem(404, _("Not found."))
    progress = plans.progress_of(plan, plans.plan_actions(db_session(), plan))

    def goal_body(goal: Goal) -> dict:
        return {
            "id": goal.id,
            "code": goal.code,
            "kind": goal.kind,
            "title": goal.texts("title"),
            "progress": progress.goals.get(goal.id),
            "goals": [goal_body(child) for child in goal.children],
        }

    return jsonify(
        {
            "code": plan.code,
            "title": plan.texts("title"),
            "authority": plan.authority_code,
            "prison": plan.prison_code,
            "start_year": plan.start_year,
            "end_year": plan.end_year,
            "goals": [goal_body(g) for g in plan.strategic_goals()],
            "options": [
                {"id": o.id, "code": o.code, "title": o.texts("title")} for o in plan.options()
            ],
        }
    )


@blueprint.get("/goals/<int(max=2147483647):goal_id>")
def get_goal(goal_id: int):
    session = db_session()
    goal = session.get(Goal, goal_id)
    if goal is None:
        return problem(404, _("Not found."))
    actions = plans.plan_actions(session, goal.plan)
    progress = plans.progress_of(goal.plan, actions)
    links = plans.links_of(session, goal) | {"workshop_reports": reports_for_goal(session, goal.id)}
    contributions = plans.goal_links_of(session, goal)
    indicators = session.scalars(select(Indicator).where(Indicator.goal_id == goal.id)).all()
    live = yearly.live_values(session, indicators, in_brussels(utcnow()).year)
    return jsonify(
        {
            "id": goal.id,
            "code": goal.code,
            "kind": goal.kind,
            "title": goal.texts("title"),
            "parent_id": goal.parent_id,
            "progress": progress.goals.get(goal.id),
            "actions": [
                body_of_action(a, progress.actions.get(a.id))
                for a in actions
                if a.goal_id == goal.id
            ],
            "links": {key: [record.id for record in records] for key, records in links.items()},
            # goals of other plans this goal contributes to, and those contributing to it
            "contributes_to": [
                {"goal_id": link.target_id, "note": link.note}
                for link in contributions["contributes_to"]
            ],
            "contributed_by": [
                {"goal_id": link.goal_id, "note": link.note}
                for link in contributions["contributed_by"]
            ],
            "indicators": [
                {
                    "id": i.id,
                    "name": i.texts("name"),
                    "unit": i.unit,
                    "source": i.source,
                    "baseline": i.baseline,
                    "baseline_year": i.baseline_year,
                    "live": live.get(i.id),
                    "values": [
                        {"year": v.year, "target": v.target, "actual": v.actual} for v in i.values
                    ],
                }
                for i in indicators
            ],
            "evaluations": [
                {
                    "year": e.year,
                    "rating": e.rating,
                    "assessment": e.texts("assessment"),
                    "evidence": e.evidence,
                    "approved": e.approved_at is not None,
                    "meeting_id": e.meeting_id,
                }
                for e in session.scalars(
                    select(Evaluation)
                    .where(Evaluation.goal_id == goal.id)
                    .order_by(Evaluation.year)
                )
            ],
        }
    )


@blueprint.get("/plans/<code>/years/<int(min=2000, max=2100):year>")
def get_annual_plan(code: str, year: int):
    plan = _plan_or_none(code)
    if plan is None:
        return problem(404, _("Not found."))
    session = db_session()
    annual = yearly.annual_plan(session, plan, year)
    if annual is None:
        return problem(404, _("Not found."))
    return jsonify(
        {
            "year": year,
            "adopted": annual.adopted,
            "decision_id": annual.decision_id,
            "meeting_id": annual.meeting_id,
            "items": [
                {
                    "action_id": row["item"].action_id,
                    "owner": row["item"].owner,
                    "target": row["item"].texts("target"),
                    "target_progress": row["item"].target_progress,
                    "reached": row["reached"],
                    "met": row["met"],
                }
                for row in yearly.comparison(session, annual)
            ],
        }
    )


@blueprint.patch("/goals/<int(max=2147483647):goal_id>")
@api_write(messages=MESSAGES)
def move_goal(goal_id: int):
    require("plan.manage")
    session = db_session()
    goal = session.get(Goal, goal_id)
    if goal is None:
        return problem(404, _("Not found."))
    require("plan.manage", goal)
    values = json_object()
    if "parent_id" not in values:
        raise Invalid({"parent_id": "required"})
    parent = values["parent_id"]
    if parent is not None and (not isinstance(parent, int) or isinstance(parent, bool)):
        raise Invalid({"parent_id": "type"})
    plans.move_goal(session, goal, parent)
    session.commit()
    return get_goal(goal_id)


@blueprint.post("/goals/<int(max=2147483647):goal_id>/actions")
@api_write(messages=MESSAGES)
def create_action(goal_id: int):
    require("plan.add_action")
    session = db_session()
    goal = session.get(Goal, goal_id)
    if goal is None or not goal.takes_actions:
        return problem(404, _("Not found."))
    require("plan.add_action", goal)
    values = json_object()
    principal = current()
    if not can(principal, "plan.manage", goal):
        values["authority"] = principal.authority
    action = plans.create_action(
        session, goal, values, current_app.config["CONCERTO"]["action_statuses"]
    )
    session.commit()
    response = jsonify(body_of_action(action))
    response.status_code = 201
    response.headers["ETag"] = etag(action)
    return response


@blueprint.get("/plan-actions/<int(max=2147483647):action_id>")
def get_action(action_id: int):
    action = db_session().get(PlanAction, action_id)
    if action is None:
        return problem(404, _("Not found."))
    response = jsonify(body_of_action(action))
    response.headers["ETag"] = etag(action)
    return response


@blueprint.patch("/plan-actions/<int(max=2147483647):action_id>")
@api_write(messages=MESSAGES, current=_current_action)
def patch_action(action_id: int):
    session = db_session()
    action = session.get(PlanAction, action_id)
    if action is None:
        return problem(404, _("Not found."))
    require("plan.edit_action", action)
    values = json_object()
    if "authority" in values and not can(current(), "plan.manage", action.goal):
        return problem(403, _("The lead changes through the secretariat."))
    plans.update_action(
        session,
        action,
        values,
        current_app.config["CONCERTO"]["action_statuses"],
        expected_version(),
    )
    session.commit()
    return get_action(action_id)


@blueprint.get("/plans/<code>/dashboard")
def dashboard(code: str):
    plan = _plan_or_none(code)
    if plan is None:
        return problem(404, _("Not found."))
    figures = plans.dashboard(db_session(), plan, in_brussels(utcnow()).date())
    return jsonify(
        {
            "goals": [
                {"code": r["goal"].code, "progress": r["progress"], "actions": r["actions"]}
                for r in figures["goals"]
            ],
            "authorities": figures["authorities"],
            "overdue": [a.id for a in figures["overdue"]],
        }
    )


# --- the yearly cycle ------------------------------------------------------------------------


def _yearly_answer(step, status: int = 200):
    """Run one step of the yearly cycle with the write's body and answer with its result
    (the refusals are answered by ``api_write``)."""
    body = step(db_session(), json_object())
    db_session().commit()
    response = jsonify(body)
    response.status_code = status
    return response


@blueprint.post("/plans/<code>/years/<int(min=2000, max=2100):year>/items")
@api_write(messages=MESSAGES)
def add_annual_item(code: str, year: int):
    require("plan.manage")
    plan = _plan_or_none(code)
    if plan is None:
        return problem(404, _("Not found."))
    require("plan.manage", plan)

    def step(session, values):
        item = yearly.add_item(
            session, yearly.annual_plan(session, plan, year, create=True), values
        )
        return {"id": item.id, "action_id": item.action_id, "target_progress": item.target_progress}

    return _yearly_answer(step, 201)


@blueprint.post("/plans/<code>/years/<int(min=2000, max=2100):year>/adopt")
@api_write(messages=MESSAGES)
def adopt_annual_plan(code: str, year: int):
    require("plan.manage")
    plan = _plan_or_none(code)
    annual = yearly.annual_plan(db_session(), plan, year) if plan else None
    if annual is None:
        return problem(404, _("Not found."))
    require("plan.manage", plan)

    def step(session, values):
        yearly.adopt(session, annual, values.get("decision_id"))
        return {
            "year": year,
            "adopted": True,
            "decision_id": annual.decision_id,
            "meeting_id": annual.meeting_id,
        }

    return _yearly_answer(step)


@blueprint.post("/goals/<int(max=2147483647):goal_id>/indicators")
@api_write(messages=MESSAGES)
def add_indicator(goal_id: int):
    require("plan.manage")
    goal = db_session().get(Goal, goal_id)
    if goal is None:
        return problem(404, _("Not found."))
    require("plan.manage", goal)
    return _yearly_answer(
        lambda session, values: {"id": yearly.add_indicator(session, goal, values).id}, 201
    )


@blueprint.put(
    "/indicators/<int(max=2147483647):indicator_id>/values/<int(min=2000, max=2100):year>"
)
@api_write(messages=MESSAGES)
def set_indicator_value(indicator_id: int, year: int):
    require("plan.manage")
    indicator = db_session().get(Indicator, indicator_id)
    if indicator is None:
        return problem(404, _("Not found."))
    require("plan.manage", db_session().get(Goal, indicator.goal_id))

    def step(session, values):
        row = yearly.set_value(session, indicator, values | {"year": year})
        return {"year": row.year, "target": row.target, "actual": row.actual}

    return _yearly_answer(step)


@blueprint.post("/goals/<int(max=2147483647):goal_id>/evaluations")
@api_write(messages=MESSAGES)
def evaluate(goal_id: int):
    require("plan.manage")
    goal = db_session().get(Goal, goal_id)
    if goal is None:
        return problem(404, _("Not found."))
    require("plan.manage", goal)

    def step(session, values):
        found = yearly.evaluate(session, goal, values)
        return {"id": found.id, "year": found.year, "rating": found.rating}

    return _yearly_answer(step, 201)


@blueprint.post("/evaluations/<int(max=2147483647):evaluation_id>/approve")
@api_write(messages=MESSAGES)
def approve_evaluation(evaluation_id: int):
    require("plan.manage")
    evaluation = db_session().get(Evaluation, evaluation_id)
    if evaluation is None:
        return problem(404, _("Not found."))
    require("plan.manage", db_session().get(Goal, evaluation.goal_id))

    def step(session, values):
        yearly.approve_evaluation(session, evaluation, values.get("decision_id"))
        return {"id": evaluation.id, "approved": True, "meeting_id": evaluation.meeting_id}

    return _yearly_answer(step)
