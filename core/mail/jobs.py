"""The scheduled delivery of the outbox (core.scheduler runs it every few minutes)."""

from __future__ import annotations

from core.mail.services import deliver
from core.scheduler import job_app


def deliver_mail() -> dict[str, int]:
    app = job_app()
    with app.extensions["concerto.db"].session() as session:
        return deliver(session, app.config["CONCERTO"])
