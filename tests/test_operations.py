"""Operations: readiness, metrics, request ids and JSON logs, and a database that goes away
and comes back while the platform serves."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

import pytest
from sqlalchemy import text

from core.db import CORE_HISTORY, downgrade, upgrade
from core.operations.observability import JsonFormatter
from core.scheduler import LEASE, lease_table, record_run, take_lease
from tests.conftest import _migrate_and_seed, make_app, shorten_long_terms
from tests.logins import login
from tests.postgres import PostgresServer


@pytest.fixture
def ops_app(database_url):
    application = make_app(database_url, metrics_token="prometheus-secret")
    yield application
    application.extensions["concerto.db"].engine.dispose()


def test_readyz_needs_the_database_migrations_and_a_live_scheduler(ops_app):
    client = ops_app.test_client()
    engine = ops_app.extensions["concerto.db"].engine
    first = client.get("/readyz")
    assert first.status_code == 503 and first.get_json()["scheduler"] == "no scheduler"
    assert take_lease(engine, "scheduler-under-test", ttl_seconds=60)
    ready = client.get("/readyz")
    assert ready.status_code == 200
    # Failed plugins, jobs and plugins' event handlers are listed; they never make it unready.
    assert ready.get_json() | {"failed_plugins": {}, "jobs": {}, "plugin_events": {}} == {
        "status": "ready",
        "database": "ok",
        "migrations": "ok",
        "scheduler": "ok",
        "failed_plugins": {},
        "jobs": {},
        "plugin_events": {},
    }
    # A scheduler that stopped renewing its lease long ago.
    from core.clock import utcnow

    with engine.begin() as connection:
        connection.execute(
            lease_table.update()
            .where(lease_table.c.name == LEASE)
            .values(expires_at=utcnow() - timedelta(minutes=10))
        )
    assert client.get("/readyz").get_json()["scheduler"] == "stale"
    take_lease(engine, "scheduler-under-test", ttl_seconds=60)
    shorten_long_terms(engine)
    downgrade(engine, CORE_HISTORY, "0006")
    behind = client.get("/readyz")
    assert behind.status_code == 503
    assert behind.get_json()["migrations"] == {"behind": ["core"]}
    upgrade(engine, CORE_HISTORY)
    assert client.get("/readyz").status_code == 200


def test_metrics_count_requests_logins_and_jobs_for_prometheus_only(ops_app, providers):
    app = make_app(
        str(ops_app.extensions["concerto.db"].engine.url.render_as_string(hide_password=False)),
        metrics_token="prometheus-secret",
        **providers.settings(),
    )
    client = app.test_client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    for _ in range(3):
        client.get("/healthz")
    client.get("/services/999999")
    login(client, "cocof", "cocof-camille")
    record_run(app.extensions["concerto.db"].engine, "core.deliver_mail", None)
    record_run(app.extensions["concerto.db"].engine, "core.deliver_mail", RuntimeError("smtp"))
    page = client.get("/metrics", headers={"Authorization": "Bearer prometheus-secret"})
    assert page.status_code == 200 and page.mimetype == "text/plain"
    body = page.get_data(as_text=True)

    def value(prefix: str) -> float:
        line = next(line for line in body.splitlines() if line.startswith(prefix))
        return float(line.rsplit(" ", 1)[1])

    assert value('concerto_http_requests_total{method="GET",route="/healthz",status="200"}') >= 3
    assert (
        value(
            'concerto_http_requests_total{method="GET",route="/services/<int(max=2147483647):service_id>",status="404"}'
        )
        >= 1
    )
    assert 'concerto_http_request_seconds_bucket{le="0.005",route="/healthz"}' in body
    assert value('concerto_logins_total{authority="cocof",outcome="success"}') >= 1
    assert value('concerto_jobs_run_total{job="core.deliver_mail"}') == 2
    assert value('concerto_jobs_failed_total{job="core.deliver_mail"}') == 1
    # The failed run leaves the last success where the first run put it, a moment ago.
    assert 0 <= value('concerto_job_last_success_age_seconds{job="core.deliver_mail"}') < 60
    app.extensions["concerto.db"].engine.dispose()


def test_readyz_and_metrics_give_each_jobs_last_success_age(ops_app):
    """Issue 18, point 3: a job that keeps failing shows while the scheduler runs."""
    from core.clock import utcnow
    from core.scheduler import job_runs

    engine = ops_app.extensions["concerto.db"].engine
    client = ops_app.test_client()
    record_run(engine, "core.deliver_mail", None)
    record_run(engine, "core.send_agendas", None)
    with engine.begin() as connection:  # the agenda job last succeeded two hours ago
        connection.execute(
            job_runs.update()
            .where(job_runs.c.job_id == "core.send_agendas")
            .values(last_success_at=utcnow() - timedelta(hours=2))
        )
    record_run(engine, "core.send_agendas", RuntimeError("database is locked"))
    jobs = client.get("/readyz").get_json()["jobs"]
    assert 0 <= jobs["core.deliver_mail"]["last_success_age_seconds"] < 60
    assert 7190 < jobs["core.send_agendas"]["last_success_age_seconds"] < 7300
    # Every job of the core and the plugins is listed, also one that never succeeded.
    assert jobs["core.studyday_anonymise"] == {"last_success_age_seconds": None}
    body = client.get("/metrics", headers={"Authorization": "Bearer prometheus-secret"}).get_data(
        as_text=True
    )
    ages = {
        line.split('"')[1]: float(line.rsplit(" ", 1)[1])
        for line in body.splitlines()
        if line.startswith("concerto_job_last_success_age_seconds{")
    }
    assert 7190 < ages["core.send_agendas"] < 7300
    assert 0 <= ages["core.deliver_mail"] < 60
    assert "core.studyday_anonymise" not in ages


def test_every_request_has_an_id_that_the_json_logs_carry(ops_app):
    client = ops_app.test_client()
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"]
        == "abc-123"
    )
    hostile = client.get("/healthz", headers={"X-Request-ID": "forged id; with spaces"})
    assert hostile.headers["X-Request-ID"] != "forged id; with spaces"
    with ops_app.test_request_context("/", headers={"X-Request-ID": "req-42"}):
        ops_app.preprocess_request()
        record = logging.LogRecord(
            "concerto", logging.INFO, __file__, 1, "hello %s", ("you",), None
        )
        line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "hello you" and line["request_id"] == "req-42"
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")


def test_a_database_that_goes_away_gives_a_clear_503_and_the_platform_recovers(tmp_path):
    server = PostgresServer()
    server.start()
    try:
        server.execute("CREATE DATABASE concerto")
        url = server.url("concerto")
        _migrate_and_seed(url)
        app = make_app(url)
        client = app.test_client()
        assert client.get("/services").status_code == 200
        server.pause()
        down = client.get("/services", headers={"Accept-Language": "fr"})
        assert down.status_code == 503
        assert down.headers["Retry-After"] == "60"
        page = down.get_data(as_text=True)
        assert "Traceback" not in page and "<h1>" in page
        assert "Temporairement indisponible" in page or "indisponible" in page
        api = client.get("/api/v1/services")
        assert api.status_code == 503 and api.mimetype == "application/problem+json"
        assert api.headers["Retry-After"] == "60"
        assert client.get("/healthz").status_code == 503
        server.resume()
        deadline = time.monotonic() + 30
        while client.get("/services").status_code != 200:
            assert time.monotonic() < deadline, "the platform did not recover"
            time.sleep(0.5)
        with app.extensions["concerto.db"].engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM services")).scalar() > 0
        app.extensions["concerto.db"].engine.dispose()
    finally:
        server.stop()


def test_login_attempts_are_counted_across_app_servers(database_url, providers):
    """Two app servers on one database share the login limit: the counters live there."""
    servers = [
        make_app(database_url, login_rate_limit="3 per minute", **providers.settings())
        for _ in range(2)
    ]
    try:
        statuses = [
            servers[n % 2].test_client().get("/auth/cocof/login").status_code for n in range(4)
        ]
        assert statuses[:3] != [429, 429, 429] and 429 not in statuses[:3]
        assert statuses[3] == 429
    finally:
        for app in servers:
            app.extensions["concerto.db"].engine.dispose()


def test_a_request_body_over_the_limit_is_refused_clearly(sqlite_url):
    app = make_app(sqlite_url, max_request_bytes=1024 * 1024)
    try:
        client = app.test_client()
        body = b"x" * (1024 * 1024 + 10)
        page = client.post(
            "/services/import",
            data=body,
            headers={"Accept-Language": "fr"},
            content_type="application/octet-stream",
        )
        assert page.status_code == 413
        assert "1 Mo" in page.get_data(as_text=True) or "1 MB" in page.get_data(as_text=True)
        api = client.post("/api/v1/services", data=body, content_type="application/json")
        assert api.status_code == 413 and api.mimetype == "application/problem+json"
    finally:
        app.extensions["concerto.db"].engine.dispose()
