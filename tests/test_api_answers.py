"""Every write route of the OpenAPI document answers the same situation the same way
(core/web.py): a body that is not JSON is a 415, JSON that is not an object a 400, a missing
If-Match a 428, an If-Match that is not the record's version a 412 carrying the record as it
now stands, values that cannot be stored a 422 naming each field, and the document says so.

The routes are read from the document, so a feature that adds a write route is walked too.
Each request is sent with three tokens (the secretariat, a Flemish coordinator who is also
the committee's secretary, a committee member): a person without the right gets 401, 403
or 404 before their body is read, so for each route at least one token must reach the answer,
and no token may get another one."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from core.goals import yearly
from core.goals.models import ACTION_KINDS, Evaluation, Goal, Indicator, Plan, PlanAction
from core.inventory.models import Service
from core.meetings.models import ActionItem, Meeting, Minutes, Remark
from core.signals.models import Signal
from core.studyday.models import Registration, StudyDay
from tests.logins import api_token, grant, login

WRITES = ("post", "put", "patch", "delete")
NOT_FOR_THIS_PERSON = {401, 403, 404}


def _document(app) -> dict:
    with app.test_request_context():
        from core.api.views import openapi_document  # the document is built in a request

        return openapi_document(None)


def _first(session, column, *where):
    return session.scalar(select(func.min(column)).where(*where))


def _path_values(app) -> dict[str, object]:
    """An existing record for each path parameter of the document."""
    with app.app_context(), app.extensions["concerto.db"].session() as session:
        plan = session.scalars(select(Plan).where(Plan.authority_code.is_(None))).first()
        goal = session.scalars(
            select(Goal).where(Goal.plan_id == plan.id, Goal.kind.in_(ACTION_KINDS))
        ).first()
        # A year plan to adopt and an evaluation to approve, as the committee makes them.
        yearly.annual_plan(session, plan, plan.start_year, create=True)
        if session.scalar(select(func.count(Evaluation.id))) == 0:
            yearly.evaluate(
                session,
                goal,
                {"year": plan.start_year, "rating": "partly", "assessment_nl": "Deels bereikt"},
            )
        session.commit()
        values = {
            "code": None,  # per path, below
            "service_id": _first(session, Service.id, Service.authority_code == "vlaams"),
            "meeting_id": _first(session, Meeting.id),
            "minutes_id": _first(session, Minutes.id),
            "remark_id": _first(session, Remark.id),
            "goal_id": goal.id,
            "indicator_id": _first(session, Indicator.id),
            "evaluation_id": _first(session, Evaluation.id),
            "event_id": _first(session, StudyDay.id),
            "registration_id": _first(session, Registration.id),
            "signal_id": _first(session, Signal.id),
            "plan_code": plan.code,
            "plan_year": plan.start_year,
            "plan_action_id": _first(session, PlanAction.id),
            "meeting_action_id": _first(session, ActionItem.id),
        }
    return values


def _address(path: str, values: dict) -> str:
    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name == "code":
            return "vlaams" if path.startswith("/authorities") else str(values["plan_code"])
        if name == "year":
            return str(values["plan_year"]) if path.startswith("/plans") else "2026"
        if name == "action_id":
            key = "plan_action_id" if path.startswith("/plan-actions") else "meeting_action_id"
            return str(values[key])
        return str(values[name])

    return "/api/v1" + re.sub(r"\{([^}]+)\}", fill, path)


@pytest.fixture
def walk(app):
    client = app.test_client()
    login(client, "vlaams", "vlaams-lotte")
    grant(app, "vlaams", "vlaams-lotte", "secretary")
    login(app.test_client(), "cocom", "cocom-secretariaat")
    login(app.test_client(), "cocof", "cocof-julien")
    tokens = [
        api_token(app, "cocom-secretariaat"),
        api_token(app, "vlaams-lotte", ["coordinator"]),
        api_token(app, "cocof-julien", ["member"]),
    ]
    document = _document(app)
    values = _path_values(app)
    operations = [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in WRITES
    ]
    return client, tokens, operations, values


def _send(client, method, address, token, **kwargs):
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    return getattr(client, method)(address, headers=headers, **kwargs)


def _answers(walk, expected: int, wanted, **request) -> list[str]:
    """The routes (of those ``wanted`` selects) that answer something else than ``expected``
    for every token that may write there. A body is read before the version it names is
    compared, so bodies are sent with an If-Match where the route needs one."""
    client, tokens, operations, values = walk
    wrong = []
    for path, method, operation in operations:
        if not wanted(path, method, operation):
            continue
        address = _address(path, values)
        sent = dict(request)
        if "428" in operation["responses"] and "headers" not in sent:
            sent["headers"] = {"If-Match": '"999999"'}
        statuses = [_send(client, method, address, token, **sent).status_code for token in tokens]
        others = set(statuses) - NOT_FOR_THIS_PERSON - {expected}
        if others or expected not in statuses:
            wrong.append(f"{method.upper()} {path}: {statuses}")
    return wrong


def _has_body(path, method, operation) -> bool:
    return "requestBody" in operation


def _versioned(path, method, operation) -> bool:
    return "428" in operation["responses"]


def test_a_body_that_is_not_json_is_a_415(walk):
    assert _answers(walk, 415, _has_body, data="title=x", content_type="text/plain") == []


def test_json_that_is_not_an_object_is_a_400(walk):
    assert _answers(walk, 400, _has_body, data="[1, 2]", content_type="application/json") == []
    assert _answers(walk, 400, _has_body, data="{", content_type="application/json") == []


def test_a_change_without_if_match_is_a_428(walk):
    assert _answers(walk, 428, _versioned, json={}, headers={}) == []


def test_an_old_version_is_a_412_with_the_record_as_it_stands(walk):
    client, tokens, operations, values = walk
    assert _answers(walk, 412, _versioned, json={}, headers={"If-Match": '"999999"'}) == []
    # and the answer carries the record to redo the change on
    for path, method, operation in operations:
        if not _versioned(path, method, operation):
            continue
        for token in tokens:
            response = _send(
                client,
                method,
                _address(path, values),
                token,
                json={},
                headers={"If-Match": '"999999"'},
            )
            if response.status_code == 412:
                body = response.get_json()
                assert response.mimetype == "application/problem+json"
                assert isinstance(body.get("current"), dict), f"{method} {path}"
                assert body["current"].get("version") not in (None, 999999), f"{method} {path}"
                break


def test_values_that_cannot_be_stored_are_a_422_naming_each_field(walk):
    """Every property of the body's schema sent as a list of lists, which no field takes."""
    client, tokens, operations, values = walk
    wrong = []
    for path, method, operation in operations:
        if "requestBody" not in operation or "422" not in operation["responses"]:
            continue
        properties = _properties(operation)
        if not properties:
            continue
        body = {name: [[1]] for name in properties}
        for token in tokens:
            response = _send(
                client,
                method,
                _address(path, values),
                token,
                data=json.dumps(body),
                content_type="application/json",
                headers={"If-Match": '"1"'} if "428" in operation["responses"] else {},
            )
            if response.status_code in NOT_FOR_THIS_PERSON:
                continue
            answer = response.get_json()
            if response.status_code == 412:
                continue  # the record is past version 1: stale before its values are read
            if response.status_code != 422 or not answer.get("errors"):
                wrong.append(f"{method.upper()} {path}: {response.status_code}")
            else:
                assert all({"field", "code", "message"} <= set(error) for error in answer["errors"])
            break
    assert wrong == []


def _properties(operation) -> dict:
    content = operation["requestBody"].get("content", {}).get("application/json", {})
    schema = content.get("schema", {})
    return schema.get("properties", {}) if isinstance(schema, dict) else {}


def test_the_document_lists_these_answers_for_every_write(walk):
    _client, _tokens, operations, _values = walk
    missing = []
    for path, method, operation in operations:
        wanted = {"400", "401", "403"}
        if "requestBody" in operation:
            wanted |= {"415", "422"}
        if "428" in operation["responses"]:
            wanted |= {"412"}
        if not wanted <= set(operation["responses"]):
            missing.append(
                f"{method.upper()} {path}: {sorted(wanted - set(operation['responses']))}"
            )
    assert missing == []
