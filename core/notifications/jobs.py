"""The notifier as a scheduled job (core.scheduler): every minute, what happened since."""

from __future__ import annotations

from core.audit.services import acting_as
from core.notifications.services import notify_pending
from core.permissions import system
from core.scheduler import job_app


def notify() -> int:
    app = job_app()
    with (
        app.app_context(),
        acting_as(system("job", "notify")),
        app.extensions["concerto.db"].session() as session,
    ):
        written = notify_pending(session)
    return written
