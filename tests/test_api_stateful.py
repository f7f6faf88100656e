"""Schemathesis follows the OpenAPI links of /api/v1/openapi.json (core/api/links.py): it
creates services, meetings, plan actions, indicators, evaluations and registrations and
reads, changes, submits, approves, checks in and cancels what it created, with real ids and
ETags instead of guessed numbers. Every answer must be free of server errors and conform to
the document (a documented status, content type and body schema), and every operation of
the document must be reached.

Bounded for CI: a fixed number of short scenarios per area of the API, derandomized, no
example database, each scenario starting from the same data, put back from a snapshot: on
SQLite in milliseconds; on PostgreSQL the database is made again from a copy kept on the
server (tests/snapshots.py, about 0.25 s a scenario), so PostgreSQL runs half the scenarios
per round and 4 rounds at most. On both, every operation must be reached and the listed
ones must succeed. The stateless schemathesis test
(test_api_fuzz.py) sends schema-breaking requests to every operation, anonymously and with
a token."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.stateful.state_machine import APIStateMachine
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from core.api.links import LINKS, add_links
from core.goals.models import Goal, Plan, PlanAction
from tests.conftest import make_app
from tests.logins import api_token, grant, login
from tests.snapshots import snapshot_of

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Only the links the document writes (no inferred ones), with requests that fit the schema:
# scenarios are for going deep, the stateless test sends what breaks the schema.
CONFIG = {
    "phases": {
        "stateful": {
            "inference": {"algorithms": []},
            "generation": {"mode": "positive", "with-security-parameters": False},
        }
    }
}
# Each area runs its own scenarios, so that a scenario's steps stay among operations that
# link to each other instead of being spread over the whole API.
# Areas run in rounds of a few scenarios, each round with its own fixed seed, until every
# operation of the area was called and the listed ones succeeded at least once (the links
# carried real ids: what was created was read, changed and moved on), ROUNDS at most.
AREAS = {
    "inventory": (
        r"^/(me|authorities|services|needs|coverage)\b",
        20,
        {"POST /services", "POST /services/{service_id}/submit", "POST /needs"},
    ),
    "meetings": (
        r"^/(bodies|meetings|minutes|remarks|decisions|actions)\b",
        15,
        {"POST /meetings", "POST /meetings/{meeting_id}/agenda"},
    ),
    "plans": (
        r"^/(plans|goals|plan-actions|indicators|evaluations)\b",
        25,
        {"POST /goals/{goal_id}/actions", "POST /goals/{goal_id}/indicators"},
    ),
    "study days": (
        r"^/(study-days|events|registrations)\b",
        10,
        {"POST /registrations/{registration_id}/check-in"},
    ),
    "changes and signals": (r"^/(me|changes|signals)\b", 10, {"POST /signals"}),
}
ROUNDS = 6
# PostgreSQL: a share of each area's scenarios per round, and fewer rounds.
SHARE = {"sqlite": 1.0, "postgresql": 0.5}
MOST_ROUNDS = {"sqlite": ROUNDS, "postgresql": 4}
# What each creation needs at least, as tests/authorization_*.py send it (the demo's
# first plan action and first decision have id 1); a Flemish service needs an external id
# of its own each time, and names, a category and a prison to be submitted.
VALID_BODIES = {
    "POST /services": st.fixed_dictionaries(
        {
            "external_id": st.from_regex(r"VG-P[0-9]{6}", fullmatch=True),
            "name_nl": st.just("Les in de cel"),
            "name_fr": st.just("Cours en cellule"),
            "category": st.just("onderwijs"),
            "locations": st.just([{"prison": "haren"}]),
        }
    ),
    "POST /meetings": st.just(
        {
            "body": "overlegcomite",
            "date": "2031-03-04",
            "start_time": "14:00",
            "duration_minutes": 60,
            "place_kind": "office",
            "place_text": "Zaal 1",
        }
    ),
    "POST /meetings/{meeting_id}/agenda": st.just({"title_nl": "Punt", "purpose": "information"}),
    "POST /goals/{goal_id}/actions": st.just(
        {"title_nl": "Actie", "term": "eind 2031", "authority": "cocom"}
    ),
    "POST /plans/{code}/years/{year}/adopt": st.just({"decision_id": 1}),
    "POST /evaluations/{evaluation_id}/approve": st.just({"decision_id": 1}),
    "POST /goals/{goal_id}/indicators": st.just({"name_nl": "Indicator", "source": "open_needs"}),
    "POST /goals/{goal_id}/evaluations": st.just(
        {"year": 2030, "rating": "partly", "assessment_nl": "Deels bereikt"}
    ),
    "PUT /indicators/{indicator_id}/values/{year}": st.just({"target": 3}),
    "POST /needs": st.just(
        {"prison": "haren", "domain": "health_prevention", "description_nl": "Zorg"}
    ),
    "POST /study-days/{year}/registrations": st.just({"language": "nl"}),
    "POST /events/{event_id}/registrations": st.just({"language": "nl"}),
    "POST /signals": st.just(
        {"title_nl": "Wachttijden bij het bezoek", "addressee_kind": "committee"}
    ),
}
# The committee reviews what a coordinator submits; nobody approves their own service.
REVIEWS = ("/services/{service_id}/approve", "/services/{service_id}/return")


def _document(app) -> dict:
    with app.test_request_context():
        from core.api.views import openapi_document

        return openapi_document(None)


def test_every_operation_is_linked_and_every_link_leads_somewhere(app):
    document = _document(app)
    linked = set()
    for (path, method, status), links in LINKS.items():
        written = document["paths"][path][method]["responses"][status]["links"]
        assert set(written) == set(links)
        linked.add((path, method))
        linked.update((target, target_method) for target, target_method, *_ in links.values())
    operations = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    # Schemathesis leaves an operation without links out of its scenarios.
    assert operations - linked == set()
    # A link to an operation the document no longer has fails, instead of being dropped.
    try:
        add_links({"paths": {"/me": document["paths"]["/me"]}})
    except KeyError:
        pass
    else:
        raise AssertionError("a link to a missing operation must fail the document")


def test_the_document_says_what_the_routes_accept(app):
    """A larger id than a route accepts matches no route, and Werkzeug answers 405 for a
    method the path has elsewhere: the document says where ids end, read from the routes.
    An operation that answers 428 without If-Match says that it requires it, and every one
    says it may answer 400."""
    document = _document(app)
    service = document["paths"]["/services/{service_id}"]["patch"]["parameters"][0]
    assert service["schema"] == {"type": "integer", "minimum": 1, "maximum": 2147483647}
    year = document["paths"]["/indicators/{indicator_id}/values/{year}"]["parameters"][1]
    assert (year["schema"]["minimum"], year["schema"]["maximum"]) == (2000, 2100)
    headers = {"Authorization": "Bearer nothing"}
    for path, method in (("/actions/{action_id}", "patch"), ("/plan-actions/{action_id}", "patch")):
        header = [p for p in document["paths"][path][method]["parameters"] if p["in"] == "header"]
        assert header[0]["name"] == "If-Match" and header[0]["required"] is True  # 428 without
    # Any operation refuses a NUL character before its own code runs (core.security).
    assert all(
        "400" in operation["responses"]
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    )
    too_large = app.test_client().patch("/api/v1/services/2147483648", json={}, headers=headers)
    assert too_large.status_code == 405  # why the bound must be documented


def _tokens(app, client) -> tuple[str, str]:
    """A Flemish coordinator who is also the committee's secretary (so the one token may
    write services, meetings, the plan and the study day), and a committee member."""
    login(client, "vlaams", "vlaams-lotte")
    grant(app, "vlaams", "vlaams-lotte", "secretary")
    writer = api_token(app, "vlaams-lotte", ["coordinator"])
    reviewer_client = app.test_client()
    login(reviewer_client, "cocof", "cocof-julien")
    reviewer = api_token(app, "cocof-julien", ["member"])
    return writer, reviewer


@pytest.fixture
def platform(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


def test_linked_scenarios_end_without_server_error_and_as_documented(platform, backend, request):
    app = platform
    writer, reviewer = _tokens(app, app.test_client())
    server = request.getfixturevalue("postgres") if backend == "postgresql" else None
    snapshot = snapshot_of(app, server)
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", app, config=schemathesis.Config.from_dict(CONFIG)
    )

    # The year plan of the committee's plan takes one of its own actions: the Flemish plan's
    # steps, which its plugin ships, come first and belong to another plan.
    with app.extensions["concerto.db"].session() as session:
        committee_action = session.scalar(
            select(PlanAction.id)
            .join(Goal, Goal.id == PlanAction.goal_id)
            .join(Plan, Plan.id == Goal.plan_id)
            .where(Plan.authority_code.is_(None))
            .order_by(Plan.start_year, PlanAction.id)
            .limit(1)
        )
    valid_bodies = {
        **VALID_BODIES,
        "POST /plans/{code}/years/{year}/items": st.just({"action_id": committee_action}),
    }

    @schema.hooks.hook("flatmap_body")
    def sometimes_valid(context, body):
        # Random values rarely make a record, and a record never made leaves its links
        # untried: some bodies get the fields a creation needs, the rest stays random.
        needed = valid_bodies.get(context.operation.label)
        if needed is None or not isinstance(body, dict):
            return st.just(body)
        return st.one_of(st.just(body), needed.map(lambda fields: {**body, **fields}), needed)

    statuses: dict[str, set[int]] = {}

    class Scenarios(APIStateMachine):
        def setup(self):
            # Each scenario starts from the same data, so the same requests get the same
            # answers (Hypothesis replays what it generated, and so does a failure).
            snapshot.restore()

        def before_call(self, case):
            secret = reviewer if case.operation.path in REVIEWS else writer
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {secret}"}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            statuses.setdefault(case.operation.label, set()).add(response.status_code)
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    rounds = {}
    for area, (pattern, scenarios, must_succeed) in AREAS.items():
        part = schema.include(path_regex=pattern)
        wanted = {result.ok().label for result in part.get_all_operations()}
        for rounds[area] in range(1, MOST_ROUNDS[backend] + 1):
            # A round is a fixed seed: the same scenarios on every run, here and in CI.
            machine = seed(rounds[area])(type(area, (Scenarios, part.as_state_machine()), {}))
            machine.run(
                settings=settings(
                    max_examples=max(1, round(scenarios * SHARE[backend])),
                    stateful_step_count=15,
                    phases=[Phase.generate],
                    deadline=None,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                )
            )
            successes = {label for label, seen in statuses.items() if min(seen) < 300}
            if wanted <= set(statuses) and must_succeed <= successes:
                break

    every = {result.ok().label for result in schema.get_all_operations()}
    assert every - set(statuses) == set(), (rounds, statuses)
    # The links carried real ids: created records were read, changed and moved on.
    successes = {label for label, seen in statuses.items() if min(seen) < 300}
    for _pattern, _scenarios, must_succeed in AREAS.values():
        assert must_succeed <= successes, (must_succeed - successes, rounds, statuses)
