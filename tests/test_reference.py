"""Reference data and the 2014-2019 plan, loaded idempotently on both backends."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core import create_app
from core.cli import seed_everything
from core.goals.models import Goal, Plan
from core.reference.models import Authority, Prison, ServiceDomain, TargetGroup
from core.rooms.models import Room
from tests.conftest import FIVE, app_config


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_seeding_twice_loads_everything_once(database_url):
    app = create_app(app_config(database_url))
    seed_everything(app)  # the template was seeded already: this is the second time
    with app.extensions["concerto.db"].session() as session:
        assert _count(session, ServiceDomain) == 9
        assert _count(session, TargetGroup) == 6
        assert _count(session, Prison) == 4
        # The committee's plan, and each plan the Flemish plugin ships once: its plan 2015-2020
        # (10 options and 19 goals) and two local action plans (2 goals each).
        assert sorted(session.scalars(select(Plan.code))) == [
            "brussels_2014_2019",
            "vlaams_2015_2020",
            "vlaams_lap_haren_2017_2020",
            "vlaams_lap_sint_gillis_2017_2020",
        ]
        assert _count(session, Goal) == 21 + 29 + 2 + 2
        assert _count(session, Room) == 5  # federal Justice's rooms, once
        assert sorted(session.scalars(select(Authority.code))) == sorted(FIVE)
    app.extensions["concerto.db"].engine.dispose()


def test_the_2014_2019_plan_has_6_strategic_and_15_operational_goals_in_nl_and_fr(
    database_url,
):
    app = create_app(app_config(database_url))
    with app.extensions["concerto.db"].session() as session:
        plan = session.scalar(select(Plan).where(Plan.code == "brussels_2014_2019"))
        strategic = plan.strategic_goals()
        assert [g.code for g in strategic] == ["1", "2", "3", "4", "5", "6"]
        assert [g.kind for g in strategic] == ["result"] * 3 + ["support"] * 3
        operational = [child.code for goal in strategic for child in goal.children]
        assert operational == [
            "1.1",
            "1.2",
            "1.3",
            "2.1",
            "3.1",
            "3.2",
            "3.3",
            "4.1",
            "4.2",
            "4.3",
            "5.1",
            "5.2",
            "6.1",
            "6.2",
            "6.3",
        ]
        goal = next(g for g in plan.goals if g.code == "4.1")
        assert "inventaris" in goal.title_nl
        assert "état des lieux permanent" in goal.title_fr
        assert all(g.title_nl and g.title_fr for g in plan.goals)
    app.extensions["concerto.db"].engine.dispose()


def test_prisons_are_data_with_opening_and_closing_dates(database_url):
    app = create_app(app_config(database_url))
    with app.extensions["concerto.db"].session() as session:
        haren = session.get(Prison, "haren")
        vorst = session.get(Prison, "vorst")
        assert haren.opened_on == date(2022, 9, 30)
        assert vorst.is_open_on(date(2020, 1, 1))
        assert not vorst.is_open_on(date(2026, 1, 1))
        assert haren.is_open_on(date(2026, 1, 1))
        assert not haren.is_open_on(date(2020, 1, 1))
    app.extensions["concerto.db"].engine.dispose()
