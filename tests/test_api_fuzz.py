"""Schemathesis reads /api/v1/openapi.json and sends generated requests to every operation,
both requests that fit the schema and requests that break it, as an anonymous caller and as
a coordinator: none may end in a server error."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode

from tests.logins import api_token, login


def test_no_generated_request_makes_a_server_error(app, client):
    login(client, "vlaams", "vlaams-lotte")
    secret = api_token(app, "vlaams-lotte", ["coordinator"])
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    statuses: set[int] = set()

    def run(operation, mode, headers) -> None:
        @settings(
            max_examples=10,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case):
            response = case.call(headers=headers)
            statuses.add(response.status_code)
            try:
                case.validate_response(response, checks=[not_a_server_error])
            except AssertionError as error:
                failures.append(f"{operation.label} {case.body!r}: {error}"[:500])

        try:
            check()
        except Unsatisfiable:
            # Nothing in this operation can be made invalid (no parameters, no body).
            assert mode is GenerationMode.NEGATIVE, operation.label

    for headers in ({}, {"Authorization": f"Bearer {secret}"}):
        for result in schema.get_all_operations():
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                run(result.ok(), mode, headers)
    assert failures == []
    assert {200, 401, 404, 422} <= statuses, "the generator reached the real code paths"
