"""What the property-based test of every write (tests/test_write_properties.py) found, each
kept as a plain case of its own: a 500 that a crafted value caused, now a 4xx (or the page),
on SQLite and PostgreSQL. Values: a version or a number that is no whole number ("9,572",
superscript digits, which str.isdigit() accepts and int() does not), ids beyond any
integer column (SQLite and PostgreSQL cannot even look them up), and JSON of the wrong
type."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.goals.models import Goal, PlanAction
from core.meetings.models import ActionItem, Body, Meeting, Minutes
from core.studyday.models import Workshop
from tests.conftest import make_app
from tests.logins import api_token, csrf_token, login_as

HUGE = "9" * 30
SUPERSCRIPT = "\u00b2\u2070\u00b2\u2076"  # ²⁰²⁶: digits to str.isdigit(), not to int()


@pytest.fixture
def found_app(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _first(app, model, *where):
    with app.extensions["concerto.db"].session() as db:
        return db.scalars(select(model).where(*where).order_by(model.id)).first().id


def _secretary(app):
    client = app.test_client()
    login_as(client, app, "secretary")
    return client


def _post(client, path: str, page: str, **fields):
    return client.post(path, data={"csrf_token": csrf_token(client, page), **fields})


def test_a_version_that_is_no_whole_number_is_stale_not_a_server_error(found_app):
    app = found_app
    client = _secretary(app)
    action = _first(app, PlanAction, PlanAction.authority_code != "vlaams")  # the committee's plan
    page = f"/plan-actions/{action}"
    answer = _post(client, page, page, version="9,572", title_nl="Gewijzigd")
    assert answer.status_code in (303, 409, 422), answer.status_code  # 303: told it changed
    with app.extensions["concerto.db"].session() as db:
        assert db.get(PlanAction, action).title_nl != "Gewijzigd"
    item = _first(app, ActionItem)
    answer = _post(client, f"/actions/{item}", f"/actions/{item}", version="0,320")
    assert 400 <= answer.status_code < 500 or answer.status_code == 302, answer.status_code
    meeting = _first(app, Meeting, Meeting.state == "planned")
    edit = f"/meetings/{meeting}/edit"
    assert _post(client, edit, edit, version="1e400").status_code < 500


def test_plan_action_fields_of_the_wrong_json_type_are_refused(found_app):
    app = found_app
    login_as(app.test_client(), app, "secretary")
    headers = {"Authorization": f"Bearer {api_token(app, 'cocom-secretariaat')}"}
    client = app.test_client()
    action = _first(app, PlanAction, PlanAction.authority_code != "vlaams")  # the committee's plan
    for body in ({"authority": {"\u00cb": "1,588"}}, {"lead_text": 1e308}):
        etag = client.get(f"/api/v1/plan-actions/{action}").headers["ETag"]
        answer = client.patch(
            f"/api/v1/plan-actions/{action}", json=body, headers=headers | {"If-Match": etag}
        )
        assert answer.status_code == 422, (body, answer.get_data(as_text=True)[:300])
    goal = _first(app, Goal, Goal.parent_id.is_not(None))
    moved = client.patch(f"/api/v1/goals/{goal}", json={"parent_id": 2**63}, headers=headers)
    assert moved.status_code == 422, moved.get_data(as_text=True)[:300]


def test_ids_no_column_holds_name_nothing(found_app):
    app = found_app
    client = _secretary(app)
    minutes = _first(app, Minutes)
    meeting = _first(app, Meeting)
    approve = _post(client, f"/minutes/{minutes}/approve", f"/meetings/{meeting}", meeting=HUGE)
    assert approve.status_code == 404
    body = _first(app, Body)
    page = f"/bodies/{body}/members/new"
    member = _post(client, page, page, name="Ann Peeters", authority="vlaams", user_id=HUGE)
    assert member.status_code == 422
    workshop = _first(app, Workshop, Workshop.kind == "workshop")
    report = f"/workshops/{workshop}/report"
    refused = _post(client, report, report, text_nl="Verslag", needs=HUGE)
    assert refused.status_code == 422
    overlaps = client.get("/meetings/overlaps", query_string={"body_id": HUGE, "but": HUGE})
    assert overlaps.status_code == 200
    for services in (HUGE, "\u00b2"):
        need = _post(client, "/needs/1", "/needs/1", status="open", services=services)
        assert need.status_code == 422 if services == HUGE else need.status_code < 500


def test_digits_that_are_no_number_are_refused(found_app):
    app = found_app
    anonymous = app.test_client()
    assert anonymous.get("/api/v1/coverage", query_string={"year": SUPERSCRIPT}).status_code == 400
    assert anonymous.get("/coverage", query_string={"year": SUPERSCRIPT}).status_code == 422
    client = _secretary(app)
    from core.goals import yearly

    with app.extensions["concerto.db"].session() as db:
        goal = db.get(Goal, _first(app, Goal, Goal.parent_id.is_not(None)))
        evaluation = yearly.evaluate(
            db, goal, {"year": "2026", "rating": "partly", "assessment_nl": "Deels"}
        ).id
    page = f"/goals/{goal.id}"
    approved = _post(client, f"/evaluations/{evaluation}/approve", page, decision_id="\u00b9\u00b3")
    assert 400 <= approved.status_code < 500 or approved.status_code == 302


def test_a_nul_character_is_refused_before_any_lookup(found_app):
    """PostgreSQL refuses NUL in any text, even to look a record up: a form field, a JSON
    value or an address holding one was a 500 there."""
    app = found_app
    client = _secretary(app)
    page = "/needs/new"
    answer = _post(client, page, page, prison="A\x00B", domain="health_prevention")
    assert answer.status_code == 400
    headers = {"Authorization": f"Bearer {api_token(app, 'cocom-secretariaat')}"}
    made = client.post("/api/v1/needs", json={"prison": "A\x00B"}, headers=headers)
    assert made.status_code in (400, 415)  # as for a lone surrogate (test_crafted_input)
    assert client.get("/api/v1/authorities/A%00B").status_code == 400
    assert client.get("/services", query_string={"q": "A\x00B"}).status_code == 400
    assert client.get("/language/en", query_string={"next": "/\x00"}).status_code == 400
