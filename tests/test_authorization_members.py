"""The authorization matrix for the members of every authority: every write route of the
platform, on the person's own authority and on another's, through pages and through the API
with a token: only what the rules allow succeeds, and what is refused leaves the data as it
was.
"""

from __future__ import annotations

import pytest

from tests.authorization_cases import WRITES, prepare
from tests.authorization_people import MEMBERS
from tests.conftest import make_app


@pytest.mark.parametrize("who", MEMBERS, ids=lambda who: who.label)
def test_only_what_the_rules_allow_succeeds(database_url, providers, who):
    app = make_app(database_url, **providers.settings())
    try:
        client = app.test_client()
        csrf = prepare(client, app, who)
        outcomes = {}
        for write in WRITES:
            response = write.attempt(client, app, who, csrf)
            outcomes[write.name] = (
                response.status_code,
                write.changed(app, who),
                write.allowed(who),
            )
        wrong = {
            name: f"status {status}, changed={changed}, should be allowed={allowed}"
            for name, (status, changed, allowed) in outcomes.items()
            if changed != allowed or (not allowed and status < 300)
        }
        assert wrong == {}
        for name, (status, _changed, allowed) in outcomes.items():
            if not allowed:
                # 404: an unpublished record of another authority is not even shown to exist.
                expected = {401, 403, 404} if who.login else {302, 400, 401, 404}
                assert status in expected, f"{name}: {status}"
    finally:
        app.extensions["concerto.db"].engine.dispose()
