"""Scheduled work of the identity feature."""

from __future__ import annotations

from datetime import timedelta

from core.audit.services import acting_as
from core.identity.sessions import purge_expired
from core.permissions import system
from core.scheduler import job_app


def purge_expired_sessions() -> int:
    """Remove sessions past their idle or absolute lifetime; they are refused anyway, this
    keeps the table small."""
    app = job_app()
    settings = app.config["CONCERTO"]
    with (
        acting_as(system("job", "purge expired sessions")),
        app.extensions["concerto.db"].session() as db,
    ):
        return purge_expired(
            db,
            idle=timedelta(minutes=settings["session_idle_minutes"]),
            absolute=timedelta(hours=settings["session_absolute_hours"]),
        )
