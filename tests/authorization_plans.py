"""The authorization matrix's writes on the plans: the committee's strategic plan and the
Flemish plan (actions, goals, indicators, links between goals, imports), annual plans,
indicators' figures and evaluations, through pages and the API.
"""

from __future__ import annotations

from sqlalchemy import select

from core.goals.models import (
    AnnualPlan,
    AnnualPlanItem,
    Evaluation,
    Goal,
    GoalLink,
    Indicator,
    IndicatorValue,
    Plan,
    PlanAction,
)
from core.meetings.models import (
    Decision,
)
from tests.authorization_people import (
    Write,
    api_request,
    first_of,
    is_secretariat,
)


def _operational_goal(app, code: str = "4.3", plan: str = "brussels_2014_2019") -> Goal:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(Goal).join(Plan).where(Plan.code == plan, Goal.code == code))


def _add_plan_action(client, app, who, csrf):
    return client.post(
        f"/goals/{_operational_goal(app).id}/actions/new",
        data={
            "csrf_token": csrf,
            "title_nl": f"actie van {who.label}",
            "term": "najaar 2026",
            "status": "planned",
            "authority": "cocom",
        },
    )


def _plan_action_added(app, who):
    with app.extensions["concerto.db"].session() as db:
        return (
            db.scalar(select(PlanAction).where(PlanAction.title_nl == f"actie van {who.label}"))
            is not None
        )


def _vlaams_plan_action(app) -> PlanAction:
    """A step of the Flemish plan 2015-2020, which the Flemish plugin ships (issue 24)."""
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(
            select(PlanAction).where(PlanAction.authority_code == "vlaams").order_by(PlanAction.id)
        )


# The Flemish plan is the Flemish Community's (issue 24): its coordinators keep it, its goals,
# their steps and links to other plans' goals; the secretariat keeps the committee's plan.
FLEMISH_PLAN = "vlaams_2015_2020"


def _import_flemish_goals(client, app, who, csrf):
    import io

    text = "code,kind,title_nl\n" + f"20,goal,vlaams geïmporteerd {who.label}\n"
    return client.post(
        f"/plans/{FLEMISH_PLAN}/import",
        data={"csrf_token": csrf, "file": (io.BytesIO(text.encode()), "goals.csv")},
        content_type="multipart/form-data",
    )


def _flemish_goal_imported(app, who):
    return first_of(app, Goal, Goal.title_nl == f"vlaams geïmporteerd {who.label}") is not None


def _add_flemish_step(client, app, who, csrf):
    return client.post(
        f"/goals/{_operational_goal(app, '7', FLEMISH_PLAN).id}/actions/new",
        data={
            "csrf_token": csrf,
            "title_nl": f"stap van {who.label}",
            "lead_text": "VAPH",
            "term": "najaar 2026",
            "status": "planned",
            "milestone_nl": "klaar",
        },
    )


def _flemish_step_added(app, who):
    return first_of(app, PlanAction, PlanAction.title_nl == f"stap van {who.label}") is not None


def _flemish_indicator(client, app, who, csrf):
    return client.post(
        f"/goals/{_operational_goal(app, '4', FLEMISH_PLAN).id}/indicators",
        data={"csrf_token": csrf, "name_nl": f"vlaamse indicator van {who.label}"},
    )


def _flemish_indicator_added(app, who):
    return (
        first_of(app, Indicator, Indicator.name_nl == f"vlaamse indicator van {who.label}")
        is not None
    )


def _link(source: tuple[str, str], target: tuple[str, str]):
    def attempt(client, app, who, csrf):
        return client.post(
            f"/goals/{_operational_goal(app, source[1], source[0]).id}/links",
            data={
                "csrf_token": csrf,
                "target_id": _operational_goal(app, target[1], target[0]).id,
                "note": f"bijdrage {source[0]} van {who.label}",
            },
        )

    return attempt


def _linked(plan: str):
    def changed(app, who):
        note = f"bijdrage {plan} van {who.label}"
        return first_of(app, GoalLink, GoalLink.note == note) is not None

    return changed


def _unlink_flemish(client, app, who, csrf):
    link = first_of(app, GoalLink)  # the demo's Flemish goal 1 contributing to 3.2
    return client.post(f"/goal-links/{link.id}/delete", data={"csrf_token": csrf})


def _flemish_unlinked(app, who):
    return first_of(app, GoalLink) is None or first_of(app, GoalLink).note != (
        "Het hulp- en dienstverleningsplan ondersteunt het detentietraject."
    )


