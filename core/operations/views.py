"""Readiness and metrics for the operators (liveness, /healthz, lives with the site)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

from core.db import migration_state
from core.operations.observability import (
    metrics_allowed,
    metrics_response,
    plugin_event_status,
)
from core.scheduler import last_successes, lease_holder

blueprint = Blueprint("operations", __name__)


@blueprint.get("/readyz")
def readyz():
    """Ready to serve: the database answers, every migration is at head, a scheduler renewed
    its lease lately (only a scheduler whose job loop is alive renews it). Failed plugins and
    the age of each job's last successful run are listed; they never make the platform
    unready."""
    app = current_app
    settings = app.config["CONCERTO"]
    registry = app.extensions["concerto.registry"]
    engine = app.extensions["concerto.db"].engine
    checks: dict = {}
    try:
        state = migration_state(engine, registry)
        late = sorted(code for code, s in state.items() if not s["at_head"])
        checks["database"] = "ok"
        checks["migrations"] = "ok" if not late else {"behind": late}
        holder = lease_holder(engine)
        stale = datetime.now(UTC) - timedelta(seconds=settings["scheduler_stale_seconds"])
        if holder is None:
            checks["scheduler"] = "no scheduler"
        else:
            # The lease runs `ttl` ahead of its last renewal.
            checks["scheduler"] = "ok" if holder[1] > stale else "stale"
        # How long ago each job last ran without an error (null: never); a job that keeps
        # failing shows here while the scheduler itself runs.
        checks["jobs"] = {
            job: {"last_success_age_seconds": age} for job, age in last_successes(app).items()
        }
    except SQLAlchemyError as error:
        checks["database"] = f"error: {type(error).__name__}"
    checks["failed_plugins"] = {p.name: p.reason for p in registry.failed()}
    # Plugins whose event handler failed (core.events.hooks): they stay enabled.
    checks["plugin_events"] = plugin_event_status(app)
    ready = all(checks.get(key) == "ok" for key in ("database", "migrations", "scheduler"))
    return jsonify({"status": "ready" if ready else "not ready", **checks}), 200 if ready else 503


@blueprint.get("/metrics")
def metrics():
    if not metrics_allowed(current_app):
        abort(404)  # not advertised to the public
    return metrics_response(current_app)
