"""The notifier as scheduled jobs (core.scheduler): every minute, what happened since; each
morning the daily digest, each Monday morning the weekly one."""

from __future__ import annotations

from core.audit.services import acting_as
from core.clock import in_brussels, utcnow
from core.notifications.services import notify_pending, send_digests
from core.permissions import system
from core.scheduler import job_app


def _run(label: str, work) -> int:
    app = job_app()
    with (
        app.app_context(),
        acting_as(system("job", label)),
        app.extensions["concerto.db"].session() as session,
    ):
        return work(session)


def notify() -> int:
    return _run("notify", notify_pending)


def daily_digest() -> int:
    today = in_brussels(utcnow()).date()
    return _run("daily digest", lambda session: send_digests(session, "daily", today.isoformat()))


def weekly_digest() -> int:
    year, week, _ = in_brussels(utcnow()).date().isocalendar()
    period = f"{year}-W{week:02d}"
    return _run("weekly digest", lambda session: send_digests(session, "weekly", period))
