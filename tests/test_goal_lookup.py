"""One goal lookup (issue 20): a goal code means the goal of the current plan (the plan whose
years include today, else the latest), whoever reads it: an agenda's links ("goal:1.3") on
the page and through the API, a decision's and an action item's goal, a need's goal, a
workshop report's goals. With three plans that all have a goal 1.3, each of them must
find the running plan's, never the oldest (the agenda's old parser) nor the newest (the
goal field's old reading)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.goals.exchange import create_plan, import_goals
from core.goals.lookup import current_plan, goal_by_code, goal_id
from core.goals.models import Goal, Plan
from core.inventory.models import Need
from core.meetings import services as meetings
from core.meetings.models import ActionItem, AgendaItem, Decision, Meeting, Minutes
from core.studyday.models import Workshop
from tests.conftest import make_app
from tests.logins import api_token, csrf_token, login_as

TODAY = date.today()
# The seeded plan is brussels_2014_2019; a running one and one that starts after it.
RUNNING = ("brussels_running", TODAY.year - 1, TODAY.year + 3)
NEXT = ("brussels_next", TODAY.year + 4, TODAY.year + 8)


def _add_plan(db, code: str, start: int, end: int) -> Plan:
    plan = create_plan(
        db,
        {
            "code": code,
            "start_year": start,
            "end_year": end,
            "title_nl": f"Plan {code}",
            "title_fr": f"Plan {code}",
        },
    )
    import_goals(
        db,
        plan,
        [
            {"code": "1", "kind": "result", "title_nl": f"Doel 1 {code}", "title_fr": "But 1"},
            {"code": "1.1", "parent": "1", "title_nl": f"Doel 1.1 {code}", "title_fr": "1.1"},
            {"code": "1.3", "parent": "1", "title_nl": f"Doel 1.3 {code}", "title_fr": "1.3"},
        ],
    )
    return plan


def _goal_ids(app) -> dict[str, int]:
    """Goal 1.3 of each plan, by plan code."""
    with app.extensions["concerto.db"].session() as db:
        return {
            code: goal_id
            for code, goal_id in db.execute(
                select(Plan.code, Goal.id)
                .join(Goal, Goal.plan_id == Plan.id)
                .where(Goal.code == "1.3")
            )
        }


@pytest.fixture
def three_plans(database_url, providers):
    app = make_app(database_url, **providers.settings())
    with app.extensions["concerto.db"].session() as db:
        # The running plan is made last and the next one first, so neither the oldest nor
        # the highest id nor the latest start points at it by chance.
        _add_plan(db, *NEXT)
        _add_plan(db, *RUNNING)
    yield app, _goal_ids(app)
    app.extensions["concerto.db"].engine.dispose()


def test_the_current_plan_is_the_one_running_today_else_the_latest(three_plans):
    app, goals = three_plans
    assert set(goals) == {"brussels_2014_2019", RUNNING[0], NEXT[0]}
    with app.extensions["concerto.db"].session() as db:
        assert current_plan(db).code == RUNNING[0]
        assert current_plan(db, date(2016, 5, 1)).code == "brussels_2014_2019"
        # No plan runs in 2000 nor in 2090: the latest is the current one.
        assert current_plan(db, date(2000, 1, 1)).code == NEXT[0]
        assert current_plan(db, date(2090, 1, 1)).code == NEXT[0]
        assert goal_by_code(db, "1.3").id == goals[RUNNING[0]]
        assert goal_by_code(db, "1.3", date(2017, 1, 1)).id == goals["brussels_2014_2019"]
        # A number is a goal's id in whichever plan; a code no plan has is nothing.
        assert goal_id(db, str(goals[NEXT[0]])) == goals[NEXT[0]]
        assert goal_id(db, "9.9") is None
        # A record that links to an older plan's 1.3 keeps it when its form gives "1.3" back.
        old = db.get(Goal, goals["brussels_2014_2019"])
        assert goal_id(db, "1.3", keep=old) == old.id
        assert db.get(Goal, goal_id(db, "1.1", keep=old)).plan.code == RUNNING[0]
        # Goal 4.3 is only in the 2014 plan: the current plan has none.
        assert goal_id(db, "4.3") is None


def test_goal_1_3_is_the_current_plans_goal_everywhere(three_plans):
    app, goals = three_plans
    wanted = goals[RUNNING[0]]
    client = app.test_client()
    login_as(client, app, "secretary")
    csrf = csrf_token(client, "/meetings")
    with app.extensions["concerto.db"].session() as db:
        planned = db.scalar(select(Meeting.id).where(Meeting.state == "planned").limit(1))
        held = db.scalar(
            select(Meeting.id)
            .where(Meeting.state == "held", Meeting.series_id.is_not(None))
            .order_by(Meeting.starts_at.desc())
            .limit(1)
        )
        workshop_id = db.scalar(select(Workshop.id).order_by(Workshop.id.desc()).limit(1))

    # The agenda's links, on the page and through the API.
    added = client.post(
        f"/meetings/{planned}/items",
        data={
            "csrf_token": csrf,
            "purpose": "information",
            "title_nl": "Opvolging doel 1.3",
            "links": "goal:1.3",
        },
    )
    assert added.status_code == 302, added.get_data(as_text=True)[:500]
    token = api_token(app, "cocom-secretariaat")
    by_api = client.post(
        f"/api/v1/meetings/{planned}/agenda",
        json={"title_nl": "Doel 1.3 via de API", "links": "goal:1.3"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert by_api.status_code == 201, by_api.get_data(as_text=True)
    with app.extensions["concerto.db"].session() as db:
        items = db.scalars(
            select(AgendaItem).where(
                AgendaItem.title_nl.in_(("Opvolging doel 1.3", "Doel 1.3 via de API"))
            )
        ).all()
        assert sorted(item.links[0]["id"] for item in items) == [wanted, wanted]

    # A decision's and an action item's goal, in the minutes of the last meeting held.
    assert client.post(
        f"/meetings/{held}/minutes/start", data={"csrf_token": csrf}
    ).status_code in (302, 303)
    with app.extensions["concerto.db"].session() as db:
        minutes_id = db.scalar(select(Minutes.id).where(Minutes.meeting_id == held))
        held_item = next(item.id for _n, item, _d in meetings.agenda(db.get(Meeting, held)))
    decided = client.post(
        f"/minutes/{minutes_id}/decisions",
        data={
            "csrf_token": csrf,
            "item_id": held_item,
            "text_nl": "Besluit bij doel 1.3",
            "goal": "1.3",
        },
    )
    assert decided.status_code == 302, decided.get_data(as_text=True)[:500]
    acted = client.post(
        f"/minutes/{minutes_id}/actions",
        data={
            "csrf_token": csrf,
            "item_id": held_item,
            "title_nl": "Actie bij doel 1.3",
            "owner_name": "Lotte Peeters",
            "authority": "vlaams",
            "due_on": (TODAY + timedelta(days=30)).isoformat(),
            "goal": "1.3",
        },
    )
    assert acted.status_code == 302, acted.get_data(as_text=True)[:500]
    with app.extensions["concerto.db"].session() as db:
        decision = db.scalar(select(Decision).where(Decision.text_nl == "Besluit bij doel 1.3"))
        action = db.scalar(select(ActionItem).where(ActionItem.title_nl == "Actie bij doel 1.3"))
        assert (decision.goal_id, action.goal_id) == (wanted, wanted)

    # A need signalled through the API, then changed on its page.
    signalled = client.post(
        "/api/v1/needs",
        json={
            "prison": "haren",
            "domain": "education_training",
            "description_nl": "Nood bij doel 1.3",
            "goal": "1.3",
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert signalled.status_code == 201, signalled.get_data(as_text=True)
    assert signalled.get_json()["goal_id"] == wanted

    # A need linked to the 2014 plan's 1.3 stays there when its form gives "1.3" back
    # unchanged, and moves when another code is typed.
    with app.extensions["concerto.db"].session() as db:
        need = db.scalar(select(Need).where(Need.authority_code == "cocom").order_by(Need.id))
        need.goal_id = goals["brussels_2014_2019"]
        need_id = need.id
        form = {
            "prison": need.prison_code,
            "domain": need.domain_code,
            "target_group": need.target_group or "",
            "language": need.language or "",
            "description_nl": need.description_nl or "",
            "description_fr": need.description_fr or "",
            "status": need.status,
            "services": " ".join(str(s.id) for s in need.services),
        }
    page = client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert 'name="goal" type="text" value="1.3"' in page
    csrf = csrf_token(client, f"/needs/{need_id}")
    kept = client.post(f"/needs/{need_id}", data={"csrf_token": csrf, **form, "goal": "1.3"})
    assert kept.status_code == 302, kept.get_data(as_text=True)[:800]
    with app.extensions["concerto.db"].session() as db:
        assert db.get(Need, need_id).goal_id == goals["brussels_2014_2019"]
    moved = client.post(f"/needs/{need_id}", data={"csrf_token": csrf, **form, "goal": "1.1"})
    assert moved.status_code == 302
    with app.extensions["concerto.db"].session() as db:
        assert db.get(Need, need_id).goal.plan.code == RUNNING[0]

    # A workshop report: its picker's search offers the running plan's goals only, and a goal
    # given by its code is the running plan's.
    path = f"/workshops/{workshop_id}/report"
    found = client.get(
        "/links/search", query_string={"q": "1.3", "kinds": "goal"}, headers={"HX-Request": "1"}
    ).get_data(as_text=True)
    assert f'data-link-value="goal:{wanted}"' in found
    assert f'data-link-value="goal:{goals[NEXT[0]]}"' not in found
    assert f'data-link-value="goal:{goals["brussels_2014_2019"]}"' not in found
    saved = client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "text_nl": "Verslag", "goals": ["1.3"]},
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:800]
    with app.extensions["concerto.db"].session() as db:
        assert [g.id for g in db.get(Workshop, workshop_id).report.goals] == [wanted]
