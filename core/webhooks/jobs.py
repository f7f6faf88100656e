"""Webhook deliveries as a scheduled job (core.scheduler): every minute, the new events of the
log for each endpoint, then the deliveries that are due."""

from __future__ import annotations

from core.audit.services import acting_as
from core.permissions import system
from core.scheduler import job_app
from core.webhooks.delivery import deliver


def deliver_webhooks() -> dict[str, int]:
    app = job_app()
    with (
        app.app_context(),
        acting_as(system("job", "webhooks")),
        app.extensions["concerto.db"].session() as session,
    ):
        return deliver(session)
