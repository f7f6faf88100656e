"""Whatever an outsider types, every write the platform offers answers without a server
error, and a refusal stores nothing (issue 18).

The writes are the Flask url_map's POST, PUT, PATCH and DELETE routes, so a route added later
is covered without touching this file; the few left out are in EXCLUDED, each with the
reason. For each route the test finds the form that posts to it on the platform's pages (so
it writes as the person who sees that form: an anonymous visitor for the public forms, a
coordinator who is also the secretariat and an administrator, a committee member, a network
manager). Records in states the demo data lacks are made first (WARM_UP); a route whose
form no page shows at all is sent with guessed fields, and must be listed in BLIND with the
reason. API writes get JSON objects built from the OpenAPI document's request schemas, with
a bearer token.

Every route is sent as its page fills it in, then with a NUL byte and with 24,000
characters in every field, then with some fields replaced by what Hypothesis draws: text with
control characters, lone surrogates (percent-encoded in forms, escaped in JSON), right-to-left
and emoji, very long text; numbers too large, negative, NaN-like or with a decimal comma;
dates far in the past or future and malformed ones. Each answer must be below 500, and a 4xx
must leave every business table as it was (a fingerprint of their rows before and after;
the tables that change on any request, such as sessions and rate-limit counters, are in
VOLATILE).

One app and one database per backend serve the whole run, through Flask's test client (no
server). On SQLite every example starts from the same data (put back from a snapshot after
an example that changed something), so the run is derandomized and reproducible; PostgreSQL
runs fewer drawn examples per route and compares fingerprints before and after each one.
WRITE_PROPERTY_EXAMPLES=50 searches longer; WRITE_PROPERTY_ONLY=<regex> picks routes and
WRITE_PROPERTY_DEBUG=1 prints every answer, on a developer's machine.

The routes, their forms and their people (EXCLUDED, WARM_UP) are found by
tests/write_targets.py; what is sent to them, by tests/write_values.py.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field

import pytest
from flask import got_request_exception
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text

from tests.conftest import make_app
from tests.snapshots import SqliteSnapshot
from tests.write_targets import Target, Visitors, _targets
from tests.write_values import EVERYWHERE, Drawn, _send

# Routes no page posts to in the demo's states, sent with guessed fields as the
# secretariat, and why they cannot be shown.
BLIND = {
    "meetings.held": "a meeting is marked held once it started; the demo's next one has not",
    "meetings.approve": "the demo's minutes are all approved; new ones are approved at a later "
    "meeting once finished",
    "meetings.reply_as_member": "the demo's members are not the people this test logs in as",
    "meetings.add_decision": "the minutes page is one form posting to meetings.minutes_editor",
    "meetings.add_action": "the minutes page is one form posting to meetings.minutes_editor",
    "meetings.remove_decision": "the minutes page is one form posting to meetings.minutes_editor",
    "notifications.unsubscribe": "a mail program posts it from a digest's List-Unsubscribe "
    "header, with the signed token of that e-mail",
    "notifications.settings_by_link": "reached from the signed link in an e-mail, which no page "
    "shows; the same form as /notifications/settings",
    "notifications.unfollow": "its button shows once one follows a record, which the test's "
    "people do not before the pages are read",
    "studyday.old_register": "the study day's registration address by year from before there "
    "were other events (issue 24); a page rendered before then may still post to it",
}
# Tables that change on any request, refused or not: the server-side session and its CSRF
# token, the rate-limit counters, a token's last use, the scheduler's bookkeeping, and the
# full-text index's own shadow tables (derived from services, which are compared).
VOLATILE = {
    "browser_sessions",
    "rate_limits",
    "api_tokens",
    "job_runs",
    "scheduler_lease",
}
VOLATILE_PREFIXES = ("service_search", "alembic_version")
# Drawn examples per route (besides the page's own values and the two in EVERYWHERE).
EXAMPLES = {"sqlite": 5, "postgresql": 2}
if os.environ.get("WRITE_PROPERTY_EXAMPLES"):
    EXAMPLES = dict.fromkeys(EXAMPLES, int(os.environ["WRITE_PROPERTY_EXAMPLES"]))

# --- what a refusal may not change -------------------------------------------------------


def fingerprint(app) -> dict[str, str]:
    """A digest of every business table's rows."""
    engine = app.extensions["concerto.db"].engine
    tables = [
        name
        for name in inspect(engine).get_table_names()
        if name not in VOLATILE and not name.startswith(VOLATILE_PREFIXES)
    ]
    if engine.dialect.name == "postgresql":
        # Digested by the server, in one round trip.
        query = " UNION ALL ".join(
            f"SELECT '{name}', count(*) || ':' || md5(coalesce(string_agg(t::text, '|' "
            f"ORDER BY t::text), '')) FROM \"{name}\" t"
            for name in tables
        )
        with engine.connect() as connection:
            return dict(connection.execute(text(query)).all())
    digests = {}
    with engine.connect() as connection:
        for name in tables:
            rows = connection.execute(text(f'SELECT * FROM "{name}"')).all()
            lines = sorted(repr(tuple(row)) for row in rows)
            digests[name] = f"{len(lines)}:" + hashlib.sha1("\n".join(lines).encode()).hexdigest()
    return digests


