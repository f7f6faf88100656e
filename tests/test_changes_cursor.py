"""The change log's cursor and the plugins' event hook (issue 23): paging by cursor neither
skips nor repeats, not even an event committed late by a longer transaction; each plugin
hears of each event once, a failing one without stopping the others. On SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from core.events import hooks, log
from core.events.models import Event, EventReader
from tests.change_feeds import (
    LOTTE,
    _all_changes,
    _client,
    _post,
    _token,
)
from tests.logins import SECRETARY, csrf_token, grant, login
from tests.test_service_history import FIRST

# --- the cursor ---------------------------------------------------------------------------------


def test_paging_by_cursor_neither_skips_nor_repeats(feeds_app):
    app = feeds_app
    client = app.test_client()
    login(client, *SECRETARY)
    grant(app, *SECRETARY, "secretary")
    secretary = _token(app, SECRETARY)
    whole, end = _all_changes(client, headers=secretary, limit=500)
    paged, paged_end = _all_changes(client, headers=secretary, limit=7)
    assert [c["id"] for c in paged] == [c["id"] for c in whole]
    assert len({c["id"] for c in whole}) == len(whole) > 300
    assert paged_end == end
    # Nothing new: the same cursor comes back, and the page is empty.
    again = client.get("/api/v1/changes", query_string={"since": end}, headers=secretary).get_json()
    assert again == {"changes": [], "next": end, "more": False}
    # Going on from a change's own cursor gives what followed it.
    middle = whole[200]
    after, _ = _all_changes(client, middle["cursor"], headers=secretary)
    assert [c["id"] for c in after] == [c["id"] for c in whole[201:]]
    # A new change comes after the cursor, once.
    lotte = _client(app, LOTTE)
    created = lotte.post(
        "/services/new", data={"csrf_token": csrf_token(lotte, "/services/new"), **FIRST}
    )
    service_id = int(created.location.rsplit("/", 1)[1])
    new, _ = _all_changes(client, end, headers=secretary)
    assert [(c["kind"], c["record"]["id"]) for c in new] == [("service.created", service_id)]
    # What the platform did not give is refused, in words.
    for query, field in (
        ({"since": "not-a-cursor"}, "since"),
        ({"kinds": "service.teleported"}, "kinds"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
    ):
        refused = client.get("/api/v1/changes", query_string=query)
        assert refused.status_code == 422
        assert refused.get_json()["errors"][0]["field"] == field
    assert "/changes" in client.get("/api/v1/openapi.json").get_json()["paths"]


def test_an_event_committed_late_by_a_longer_transaction_is_not_skipped(feeds_app):
    """PostgreSQL hands out ids before commit: a reader that had kept the id of a later event
    would never see an earlier one committed after it (an import committing after a page)."""
    app = feeds_app
    engine = app.extensions["concerto.db"].engine
    with app.app_context(), app.extensions["concerto.db"].session() as db:
        start = log.end_of_log(db)
    row = {
        "kind": "goal.changed",
        "record_kind": "goal",
        "record_id": 1,
        "visibility": "public",
        "data": {},
        "channel": "job",
    }
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite writes one transaction at a time: ids are the commit order")
    long = engine.connect()
    long_tx = long.begin()
    long.execute(insert(Event).values(row | {"record_id": 1}))
    with engine.begin() as short:
        short.execute(insert(Event).values(row | {"record_id": 7}))
    with app.app_context(), app.extensions["concerto.db"].session() as db:
        assert log.read(db, start) == [], "the later event waits for the one still being written"
    long_tx.commit()
    long.close()
    with app.app_context(), app.extensions["concerto.db"].session() as db:
        found = log.read(db, start)
        assert [e.record_id for e in found] == [1, 7]
        assert found[0].id < found[1].id
    # Events copied from SQLite by a restore have no transaction: read first, not lost.
    with engine.begin() as restore:
        restore.execute(insert(Event).values(row | {"record_id": 9, "tx": None}))
    with app.app_context(), app.extensions["concerto.db"].session() as db:
        restored = log.read(db, log.START, where=Event.tx.is_(None))
        assert [e.record_id for e in restored] == [9]
        assert log.read(db, log.position_of(found[-1])) == [], "and not again at the end"


# --- the plugins' event hook --------------------------------------------------------------------


def test_each_plugin_hears_each_event_once_and_a_failing_one_stops_no_other(feeds_app):
    from tests.fixture_plugins import events_failing, events_heard

    app = feeds_app
    events_heard.HEARD.clear()
    events_failing.CALLS.clear()
    registry = app.extensions["concerto.registry"]

    def run() -> int:
        with app.app_context(), app.extensions["concerto.db"].session() as db:
            return hooks.deliver(db, registry)

    assert run() == 0, "a plugin first seen starts from now, not from the whole past"
    lotte = _client(app, LOTTE)
    created = lotte.post(
        "/services/new", data={"csrf_token": csrf_token(lotte, "/services/new"), **FIRST}
    )
    service_id = int(created.location.rsplit("/", 1)[1])
    _post(lotte, f"/services/{service_id}/submit")
    with app.extensions["concerto.db"].session() as db:
        written = db.scalars(
            select(Event.id)
            .where(Event.record_id == service_id, Event.record_kind == "service")
            .order_by(Event.id)
        ).all()
    assert len(written) == 3  # created, changed (submitted), and the step service_submitted

    assert run() == 3
    assert [e.id for e in events_heard.HEARD] == written
    kinds = [e.kind for e in events_heard.HEARD]
    assert kinds == ["service.created", "service.changed", "service_submitted"]
    first = events_heard.HEARD[0]
    assert (first.record_id, first.authority, first.channel, first.tombstone) == (
        service_id,
        "vlaams",
        "page",
        False,
    )
    assert [written[0]] == events_failing.CALLS, "the failing plugin stops at its own failure"
    # Two more runs: the heard plugin hears nothing twice; the failing one is tried again on
    # the same event, three calls in all, then skips it and goes on (and fails again).
    assert run() == 0 and run() == 0
    assert len(events_heard.HEARD) == 3
    assert [written[0]] * 3 + [written[1]] == events_failing.CALLS

    with app.extensions["concerto.db"].session() as db:
        failing = db.get(EventReader, "plugin:zz_failing")
        assert (failing.failures, failing.skipped, failing.delivered) == (4, 1, 0)
        assert "RuntimeError: the Region's system is down" in failing.last_error
        assert db.get(EventReader, "plugin:zz_heard").delivered == 3
    ready = app.test_client().get("/readyz").get_json()
    assert ready["plugin_events"]["zz_failing"]["failures"] == 4
    assert ready["plugin_events"]["zz_heard"] == ready["plugin_events"]["zz_heard"] | {
        "failures": 0,
        "delivered": 3,
    }
    metrics = (
        app.test_client()
        .get("/metrics", headers={"Authorization": "Bearer metrics-secret"})
        .get_data(as_text=True)
    )
    assert 'concerto_plugin_event_failures_total{plugin="zz_failing"} 4.0' in metrics
    assert 'concerto_plugin_events_skipped_total{plugin="zz_failing"} 1.0' in metrics
    assert 'concerto_plugin_events_delivered_total{plugin="zz_heard"} 3.0' in metrics
    assert registry.plugins["zz_failing"].status == "enabled", "a failing handler stays enabled"
    # The job itself is scheduled, every minute.
    from core.scheduler import CORE_JOBS

    assert {
        "id": "plugin_events",
        "func": "core.events.hooks:run",
        "trigger": "interval",
        "trigger_args": {"minutes": 1},
    } in CORE_JOBS