def _edit_vlaams_plan_action(client, app, who, csrf):
    action = _vlaams_plan_action(app)
    return client.post(
        f"/plan-actions/{action.id}",
        data={
            "csrf_token": csrf,
            "version": action.version,
            "title_nl": action.title_nl,
            "term": action.term_text,
            "status": action.status,
            "progress": "",
            "weight": action.weight,
            "lead_text": f"page lead {who.label}",
        },
    )


def _patch_vlaams_plan_action(client, app, who, csrf):
    action = _vlaams_plan_action(app)
    token = getattr(client, "api_token", None)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.patch(
        f"/api/v1/plan-actions/{action.id}",
        json={"lead_text": f"api lead {who.label}"},
        headers=headers | {"If-Match": f'"{action.version}"'},
    )


def _plan_action_led_by(prefix: str):
    def changed(app, who):
        return _vlaams_plan_action(app).lead_text == f"{prefix} lead {who.label}"

    return changed


def _move_goal(client, app, who, csrf):
    token = getattr(client, "api_token", None)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    goal = _operational_goal(app, "6.2")
    target = _operational_goal(app, "5")
    return client.patch(f"/api/v1/goals/{goal.id}", json={"parent_id": target.id}, headers=headers)


def _goal_moved(app, who):
    return _operational_goal(app, "6.2").parent_id == _operational_goal(app, "5").id


def _create_plan(client, app, who, csrf):
    return client.post(
        "/plans/new",
        data={
            "csrf_token": csrf,
            "code": "matrix_plan",
            "start_year": "2030",
            "end_year": "2034",
            "title_nl": f"plan van {who.label}",
            "title_fr": f"plan de {who.label}",
        },
    )


def _plan_created(app, who):
    from core.goals.models import Plan

    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(Plan).where(Plan.code == "matrix_plan")) is not None


def _add_indicator(client, app, who, csrf):
    return client.post(
        f"/goals/{_operational_goal(app).id}/indicators",
        data={"csrf_token": csrf, "name_nl": f"indicator van {who.label}", "source": "open_needs"},
    )


def _indicator_added(app, who):
    with app.extensions["concerto.db"].session() as db:
        return (
            db.scalar(select(Indicator).where(Indicator.name_nl == f"indicator van {who.label}"))
            is not None
        )


def _committee_action_id(db) -> int:
    """The first action of the committee's plan (the Flemish plan's steps come before it)."""
    return db.scalar(
        select(PlanAction.id)
        .join(Goal, PlanAction.goal_id == Goal.id)
        .join(Plan, Goal.plan_id == Plan.id)
        .where(Plan.code == "brussels_2014_2019")
        .order_by(PlanAction.id)
    )


def _plan_the_year(client, app, who, csrf):
    with app.extensions["concerto.db"].session() as db:
        action_id = _committee_action_id(db)
    return client.post(
        "/plans/brussels_2014_2019/years/2031/items",
        data={"csrf_token": csrf, "action_id": action_id, "owner": who.label},
    )


def _year_planned(app, who):
    with app.extensions["concerto.db"].session() as db:
        return (
            db.scalar(select(AnnualPlanItem).where(AnnualPlanItem.owner == who.label)) is not None
        )


def _approved_decision_id(app) -> int:
    return first_of(app, Decision).id


def _annual_2032(app, year: int = 2032):
    """An annual plan with one action, made directly, for the steps that follow it."""
    from core.goals import yearly as cycle

    with app.extensions["concerto.db"].session() as db:
        plan = db.scalar(select(Plan).where(Plan.code == "brussels_2014_2019"))
        annual = cycle.annual_plan(db, plan, year, create=True)
        if not annual.items:
            cycle.add_item(db, annual, {"action_id": _committee_action_id(db)})
        return annual.id


def _adopt(channel: str):
    def attempt(client, app, who, csrf):
        _annual_2032(app)
        path = "/plans/brussels_2014_2019/years/2032/adopt"
        if channel == "api":
            return api_request(
                client, "POST", f"/api/v1{path}", {"decision_id": _approved_decision_id(app)}
            )
        return client.post(
            path, data={"csrf_token": csrf, "decision_id": _approved_decision_id(app)}
        )

    return attempt


def _adopted(app, who):
    annual = first_of(app, AnnualPlan, AnnualPlan.year == 2032)
    return annual is not None and annual.adopted_at is not None