# --- the test ----------------------------------------------------------------------------


@pytest.fixture
def platform(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


@dataclass
class Run:
    """What the examples of every route found, for the assertions at the end."""

    app: object
    visitors: Visitors
    snapshot: SqliteSnapshot | None
    original: dict[str, str]
    failures: list[str] = field(default_factory=list)
    statuses: dict[str, list[int]] = field(default_factory=dict)
    errors: list[BaseException] = field(default_factory=list)
    dirty: bool = False

    def examples_of(self, target: Target, examples: int):
        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(data=st.data())
        def send(data):
            self.send(target, Drawn(data))

        return send

    def send(self, target: Target, choose) -> None:
        if self.snapshot is not None and self.dirty:
            self.snapshot.restore()
            self.dirty = False
        before = self.original if self.snapshot is not None else fingerprint(self.app)
        self.errors.clear()
        answer, sent = _send(self.visitors, target, choose)
        status = answer.status_code
        self.statuses.setdefault(f"{target.endpoint} {target.path}", []).append(status)
        where = f"{target.method} {target.path} as {target.who}"
        if os.environ.get("WRITE_PROPERTY_DEBUG"):
            print(
                where,
                status,
                answer.get_data(as_text=True)[:300],
                sent if len(str(sent)) < 300 else "",
            )
        if status >= 500:
            self.failures.append(f"{where}: {status} {self.errors[-1:]!r} for {sent!r}"[:1500])
        if not 400 <= status < 500:
            self.dirty = True
            return
        after = fingerprint(self.app)
        changed = sorted(name for name in after if after[name] != before.get(name))
        if changed:
            self.failures.append(f"{where}: {status} but {changed} changed, for {sent!r}"[:1500])
            self.dirty = True


def test_no_write_answers_a_server_error_or_stores_a_refusal(platform, backend):
    app = platform
    visitors = Visitors(app)
    targets = _targets(app, visitors)
    # A new write route whose form no page shows must be shown by WARM_UP (or said why not).
    # (Some of BLIND's may show, depending on the hour: the demo's meetings move with it.)
    assert {t.endpoint for t in targets if t.blind} <= BLIND.keys()
    snapshot = SqliteSnapshot(app) if backend == "sqlite" else None
    run = Run(app, visitors, snapshot, fingerprint(app))

    def note(_app, exception, **_extra):
        # The exception behind a 500, for the message (the error page does not show it).
        run.errors.append(exception)

    only = re.compile(os.environ.get("WRITE_PROPERTY_ONLY", ""))
    got_request_exception.connect(note, app)
    try:
        for target in (t for t in targets if only.search(f"{t.endpoint} {t.path}")):
            for choose in EVERYWHERE:
                run.send(target, choose)
            run.examples_of(target, EXAMPLES[backend])()
    finally:
        got_request_exception.disconnect(note, app)

    assert not run.failures, "\n".join(run.failures)
    # Each route's own code was reached: not every answer was a refusal to the person or a
    # record that does not exist (a wrong person or id in this test would hide the route).
    unreached = {
        route: sorted(set(seen))
        for route, seen in run.statuses.items()
        if set(seen) <= {401, 403, 404, 405} and route.split()[0] not in BLIND
    }
    assert unreached == {}
    assert len(run.statuses) == len(targets) or only.pattern
