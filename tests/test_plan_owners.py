"""Plans owned by an authority or by the committee (issue 24): the Flemish plan 2015-2020 its
plugin ships as data, managed by the Flemish coordinators and not by the secretariat; a plan
in one language; flat numbered goals; a step's milestone; goals of one plan contributing to
another's, shown on both goals' pages and on the dashboard. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.goals import exchange
from core.goals.lookup import current_plan
from core.goals.models import Goal, GoalLink, Plan, PlanAction
from core.permissions import Principal, can
from core.validation import Invalid
from tests.conftest import make_app
from tests.logins import csrf_token, login_as

FLEMISH = "vlaams_2015_2020"
COMMITTEE = "brussels_2014_2019"
SEED = next(Path("/work/shared/seeds").glob("002_*.txt"), None)
SHIPPED = Path(__file__).parent.parent / "plugins/vlaams/concerto_vlaams/data/plan_2015_2020.csv"


@pytest.fixture
def app(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _db(app):
    return app.extensions["concerto.db"].session()


def _client(app, who):
    client = app.test_client()
    login_as(client, app, who)
    client.csrf = csrf_token(client, "/plans")
    return client


def _goal(app, plan: str, code: str) -> Goal:
    with _db(app) as db:
        return db.scalar(select(Goal).join(Plan).where(Plan.code == plan, Goal.code == code))


def test_the_shipped_flemish_plan_is_the_seeds_goals_and_steps_in_dutch_only(app):
    with _db(app) as db:
        plan = db.scalar(select(Plan).where(Plan.code == FLEMISH))
        assert (plan.authority_code, plan.start_year, plan.end_year) == ("vlaams", 2015, 2020)
        assert plan.title_nl and plan.title_fr is None
        goals = [g for g in plan.goals if g.kind == "goal"]
        options = [g for g in plan.goals if g.kind == "option"]
        steps = db.scalars(select(PlanAction).join(Goal).where(Goal.plan_id == plan.id)).all()
        assert not any(g.title_fr for g in plan.goals)  # no French was invented
        assert not any(s.title_fr for s in steps)
        # The committee's goal codes still mean the committee's plan.
        assert current_plan(db).code == COMMITTEE
        first = next(
            s for s in steps if s.goal.code == "1" and s.parent_id is None and s.position == 1
        )
        assert (first.lead_text, first.term_text) == ("SAW", "Najaar 2015")
        assert "DG-EPI" in first.involved and "gemengde commissie" in first.involved
        # "Mijlpaal/indicator" of goal 8's steps 1 and 2, and goal 16's step 12.
        assert sorted(s.goal.code for s in steps if s.milestone_nl) == ["16", "8", "8"]
        numbers = {
            (s.goal.code, _number(s, {a.id: a for a in steps})) for s in steps
        }  # fmt: skip
    assert len(goals) == 19 and len(options) == 10
    assert len(steps) == 99
    if SEED is not None:
        # The seed's own numbering, goal by goal: every step it lists is in the plan.
        assert numbers == _seed_steps(SEED.read_text(encoding="utf-8"))


def _number(step: PlanAction, by_id: dict) -> str:
    parent = by_id.get(step.parent_id)
    return f"{_number(parent, by_id)}.{step.position}" if parent else str(step.position)


def _seed_steps(seed: str) -> set[tuple[str, str]]:
    """(goal, step) for each numbered step in the tables of seed 002's goals, read from its
    PDF text: a goal's heading is its number and a capital ("4. TEGEN 2020 ..."), its steps
    follow "TE ZETTEN STAPPEN" each on a line of its own ("1.2 We leggen ...")."""
    part = seed[seed.index(" DOELSTELLINGEN \n") : seed.index(" TIMING")]
    heading = re.compile(r"^\s*(\d{1,2})\.\s?(?:IN|OM|MET|TEGEN|DE|VOOR)\s+[A-Z0-9]", re.M)
    found = set()
    starts = list(heading.finditer(part))
    for match, after in zip(starts, starts[1:] + [None], strict=True):
        text = part[match.end() : after.start() if after else None]
        table = text[text.index("TE ZETTEN STAPPEN") :]
        for step in re.findall(r"^\s*(\d{1,2}(?:\.\d{1,2})?)(?:\.?\s|\.(?=[A-Z]))", table, re.M):
            found.add((match.group(1), step))
    # A footnote of goal 8 ("12 De therapeuten ...") is no step; "3.Ondersteuning" is one.
    found.discard(("8", "12"))
    return found


def test_loading_the_shipped_plan_twice_changes_nothing_and_a_bad_file_writes_nothing(
    app, tmp_path
):
    with _db(app) as db:
        before = db.scalar(select(func.count()).select_from(PlanAction))
        assert exchange.load_shipped_plan(db, "vlaams", SHIPPED) == f"plan {FLEMISH}: already there"
        db.commit()
        assert db.scalar(select(func.count()).select_from(PlanAction)) == before
    rows = list(csv.DictReader(SHIPPED.open(encoding="utf-8")))
    rows[0]["code"] = "vlaams_copy"
    bad = rows[39]  # goal 1, step 3.3
    bad["term"] = "ergens in de toekomst"  # a term no one can read
    rows[40]["step"] = "9.9"  # a step under a step that is not there
    path = tmp_path / "plan.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, exchange.COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    with _db(app) as db:
        with pytest.raises(Invalid) as refused:
            exchange.load_shipped_plan(db, "vlaams", path)
        assert refused.value.errors == {"row 41: term": "term", "row 42: step": "step_parent"}
        db.rollback()
        assert db.scalar(select(Plan.id).where(Plan.code == "vlaams_copy")) is None
        assert db.scalar(select(func.count()).select_from(PlanAction)) == before
        # Fixed, the same file loads whole, in one language and flat.
        rows[39]["term"], rows[40]["step"] = "1 januari 2016", "3.9"
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, exchange.COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        summary = exchange.load_shipped_plan(db, "vlaams", path)
        assert summary == "plan vlaams_copy: 29 goals, 99 steps"  # 19 goals and 10 options
        db.commit()
        copy = db.scalar(select(Plan).where(Plan.code == "vlaams_copy"))
        assert copy.authority_code == "vlaams" and copy.flat


def _principal(authority, *roles):
    return Principal(
        channel="page", label="t", user_id=1, authority=authority, roles=frozenset(roles)
    )


def test_plan_manage_follows_the_plans_owner(app):
    with _db(app) as db:
        flemish = db.scalar(select(Plan).where(Plan.code == FLEMISH))
        committee = db.scalar(select(Plan).where(Plan.code == COMMITTEE))
        step = db.scalar(select(PlanAction).join(Goal).where(Goal.plan_id == flemish.id))
        lotte = _principal("vlaams", "coordinator")
        an = _principal("cocom", "coordinator")
        secretary = _principal("cocom", "member").__class__(
            channel="page", label="s", user_id=2, authority="cocom",
            roles=frozenset({"member"}), platform_roles=frozenset({"secretary"}),
        )  # fmt: skip
        assert can(lotte, "plan.manage", flemish) and can(lotte, "plan.manage", flemish.goals[0])
        assert can(lotte, "plan.edit_action", step) and can(lotte, "plan.add_action", flemish)
        assert not can(lotte, "plan.manage", committee)
        assert not can(an, "plan.manage", flemish) and not can(an, "plan.edit_action", step)
        assert not can(secretary, "plan.manage", flemish)
        assert not can(secretary, "plan.edit_action", step)
        assert can(secretary, "plan.manage", committee)
        assert not can(_principal("vlaams", "member"), "plan.manage", flemish)


def test_a_flemish_coordinator_makes_and_keeps_a_flemish_plan_and_not_the_brussels_one(app):
    lotte = _client(app, ("vlaams", "coordinator"))
    made = lotte.post(
        "/plans/new",
        data={
            "csrf_token": lotte.csrf,
            "code": "vlaams_lokaal_haren",
            "start_year": "2026",
            "end_year": "2028",
            "title_nl": "Lokaal actieplan Haren",
            "prison": "haren",
        },
    )
    assert made.status_code == 302, made.get_data(as_text=True)
    with _db(app) as db:
        plan = db.scalar(select(Plan).where(Plan.code == "vlaams_lokaal_haren"))
        assert (plan.authority_code, plan.prison_code, plan.title_fr) == ("vlaams", "haren", None)
    text = (
        "code,kind,title_nl,step,lead,involved,term,milestone_nl\n"
        "vlaams_lokaal_haren,plan,Lokaal actieplan Haren,,,,2026-2028,\n"
        "7,goal,Doelstelling zeven,,,,,\n"
        "7,,Eerste stap,1,SAW,CAW’s; OCMW,Najaar 2026,Verslag klaar\n"
        "7,,Onderstap,1.1,,,Eind 2026,\n"
    )
    imported = lotte.post(
        "/plans/vlaams_lokaal_haren/import",
        data={"csrf_token": lotte.csrf, "file": (io.BytesIO(text.encode()), "plan.csv")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 302, imported.get_data(as_text=True)
    again = lotte.post(
        "/plans/vlaams_lokaal_haren/import",
        data={"csrf_token": lotte.csrf, "file": (io.BytesIO(text.encode()), "plan.csv")},
        content_type="multipart/form-data",
    )
    assert again.status_code == 302
    goal = _goal(app, "vlaams_lokaal_haren", "7")
    with _db(app) as db:
        steps = db.scalars(
            select(PlanAction).where(PlanAction.goal_id == goal.id).order_by(PlanAction.id)
        ).all()
        assert [(s.title_nl, s.lead_text, s.milestone_nl) for s in steps] == [
            ("Eerste stap", "SAW", "Verslag klaar"),
            ("Onderstap", "SAW", None),  # the lead of the step it is under
        ]
        assert steps[1].parent_id == steps[0].id and steps[0].involved == ["CAW’s", "OCMW"]
    page = lotte.get(f"/goals/{goal.id}").get_data(as_text=True)
    assert "Goal 7" in page and "Verslag klaar" in page
    # A flat goal takes steps from the form too, with a milestone.
    added = lotte.post(
        f"/goals/{goal.id}/actions/new",
        data={
            "csrf_token": lotte.csrf,
            "title_nl": "Tweede stap",
            "lead_text": "VDAB",
            "term": "Voorjaar 2027",
            "status": "planned",
            "milestone_nl": "Tien stageplaatsen",
        },
    )
    assert added.status_code == 302
    with _db(app) as db:
        found = db.scalar(select(PlanAction).where(PlanAction.title_nl == "Tweede stap"))
        assert found.milestone_nl == "Tien stageplaatsen"
    # The committee's plan is not hers: no import, no indicator on its goals.
    refused = lotte.post(
        f"/plans/{COMMITTEE}/import",
        data={"csrf_token": lotte.csrf, "file": (io.BytesIO(text.encode()), "plan.csv")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 403
    brussels = _goal(app, COMMITTEE, "3.2")
    assert (
        lotte.post(
            f"/goals/{brussels.id}/indicators", data={"csrf_token": lotte.csrf, "name_nl": "x"}
        ).status_code
        == 403
    )


def test_the_secretariat_creates_committee_plans_and_cannot_manage_the_flemish_one(app):
    secretary = _client(app, "secretary")
    flemish = _goal(app, FLEMISH, "4")
    assert (
        secretary.post(
            f"/goals/{flemish.id}/indicators", data={"csrf_token": secretary.csrf, "name_nl": "x"}
        ).status_code
        == 403
    )
    made = secretary.post(
        "/plans/new",
        data={
            "csrf_token": secretary.csrf,
            "code": "brussels_2026_2030",
            "start_year": "2026",
            "end_year": "2030",
            "title_fr": "Plan stratégique 2026-2030",
        },
    )
    assert made.status_code == 302
    with _db(app) as db:
        plan = db.scalar(select(Plan).where(Plan.code == "brussels_2026_2030"))
        assert plan.authority_code is None and plan.title_nl is None


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_a_dutch_only_plan_is_shown_with_a_note_of_its_language(app, language):
    reader = app.test_client()
    reader.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    plan_page = reader.get(f"/plans/{FLEMISH}").get_data(as_text=True)
    goal = _goal(app, FLEMISH, "1")
    goal_page = reader.get(f"/goals/{goal.id}").get_data(as_text=True)
    title = "In 2020 gebruiken de hulp- en dienstverlenende actoren"
    for page in (plan_page, goal_page):
        assert title in page
    if language == "fr":
        assert '<small class="lang-note">(en néerlandais)</small>' in plan_page
        assert 'lang="nl"' in goal_page
    else:
        assert "lang-note" not in plan_page


def test_a_contribution_between_plans_shows_on_both_goals_and_the_dashboard(app):
    lotte = _client(app, ("vlaams", "coordinator"))
    flemish, brussels = _goal(app, FLEMISH, "14"), _goal(app, COMMITTEE, "1.2")
    added = lotte.post(
        f"/goals/{flemish.id}/links",
        data={"csrf_token": lotte.csrf, "target_id": brussels.id, "note": "Inspraak"},
    )
    assert added.status_code == 302
    with _db(app) as db:
        link = db.scalar(select(GoalLink).where(GoalLink.goal_id == flemish.id))
        assert (link.target_id, link.note) == (brussels.id, "Inspraak")
    for path in (f"/goals/{flemish.id}", f"/goals/{brussels.id}"):
        page = lotte.get(path).get_data(as_text=True)
        assert "Inspraak" in page, path
    for plan in (FLEMISH, COMMITTEE):
        assert "Inspraak" in lotte.get(f"/plans/{plan}/dashboard").get_data(as_text=True)
    # The demo's two Flemish contributions (to 3.2 and 5.2) are there from the start.
    page = lotte.get(f"/goals/{_goal(app, COMMITTEE, '3.2').id}").get_data(as_text=True)
    assert "Het hulp- en dienstverleningsplan ondersteunt het detentietraject." in page
    # The same goal twice, or one of its own plan, is refused; the secretariat may not
    # remove the Flemish coordinators' link.
    twice = lotte.post(
        f"/goals/{flemish.id}/links",
        data={"csrf_token": lotte.csrf, "target_id": brussels.id},
        follow_redirects=True,
    )
    assert "already contributes" in twice.get_data(as_text=True)
    secretary = _client(app, "secretary")
    assert (
        secretary.post(
            f"/goal-links/{link.id}/delete", data={"csrf_token": secretary.csrf}
        ).status_code
        == 403
    )
    assert (
        lotte.post(f"/goal-links/{link.id}/delete", data={"csrf_token": lotte.csrf}).status_code
        == 302
    )
    with _db(app) as db:
        assert db.get(GoalLink, link.id) is None


def test_migration_0027_keeps_the_plans_both_ways(database_url):
    """Going back before owners and coming again keeps every plan, goal, step and title (a
    title in one language is copied into the other on the way back, as the old columns
    required both); the plans come back the committee's, as every plan was before."""
    from sqlalchemy import text

    from core import create_app
    from core.db import CORE_HISTORY, downgrade, upgrade
    from tests.conftest import app_config

    app = create_app(app_config(database_url))
    engine = app.extensions["concerto.db"].engine

    def counts() -> tuple:
        with engine.connect() as connection:
            return tuple(
                connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()
                for table in ("plans", "goals", "plan_actions", "indicators")
            )

    before = counts()
    assert before[2] > 99  # the Flemish plan's steps and the committee's actions
    downgrade(engine, CORE_HISTORY, "0026")
    assert counts() == before
    with engine.connect() as connection:
        titles = connection.execute(
            text("SELECT title_nl, title_fr FROM plans WHERE code = :code"), {"code": FLEMISH}
        ).one()
    assert titles[0] == titles[1]  # Dutch only: the French column holds the Dutch title
    upgrade(engine, CORE_HISTORY)
    assert counts() == before
    with engine.connect() as connection:
        owners = set(connection.execute(text("SELECT authority_code FROM plans")).scalars())
    assert owners == {None}
    engine.dispose()