def _remove_annual_item(client, app, who, csrf):
    item = first_of(app, AnnualPlanItem, AnnualPlanItem.annual_plan_id == _annual_2032(app, 2034))
    return client.post(f"/annual-items/{item.id}/delete", data={"csrf_token": csrf})


def _annual_item_removed(app, who):
    annual = first_of(app, AnnualPlan, AnnualPlan.year == 2034)
    return first_of(app, AnnualPlanItem, AnnualPlanItem.annual_plan_id == annual.id) is None


def _set_value(channel: str):
    def attempt(client, app, who, csrf):
        indicator = first_of(app, Indicator, Indicator.source == "published_services")
        if channel == "api":
            return api_request(
                client,
                "PUT",
                f"/api/v1/indicators/{indicator.id}/values/2031",
                {"target": len(who.label)},
            )
        return client.post(
            f"/indicators/{indicator.id}/values",
            data={"csrf_token": csrf, "year": "2031", "target": len(who.label)},
        )

    return attempt


def _value_set(app, who):
    value = first_of(app, IndicatorValue, IndicatorValue.year == 2031)
    return value is not None and value.target == len(who.label)


def _evaluate(channel: str):
    def attempt(client, app, who, csrf):
        goal = _operational_goal(app, "2.1")
        body = {
            "year": "2030",
            "rating": "partly",
            "assessment_nl": f"evaluatie {channel} {who.label}",
        }
        if channel == "api":
            return api_request(client, "POST", f"/api/v1/goals/{goal.id}/evaluations", body)
        return client.post(f"/goals/{goal.id}/evaluations", data={"csrf_token": csrf, **body})

    return attempt


def _evaluated(channel: str):
    def changed(app, who):
        return (
            first_of(
                app, Evaluation, Evaluation.assessment_nl == f"evaluatie {channel} {who.label}"
            )
            is not None
        )

    return changed


def _approve_evaluation(channel: str):
    def attempt(client, app, who, csrf):
        from core.goals import yearly as cycle

        goal = _operational_goal(app, "3.1")
        with app.extensions["concerto.db"].session() as db:
            found = cycle.evaluate(
                db,
                db.get(Goal, goal.id),
                {
                    "year": 2029 if channel == "page" else 2028,
                    "rating": "achieved",
                    "assessment_fr": "ok",
                },
            )
            evaluation_id = found.id
        body = {"decision_id": _approved_decision_id(app)}
        if channel == "api":
            return api_request(client, "POST", f"/api/v1/evaluations/{evaluation_id}/approve", body)
        return client.post(
            f"/evaluations/{evaluation_id}/approve", data={"csrf_token": csrf, **body}
        )

    return attempt


def _evaluation_approved(year: int):
    def changed(app, who):
        found = first_of(app, Evaluation, Evaluation.year == year)
        return found is not None and found.approved_at is not None

    return changed


def _import_goals(client, app, who, csrf):
    import io

    text = "code;parent;kind;title_nl;title_fr\n" + f"9;;result;geïmporteerd {who.label};importé\n"
    return client.post(
        "/plans/brussels_2014_2019/import",
        data={"csrf_token": csrf, "file": (io.BytesIO(text.encode()), "goals.csv")},
        content_type="multipart/form-data",
    )


def _goals_imported(app, who):
    return first_of(app, Goal, Goal.title_nl == f"geïmporteerd {who.label}") is not None


def _api_add_plan_action(client, app, who, csrf):
    return api_request(
        client,
        "POST",
        f"/api/v1/goals/{_operational_goal(app).id}/actions",
        {"title_nl": f"api-actie van {who.label}", "term": "eind 2026", "authority": "cocom"},
    )


def _api_plan_action_added(app, who):
    return (
        first_of(app, PlanAction, PlanAction.title_nl == f"api-actie van {who.label}") is not None
    )


def _api_add_indicator(client, app, who, csrf):
    return api_request(
        client,
        "POST",
        f"/api/v1/goals/{_operational_goal(app).id}/indicators",
        {"name_fr": f"api indicateur {who.label}"},
    )


def _api_indicator_added(app, who):
    return first_of(app, Indicator, Indicator.name_fr == f"api indicateur {who.label}") is not None


def _api_plan_the_year(client, app, who, csrf):
    with app.extensions["concerto.db"].session() as db:
        action_id = _committee_action_id(db)
    return api_request(
        client,
        "POST",
        "/api/v1/plans/brussels_2014_2019/years/2033/items",
        {"action_id": action_id, "owner": f"api {who.label}"},
    )


