"""What operators see: a request id on every request and log line, structured JSON logs,
Prometheus metrics at /metrics (requests by route and status, latency, logins by authority
and outcome, scheduled jobs run and failed) and readiness at /readyz.

Under gunicorn each worker counts for itself; with PROMETHEUS_MULTIPROC_DIR set (`concerto
serve` sets it) /metrics adds up all workers, as the Prometheus client documents.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
import uuid
from datetime import UTC, datetime
from functools import cache

from flask import Flask, Response, abort, g, has_request_context, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core.events.hooks import status
from core.scheduler import job_runs


@cache
def instruments() -> dict:
    """The metrics, made on first use: by then `concerto serve` has chosen multiprocess mode
    (the value class is read when a metric is made), and each worker makes its own."""
    return {
        "requests": Counter(
            "concerto_http_requests",
            "HTTP requests by route and status",
            ["method", "route", "status"],
        ),
        "latency": Histogram(
            "concerto_http_request_seconds",
            "Time to answer a request, by route",
            ["route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        ),
        "logins": Counter(
            "concerto_logins", "Logins by authority and outcome", ["authority", "outcome"]
        ),
    }


def count_login(authority: str, outcome: str) -> None:
    instruments()["logins"].labels(authority, outcome).inc()


def use_multiprocess_metrics(folder: str) -> None:
    """Called by `concerto serve` before any worker starts."""
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    values.ValueClass = values.get_value_class()


def request_id() -> str:
    return g.get("request_id", "-")


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id when there is a request."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():  # not in a job or on the command line
            entry["request_id"] = request_id()
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def use_json_logs() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.INFO)


def init_observability(app: Flask) -> None:
    if app.config["CONCERTO"]["json_logs"]:
        use_json_logs()

    @app.before_request
    def _start():
        incoming = request.headers.get("X-Request-ID", "")
        # Accept a proxy's id when it looks like one; never echo arbitrary text into logs.
        ok = 0 < len(incoming) <= 64 and incoming.replace("-", "").isalnum()
        g.request_id = incoming if ok else uuid.uuid4().hex
        g.request_started = time.perf_counter()
        limit = app.config["MAX_CONTENT_LENGTH"]
        if request.content_length is not None and limit and request.content_length > limit:
            # Refused before anything reads the body or asks who is sending it.
            abort(413)

    @app.after_request
    def _count(response):
        route = request.url_rule.rule if request.url_rule else "unmatched"
        metrics = instruments()
        metrics["requests"].labels(request.method, route, str(response.status_code)).inc()
        started = g.get("request_started")
        if started is not None:
            metrics["latency"].labels(route).observe(time.perf_counter() - started)
        response.headers["X-Request-ID"] = request_id()
        return response


class JobCollector:
    """Jobs run and failed, from the table the scheduler process writes (it is another
    process than the web servers Prometheus scrapes)."""

    def __init__(self, engine) -> None:
        self.engine = engine

    def collect(self):

        runs = CounterMetricFamily("concerto_jobs_run", "Scheduled job runs", labels=["job"])
        failed = CounterMetricFamily("concerto_jobs_failed", "Failed job runs", labels=["job"])
        age = GaugeMetricFamily(
            "concerto_job_last_success_age_seconds",
            "Seconds since the job last ran without an error (absent: never)",
            labels=["job"],
        )
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(
                    select(
                        job_runs.c.job_id,
                        job_runs.c.runs,
                        job_runs.c.failures,
                        job_runs.c.last_success_at,
                    )
                ).all()
        except SQLAlchemyError:
            rows = []
        now = datetime.now(UTC)
        for job, run_count, failure_count, success_at in rows:
            runs.add_metric([job], run_count)
            failed.add_metric([job], failure_count)
            if success_at is not None:
                age.add_metric([job], round((now - success_at).total_seconds(), 1))
        yield runs
        yield failed
        yield age


class PluginEventCollector:
    """Events handed to each plugin's ``concerto_event`` and the failed calls, from the
    readers' rows the scheduler process writes (core.events.hooks)."""

    def __init__(self, engine) -> None:
        self.engine = engine

    def collect(self):
        labels = ["plugin"]
        delivered = CounterMetricFamily(
            "concerto_plugin_events_delivered", "Events a plugin's handler took", labels=labels
        )
        failed = CounterMetricFamily(
            "concerto_plugin_event_failures",
            "Calls of a plugin's event handler that raised",
            labels=labels,
        )
        skipped = CounterMetricFamily(
            "concerto_plugin_events_skipped",
            "Events given up on after repeated failures of a plugin's handler",
            labels=labels,
        )
        for plugin, figures in _plugin_events(self.engine).items():
            delivered.add_metric([plugin], figures["delivered"])
            failed.add_metric([plugin], figures["failures"])
            skipped.add_metric([plugin], figures["skipped"])
        yield delivered
        yield failed
        yield skipped


def _plugin_events(engine) -> dict:

    try:
        with Session(engine) as session:
            return status(session)
    except SQLAlchemyError:
        return {}


def plugin_event_status(app: Flask) -> dict:
    """Each plugin's event deliveries, failures and last error, for /readyz."""
    return _plugin_events(app.extensions["concerto.db"].engine)


def metrics_response(app: Flask) -> Response:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        instruments()  # so that an idle server shows its metrics too
        registry = REGISTRY
    output = generate_latest(registry)
    jobs = CollectorRegistry()
    jobs.register(JobCollector(app.extensions["concerto.db"].engine))
    jobs.register(PluginEventCollector(app.extensions["concerto.db"].engine))
    return Response(output + generate_latest(jobs), mimetype=CONTENT_TYPE_LATEST)


def metrics_allowed(app: Flask) -> bool:
    """Metrics are for the operators' Prometheus: a bearer token from the configuration."""
    expected = app.config["CONCERTO"]["metrics_token"]
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    return (
        bool(expected)
        and scheme.lower() == "bearer"
        and secrets.compare_digest(given.strip(), expected)
    )
