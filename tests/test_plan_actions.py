"""The strategic plan's actions: terms as the plans write them, read into dates and shown in
the reader's language; statuses with their default progress; progress weighted up the goal
tree; circles refused; the goal page with everything linked to it; the dashboard and its
spreadsheet; the same in the API."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.goals import terms
from core.goals.models import Goal, Plan, PlanAction
from tests.forms import check_summary
from tests.logins import api_token, csrf_token, login_as

PLAN = "brussels_2014_2019"


@pytest.mark.parametrize(
    "written,kind,start,end",
    [
        ("najaar 2026", "season", date(2026, 9, 1), date(2026, 11, 30)),
        ("Najaar 2015", "season", date(2015, 9, 1), date(2015, 11, 30)),
        ("1ste semester 2016", "half", date(2016, 1, 1), date(2016, 6, 30)),
        ("2de semester 2016", "half", date(2016, 7, 1), date(2016, 12, 31)),
        ("eind 2017", "part", date(2017, 10, 1), date(2017, 12, 31)),
        ("2015-2019", "range", date(2015, 1, 1), date(2019, 12, 31)),
        ("Juni 2015", "month", date(2015, 6, 1), date(2015, 6, 30)),
        ("automne 2026", "season", date(2026, 9, 1), date(2026, 11, 30)),
        ("1er semestre 2016", "half", date(2016, 1, 1), date(2016, 6, 30)),
        ("fin 2017", "part", date(2017, 10, 1), date(2017, 12, 31)),
        ("début 2016", "part", date(2016, 1, 1), date(2016, 3, 31)),
        ("T3 2016", "quarter", date(2016, 7, 1), date(2016, 9, 30)),
        ("février 2016", "month", date(2016, 2, 1), date(2016, 2, 29)),
        ("winter 2016", "season", date(2016, 12, 1), date(2017, 2, 28)),
        ("doorlopend", "ongoing", None, None),
        ("en continu", "ongoing", None, None),
    ],
)
def test_terms_are_read_into_date_ranges(written, kind, start, end):
    term = terms.parse(written)
    assert (term.kind, term.start, term.end) == (kind, start, end)


def test_terms_are_shown_back_in_the_readers_language():
    term = terms.parse("najaar 2026")
    assert [terms.show(term, lang) for lang in ("nl", "fr", "en")] == [
        "najaar 2026", "automne 2026", "autumn 2026"]  # fmt: skip
    half = terms.parse("1er semestre 2027")
    assert terms.show(half, "nl") == "1ste semester 2027"
    assert terms.show(terms.parse("eind 2027"), "fr") == "fin 2027"
    assert terms.show(terms.parse("en continu"), "nl") == "doorlopend"


@pytest.mark.parametrize(
    "written", ["soon", "najaar", "2019-2015", "1999", "3de semester 2016", ""]
)
def test_unknown_terms_are_refused(written):
    with pytest.raises(terms.TermError):
        terms.parse(written)


def _goal(app, code: str) -> Goal:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(Goal).join(Plan).where(Plan.code == PLAN, Goal.code == code))


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_a_refused_action_sums_up_its_errors_by_label_and_keeps_the_input(app, client, language):
    goal = _goal(app, "4.3")
    login_as(client, app, ("vlaams", "coordinator"))
    client.get(f"/language/{language}")
    form = {
        "csrf_token": csrf_token(client, f"/goals/{goal.id}/actions/new"),
        "title_nl": "Iets",
        "title_fr": "Quelque chose",
        "term": "binnenkort",
        "progress": "140",
        "status": "started",
        "involved": "CAW; SAJ",
    }
    refused = client.post(f"/goals/{goal.id}/actions/new", data=form)
    assert refused.status_code == 422
    page = check_summary(refused.get_data(as_text=True), absent=("term:", "progress:"))
    assert {"#f-term", "#f-progress"} <= {href for href, _ in page.links}
    for name in ("title_nl", "title_fr", "term", "progress", "status", "involved"):
        assert page.values[name] == [form[name]], name


def test_a_coordinator_adds_an_action_for_their_own_authority(app, client):
    goal = _goal(app, "4.3")
    login_as(client, app, ("vlaams", "coordinator"))
    csrf = csrf_token(client, f"/goals/{goal.id}/actions/new")
    refused = client.post(
        f"/goals/{goal.id}/actions/new",
        data={
            "csrf_token": csrf,
            "title_nl": "Iets",
            "term": "binnenkort",
            "progress": "140",
            "status": "started",
        },
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "This term cannot be read" in page and "najaar 2026" in page
    assert "from 0 to 100" in page
    made = client.post(
        f"/goals/{goal.id}/actions/new",
        data={
            "csrf_token": csrf,
            "title_nl": "Wachtlijsten in kaart brengen",
            "title_fr": "Cartographier les listes d'attente",
            "term": "najaar 2026",
            "status": "started",
            "authority": "cocom",
            "involved": "CAW; DG EPI",
        },
    )
    assert made.status_code == 302
    with app.extensions["concerto.db"].session() as db:
        action = db.scalar(
            select(PlanAction).where(PlanAction.title_nl == "Wachtlijsten in kaart brengen")
        )
        # Led by the coordinator's own authority, whatever the form said.
        assert action.authority_code == "vlaams"
        assert (action.starts_on, action.ends_on) == (date(2026, 9, 1), date(2026, 11, 30))
        assert action.progress == 20 and action.involved == ["CAW", "DG EPI"]
    client.get("/language/fr")
    page = client.get(f"/goals/{goal.id}").get_data(as_text=True)
    assert "automne 2026" in page and "Cartographier les listes d&#39;attente" in page


def test_progress_rolls_up_by_weight_and_status_sets_the_default(app):
    from core.goals import services as plans

    statuses = app.config["CONCERTO"]["action_statuses"]
    with app.extensions["concerto.db"].session() as db:
        plan = db.scalar(select(Plan).where(Plan.code == PLAN))
        goal = db.scalar(select(Goal).where(Goal.plan_id == plan.id, Goal.code == "5.1"))
        big = plans.create_action(
            db,
            goal,
            {
                "title_nl": "Groot",
                "term": "2026",
                "authority": "cocof",
                "status": "planned",
                "weight": 3,
            },
            statuses,
        )
        small = plans.create_action(
            db,
            goal,
            {"title_nl": "Klein", "term": "2026", "authority": "cocof", "status": "done"},
            statuses,
        )
        step_a = plans.create_action(
            db,
            goal,
            {
                "title_nl": "Stap a",
                "term": "2026",
                "authority": "cocof",
                "status": "done",
                "parent_id": big.id,
            },
            statuses,
        )
        plans.create_action(
            db,
            goal,
            {
                "title_nl": "Stap b",
                "term": "2026",
                "authority": "cocof",
                "status": "planned",
                "parent_id": big.id,
            },
            statuses,
        )
        progress = plans.progress_of(plan, plans.plan_actions(db, plan))
        assert progress.actions[big.id] == 50  # its two steps: 100 and 0
        assert progress.goals[goal.id] == (50 * 3 + 100 * 1) / 4
        strategic = db.get(Goal, goal.parent_id)
        assert progress.goals[strategic.id] is not None
        plans.update_action(db, step_a, {"status": "ongoing"}, statuses, None)
        assert step_a.progress == 50
        with pytest.raises(plans.Invalid) as refused:
            plans.update_action(db, big, {"parent_id": step_a.id}, statuses, None)
        assert refused.value.errors == {"parent_id": "cycle"}
        with pytest.raises(plans.Invalid) as bad:
            plans.update_action(db, small, {"progress": -1}, statuses, None)
        assert bad.value.errors == {"progress": "percent"}
        with pytest.raises(plans.Invalid) as circle:
            plans.move_goal(db, strategic, goal.id)
        assert circle.value.errors == {"parent_id": "cycle"}


def test_the_dashboard_and_its_spreadsheet_show_the_same_progress(app, client):
    page = client.get(f"/plans/{PLAN}/dashboard").get_data(as_text=True)
    assert "<svg" in page and "Progress per strategic goal" in page
    data = client.get(f"/plans/{PLAN}/dashboard.xlsx").data
    book = load_workbook(io.BytesIO(data))
    goals = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    api = client.get(f"/api/v1/plans/{PLAN}/dashboard").get_json()["goals"]
    assert [(row[0], row[3]) for row in goals] == [
        (g["code"], round(g["progress"], 1) if g["progress"] is not None else None) for g in api
    ]
    # goal 4: an action at 50 % and one at 20 % (goal 1's Flemish actions moved to the Flemish
    # plan, issue 24)
    assert dict((row[0], row[3]) for row in goals)["4"] == 35.0


def test_the_goal_page_shows_what_is_linked_to_it(app, client):
    goal = _goal(app, "1.3")
    page = client.get(f"/goals/{goal.id}").get_data(as_text=True)
    # The demo's committee linked goal 1.3 to a decision and to agenda items.
    assert "Decision" in page and "Agenda item" in page
    body = client.get(f"/api/v1/goals/{goal.id}").get_json()
    assert body["links"]["decisions"] and body["links"]["agenda_items"]


def test_actions_in_the_api_with_if_match(app, client):
    login_as(client, app, ("cocof", "coordinator"))
    secret = api_token(app, "cocof-camille", ["coordinator"])
    headers = {"Authorization": f"Bearer {secret}"}
    goal = _goal(app, "4.3")
    bad = client.post(
        f"/api/v1/goals/{goal.id}/actions",
        json={"title_fr": "x", "term": "bientôt"},
        headers=headers,
    )
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "term"
    made = client.post(
        f"/api/v1/goals/{goal.id}/actions",
        json={"title_fr": "Suivi", "term": "fin 2026", "status": "started"},
        headers=headers,
    )
    assert made.status_code == 201
    action = made.get_json()
    assert action["authority"] == "cocof" and action["term"]["ends_on"] == "2026-12-31"
    path = f"/api/v1/plan-actions/{action['id']}"
    etag = client.get(path).headers["ETag"]
    assert client.patch(path, json={"progress": 60}, headers=headers).status_code == 428
    changed = client.patch(path, json={"progress": 60}, headers=headers | {"If-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["progress"] == 60
    stale = client.patch(path, json={"progress": 70}, headers=headers | {"If-Match": etag})
    assert stale.status_code == 412
    other = client.get("/api/v1/plan-actions/1").get_json()
    assert other["authority"] != "cocof"
    refused = client.patch(
        "/api/v1/plan-actions/1",
        json={"progress": 1},
        headers=headers | {"If-Match": f'"{other["version"]}"'},
    )
    assert refused.status_code == 403


def test_a_need_linked_to_a_goal_appears_on_the_goals_page(app, client):
    from core.inventory.models import Need

    goal = _goal(app, "5.1")
    login_as(client, app, "secretary")
    with app.extensions["concerto.db"].session() as db:
        need = db.scalar(select(Need).order_by(Need.id))
        need_id, values = (
            need.id,
            {
                "prison": need.prison_code,
                "domain": need.domain_code,
                "description_nl": need.description_nl or "nood",
                "status": need.status,
            },
        )
    csrf = csrf_token(client, f"/needs/{need_id}")
    wrong = client.post(f"/needs/{need_id}", data={"csrf_token": csrf, **values, "goal": "9.9"})
    assert wrong.status_code == 422 and 'id="e-goal"' in wrong.get_data(as_text=True)
    linked = client.post(f"/needs/{need_id}", data={"csrf_token": csrf, **values, "goal": "5.1"})
    assert linked.status_code == 302
    assert f'href="/needs/{need_id}"' in client.get(f"/goals/{goal.id}").get_data(as_text=True)
    assert need_id in client.get(f"/api/v1/goals/{goal.id}").get_json()["links"]["needs"]


def test_plan_pages_make_as_many_queries_for_many_actions_as_for_few(app, client):
    from sqlalchemy import event

    from core.goals import services as plans

    goal = _goal(app, "4.3")
    paths = [
        f"/plans/{PLAN}",
        f"/plans/{PLAN}/dashboard",
        f"/goals/{goal.id}",
        f"/api/v1/plans/{PLAN}",
        f"/api/v1/goals/{goal.id}",
        f"/api/v1/plans/{PLAN}/dashboard",
    ]
    engine = app.extensions["concerto.db"].engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def measure() -> dict[str, int]:
        counts = {}
        for path in paths:
            statements.clear()
            assert client.get(path).status_code == 200, path
            counts[path] = len(statements)
        return counts

    event.listen(engine, "before_cursor_execute", count)
    try:
        few = measure()
        statuses = app.config["CONCERTO"]["action_statuses"]
        with app.extensions["concerto.db"].session() as db:
            for code in ("4.3", "5.1", "1.2"):
                target = db.scalar(
                    select(Goal).join(Plan).where(Plan.code == PLAN, Goal.code == code)
                )
                for n in range(15):
                    parent = plans.create_action(
                        db,
                        target,
                        {
                            "title_nl": f"a{n}",
                            "term": "eind 2015",
                            "authority": "cocof",
                            "status": "started",
                        },
                        statuses,
                    )
                    plans.create_action(
                        db,
                        target,
                        {
                            "title_nl": f"s{n}",
                            "term": "2015",
                            "authority": "vlaams",
                            "status": "planned",
                            "parent_id": parent.id,
                        },
                        statuses,
                    )
        many = measure()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert few == many
