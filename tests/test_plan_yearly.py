"""The plan's yearly cycle: an annual plan adopted by a committee decision and compared with
what was reached, indicators that follow the platform by themselves or are entered, and
evaluations approved in a meeting; the dashboard as a PDF."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from core.goals.models import AnnualPlan, Evaluation, Goal, Indicator, Plan, PlanAction
from core.inventory.models import Service
from core.meetings.models import Decision
from tests.logins import csrf_token, login_as

PLAN = "brussels_2014_2019"


@pytest.fixture
def secretary(app, client):
    login_as(client, app, "secretary")
    client.csrf = csrf_token(client, "/meetings")
    return client


def _db(app):
    return app.extensions["concerto.db"].session()


def _goal(app, code: str) -> Goal:
    with _db(app) as db:
        return db.scalar(select(Goal).join(Plan).where(Plan.code == PLAN, Goal.code == code))


def test_the_committee_adopts_the_annual_plan_and_compares_it_with_what_happened(app, secretary):
    with _db(app) as db:
        actions = db.scalars(
            select(PlanAction)
            .join(Goal, PlanAction.goal_id == Goal.id)
            .join(Plan, Goal.plan_id == Plan.id)
            .where(Plan.code == PLAN, PlanAction.parent_id.is_(None))
            .order_by(PlanAction.id)
        ).all()
        done, halfway = actions[0], next(a for a in actions if a.progress == 50)
        decision = db.scalar(select(Decision).order_by(Decision.id.desc()))
        decided_in = decision.minutes.meeting_id
    base = f"/plans/{PLAN}/years/2026"
    for action, target in ((done, 100), (halfway, 100)):
        answer = secretary.post(
            f"{base}/items",
            data={
                "csrf_token": secretary.csrf,
                "action_id": action.id,
                "owner": "SAW",
                "target_nl": "Afgerond",
                "target_progress": target,
            },
        )
        assert answer.status_code == 302
    twice = secretary.post(
        f"{base}/items",
        data={"csrf_token": secretary.csrf, "action_id": done.id},
        follow_redirects=True,
    )
    assert "already in the annual plan" in twice.get_data(as_text=True)
    wrong = secretary.post(
        f"{base}/adopt",
        data={"csrf_token": secretary.csrf, "decision_id": "999999"},
        follow_redirects=True,
    )
    assert "not known" in wrong.get_data(as_text=True)
    adopted = secretary.post(
        f"{base}/adopt",
        data={"csrf_token": secretary.csrf, "decision_id": decision.id},
        follow_redirects=True,
    )
    page = adopted.get_data(as_text=True)
    assert "The annual plan is adopted." in page and "Adopted on" in page
    assert page.count(">met<") == 1 and page.count(">not met<") == 1
    late = secretary.post(
        f"{base}/items",
        data={"csrf_token": secretary.csrf, "action_id": actions[1].id},
        follow_redirects=True,
    )
    assert "adopted and no longer changes" in late.get_data(as_text=True)
    with _db(app) as db:
        annual = db.scalar(select(AnnualPlan).where(AnnualPlan.year == 2026))
        assert annual.decision_id == decision.id and annual.meeting_id == decided_in
        assert len(annual.items) == 2


def test_an_indicator_follows_the_inventory_by_itself(app, secretary):
    goal = _goal(app, "4.3")
    made = secretary.post(
        f"/goals/{goal.id}/indicators",
        data={
            "csrf_token": secretary.csrf,
            "name_nl": "Gepubliceerde diensten",
            "name_fr": "Services publiés",
            "source": "published_services",
            "baseline": "40",
            "baseline_year": "2025",
        },
    )
    assert made.status_code == 302
    with _db(app) as db:
        published = db.scalar(select(func.count()).where(Service.published_at.is_not(None)))
        indicator = db.scalar(select(Indicator).where(Indicator.goal_id == goal.id))
    page = secretary.get(f"/goals/{goal.id}").get_data(as_text=True)
    assert f"now: {published}." in page
    refused = secretary.post(
        f"/indicators/{indicator.id}/values",
        data={"csrf_token": secretary.csrf, "year": "2026", "target": "lots"},
        follow_redirects=True,
    )
    assert "Give a number." in refused.get_data(as_text=True)
    secretary.post(
        f"/indicators/{indicator.id}/values",
        data={"csrf_token": secretary.csrf, "year": "2026", "target": "70,5", "actual": ""},
    )
    with _db(app) as db:
        value = db.get(Indicator, indicator.id).values[0]
        assert (value.year, value.target, value.actual) == (2026, 70.5, None)
    bad = secretary.post(
        f"/goals/{goal.id}/indicators",
        data={"csrf_token": secretary.csrf, "name_nl": "x", "source": "everything"},
        follow_redirects=True,
    )
    assert "Choose one of the options." in bad.get_data(as_text=True)


def test_an_evaluation_is_written_then_approved_in_a_meeting(app, secretary):
    goal = _goal(app, "1.3")
    refused = secretary.post(
        f"/goals/{goal.id}/evaluations",
        data={
            "csrf_token": secretary.csrf,
            "year": "2025",
            "rating": "partly",
            "assessment_fr": "En partie atteint.",
            "evidence": "not-a-link",
        },
        follow_redirects=True,
    )
    assert "web addresses" in refused.get_data(as_text=True)
    secretary.post(
        f"/goals/{goal.id}/evaluations",
        data={
            "csrf_token": secretary.csrf,
            "year": "2025",
            "rating": "partly",
            "assessment_fr": "En partie atteint.",
            "evidence": "https://example.be/rapport",
        },
    )
    with _db(app) as db:
        evaluation = db.scalar(select(Evaluation).where(Evaluation.goal_id == goal.id))
        decision = db.scalar(select(Decision).order_by(Decision.id))
    secretary.post(
        f"/evaluations/{evaluation.id}/approve",
        data={"csrf_token": secretary.csrf, "decision_id": decision.id},
    )
    again = secretary.post(
        f"/goals/{goal.id}/evaluations",
        data={
            "csrf_token": secretary.csrf,
            "year": "2025",
            "rating": "achieved",
            "assessment_nl": "Toch wel.",
        },
        follow_redirects=True,
    )
    assert "approved and no longer changes" in again.get_data(as_text=True)
    with _db(app) as db:
        evaluation = db.get(Evaluation, evaluation.id)
        assert evaluation.rating == "partly" and evaluation.approved_at is not None
        assert evaluation.evidence == ["https://example.be/rapport"]


def test_the_dashboard_pdf_reads_back_with_the_figures(client):
    pdf = client.get(f"/plans/{PLAN}/dashboard.pdf")
    assert pdf.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    api = client.get(f"/api/v1/plans/{PLAN}/dashboard").get_json()["goals"]
    assert "Progress of the plan" in text
    first = next(goal for goal in api if goal["progress"] is not None)
    assert f"{round(first['progress'])}%" in text.replace(" ", "")


def test_a_new_plan_gets_its_goals_from_a_file_all_or_nothing(app, secretary):
    made = secretary.post(
        "/plans/new",
        data={
            "csrf_token": secretary.csrf,
            "code": "brussels_2026_2030",
            "start_year": "2026",
            "end_year": "2030",
            "title_nl": "Strategisch plan 2026-2030",
            "title_fr": "Plan stratégique 2026-2030",
        },
    )
    assert made.status_code == 302
    header = "code;parent;kind;title_nl;title_fr\n"
    broken = (
        header
        + "1;;result;Doel een;Objectif un\n"
        + "1.1;1;;Doel een een;Objectif un un\n"
        + "2;;later;Doel twee;\n"  # a kind that does not exist (Dutch alone is enough)
        + "2.1;9;;Zwevend;Flottant\n"  # a parent that does not exist
        + "3.1;3.2;;Kring;Cercle\n3.2;3.1;;Kring;Cercle\n"  # a circle
        + "4;;result;;\n"  # a title in neither language
    )

    def send(text: str, name: str = "goals.csv"):
        return secretary.post(
            "/plans/brussels_2026_2030/import",
            data={"csrf_token": secretary.csrf, "file": (io.BytesIO(text.encode()), name)},
            content_type="multipart/form-data",
        )

    refused = send(broken)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    cells = re.findall(r'<td class="number">(\d+)</td><td><code>(\w+)</code>', page)
    for where in (
        ("4", "kind"),
        ("5", "parent"),
        ("6", "parent"),
        ("7", "parent"),
        ("8", "title_nl"),
    ):
        assert where in cells, where
    assert ("4", "title_fr") not in cells, "a plan may be in one language"
    assert "row 4" not in page, "the row is said in the reader's words"
    assert "Nothing was stored" in page
    with _db(app) as db:
        plan = db.scalar(select(Plan).where(Plan.code == "brussels_2026_2030"))
        assert db.scalar(select(func.count()).where(Goal.plan_id == plan.id)) == 0
    good = header + "1;;result;Doel een;Objectif un\n1.1;1;;Doel een een;Objectif un un\n"
    assert send(good).status_code == 302
    assert send(good).status_code == 302  # twice: nothing changes
    with _db(app) as db:
        goals = db.scalars(select(Goal).where(Goal.plan_id == plan.id).order_by(Goal.code)).all()
        assert [(g.code, g.parent_id is None, g.kind) for g in goals] == [
            ("1", True, "result"), ("1.1", False, "operational")]  # fmt: skip
    exported = secretary.get("/plans/brussels_2026_2030/goals.xlsx").data
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(exported)).active.iter_rows(values_only=True))
    assert rows[1][:5] == ("brussels_2026_2030", None, "plan", "Strategisch plan 2026-2030",
                           "Plan stratégique 2026-2030")  # fmt: skip
    assert [tuple(c or "" for c in row[:5]) for row in rows[2:]] == [
        ("1", "", "result", "Doel een", "Objectif un"),
        ("1.1", "1", "", "Doel een een", "Objectif un un"),
    ]
