"""The authorization matrix for the members of every authority: every write route of the
platform, on the person's own authority and on another's, through pages and through the API
with a token: only what the rules allow succeeds, and what is refused leaves the data as it
was.
"""

from __future__ import annotations

import pytest

from tests.authorization_cases import check_every_write
from tests.authorization_people import MEMBERS
from tests.conftest import make_app


@pytest.mark.parametrize("who", MEMBERS, ids=lambda who: who.label)
def test_only_what_the_rules_allow_succeeds(database_url, providers, who):
    app = make_app(database_url, **providers.settings())
    try:
        check_every_write(app, who)
    finally:
        app.extensions["concerto.db"].engine.dispose()