def _api_year_planned(app, who):
    return first_of(app, AnnualPlanItem, AnnualPlanItem.owner == f"api {who.label}") is not None


PLAN_WRITES = [
    Write(
        "add an action to the strategic plan (page)",
        lambda who: is_secretariat(who) or "coordinator" in who.roles,
        _add_plan_action,
        _plan_action_added,
    ),
    Write(
        "update a step of the Flemish plan (page)",
        lambda who: "coordinator" in who.roles and who.authority == "vlaams",
        _edit_vlaams_plan_action,
        _plan_action_led_by("page"),
    ),
    Write(
        "update a step of the Flemish plan (API token)",
        lambda who: "coordinator" in who.roles and who.authority == "vlaams",
        _patch_vlaams_plan_action,
        _plan_action_led_by("api"),
    ),
    Write(
        "import goals into the Flemish plan (page)",
        lambda who: "coordinator" in who.roles and who.authority == "vlaams",
        _import_flemish_goals,
        _flemish_goal_imported,
    ),
    Write(
        "add a step with a milestone to a goal of the Flemish plan (page)",
        lambda who: "coordinator" in who.roles and who.authority == "vlaams",
        _add_flemish_step,
        _flemish_step_added,
    ),
    Write(
        "add an indicator to a goal of the Flemish plan (page)",
        lambda who: "coordinator" in who.roles and who.authority == "vlaams",
        _flemish_indicator,
        _flemish_indicator_added,
    ),
    Write(
        "say a Flemish goal contributes to a Brussels goal (page)",
        lambda who: "coordinator" in who.roles and who.authority == "vlaams",
        _link((FLEMISH_PLAN, "14"), ("brussels_2014_2019", "1.2")),
        _linked(FLEMISH_PLAN),
    ),
    Write(
        "say a Brussels goal contributes to a Flemish goal (page)",
        is_secretariat,
        _link(("brussels_2014_2019", "6.1"), (FLEMISH_PLAN, "5")),
        _linked("brussels_2014_2019"),
    ),
    Write(
        "take away a Flemish goal's contribution (page)",
        lambda who: "coordinator" in who.roles and who.authority == "vlaams",
        _unlink_flemish,
        _flemish_unlinked,
    ),
    Write("move a goal in the plan (API token)", is_secretariat, _move_goal, _goal_moved),
    Write("add an indicator to a goal (page)", is_secretariat, _add_indicator, _indicator_added),
    Write("plan an action for a year (page)", is_secretariat, _plan_the_year, _year_planned),
    # a coordinator's new plan is their authority's own (issue 24)
    Write(
        "create a plan (page)",
        lambda who: is_secretariat(who) or "coordinator" in who.roles,
        _create_plan,
        _plan_created,
    ),
    Write("adopt an annual plan (page)", is_secretariat, _adopt("page"), _adopted),
    Write(
        "take an action out of an annual plan (page)",
        is_secretariat,
        _remove_annual_item,
        _annual_item_removed,
    ),
    Write("enter an indicator's figures (page)", is_secretariat, _set_value("page"), _value_set),
    Write("write an evaluation (page)", is_secretariat, _evaluate("page"), _evaluated("page")),
    Write(
        "approve an evaluation (page)",
        is_secretariat,
        _approve_evaluation("page"),
        _evaluation_approved(2029),
    ),
    Write("import goals (page)", is_secretariat, _import_goals, _goals_imported),
    Write(
        "add an action to the strategic plan (API token)",
        lambda who: is_secretariat(who) or "coordinator" in who.roles,
        _api_add_plan_action,
        _api_plan_action_added,
    ),
    Write("add an indicator (API token)", is_secretariat, _api_add_indicator, _api_indicator_added),
    Write(
        "plan an action for a year (API token)",
        is_secretariat,
        _api_plan_the_year,
        _api_year_planned,
    ),
    Write(
        "enter an indicator's figures (API token)", is_secretariat, _set_value("api"), _value_set
    ),
    Write("write an evaluation (API token)", is_secretariat, _evaluate("api"), _evaluated("api")),
    Write("adopt an annual plan (API token)", is_secretariat, _adopt("api"), _adopted),
    Write(
        "approve an evaluation (API token)",
        is_secretariat,
        _approve_evaluation("api"),
        _evaluation_approved(2028),
    ),
]
