"""The plugins' event hook (``concerto_event``, core/hookspecs.py): each event of the log,
after its commit, to each enabled plugin that implements the hook, once, in the log's order.

A scheduled job (``core.plugin_events``, every minute) reads the log from each plugin's own
place (core.events.log: a row in ``event_readers`` named ``plugin:<name>``), so one plugin
that is slow or failing never holds back another. A handler that raises is isolated: the
failure is counted for that plugin (``/metrics``: ``concerto_plugin_event_failures``;
``/readyz``: ``plugin_events``) and the same event is tried again at the next runs, up to
``ATTEMPTS`` calls in all; then it is skipped (counted as such, its id in the last error)
and the plugin goes on with the next event. The place is stored after every event, so a
scheduler that stops between a call and its commit repeats that one event only.

A plugin enabled later starts with the events written after the job first sees it: it is
not handed the platform's whole past.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.services import acting_as
from core.clock import utcnow
from core.events import changes, log
from core.events.models import Event, EventReader
from core.permissions import system
from core.scheduler import job_app

logger = logging.getLogger("concerto.events")

HOOK = "concerto_event"
ATTEMPTS = 3  # calls of a handler for one event before it is skipped
BATCH = 200  # events per plugin and run
PREFIX = "plugin:"


@dataclass(frozen=True)
class PluginEvent:
    """What a plugin is given: a copy of the event, never a database object."""

    id: int
    kind: str  # "service.withdrawn", "need.created"... or a domain event ("service_submitted")
    record_kind: str
    record_id: int
    authority: str | None
    occurred_at: datetime
    channel: str | None  # page, api, cli, job
    visibility: str  # public, logged_in, committee, secretariat, authority:<code>
    tombstone: bool  # the record left its readers' view (withdrawn or deleted)
    data: dict[str, Any] = field(default_factory=dict)  # fields changed, title per language...

    @classmethod
    def of(cls, event: Event) -> PluginEvent:
        return cls(
            id=event.id,
            kind=event.kind,
            record_kind=event.record_kind,
            record_id=event.record_id,
            authority=event.authority_code,
            occurred_at=event.occurred_at,
            channel=event.channel,
            visibility=event.visibility,
            tombstone=changes.is_tombstone(event.kind),
            data=dict(event.data or {}),
        )


def handlers(registry) -> dict[str, Any]:
    """Each enabled plugin's implementation of the hook, by plugin name."""
    manager = registry.manager
    if manager is None or not hasattr(manager.hook, HOOK):
        return {}
    enabled = {plugin.name for plugin in registry.enabled()}
    return {
        impl.plugin_name: impl.function
        for impl in getattr(manager.hook, HOOK).get_hookimpls()
        if impl.plugin_name in enabled
    }


def deliver(session: Session, registry, batch: int = BATCH) -> int:
    """Hand the events written since each plugin's place to that plugin. Returns the calls
    that succeeded."""
    done = 0
    for name, function in sorted(handlers(registry).items()):
        done += _deliver_to(session, name, function, batch)
    return done


def _deliver_to(session: Session, name: str, function, batch: int) -> int:
    reader = session.get(EventReader, PREFIX + name)
    if reader is None:
        # First seen: from now on, not the whole past.
        reader = log.reader_of(session, PREFIX + name, start=log.end_of_log(session))
        session.commit()
    done = 0
    position = log.Position(reader.after_tx, reader.after_id)
    for event in log.read(session, position, limit=batch):
        given = PluginEvent.of(event)
        try:
            function(event=given)
        except Exception as error:  # noqa: BLE001 - a plugin's fault stays the plugin's
            reader.failures += 1
            reader.attempts += 1
            reader.last_failure_at = utcnow()
            reader.last_error = f"event {event.id} ({event.kind}): {type(error).__name__}: {error}"[
                :2000
            ]
            logger.warning("plugin %s failed on event %s: %r", name, event.id, error)
            if reader.attempts < ATTEMPTS:
                session.commit()
                break  # the same event again at the next run; the later ones wait for it
            reader.skipped += 1
            logger.error("plugin %s: event %s skipped after %d attempts", name, event.id, ATTEMPTS)
        else:
            reader.delivered += 1
            done += 1
        reader.after_tx, reader.after_id = log.position_of(event)
        reader.attempts = 0
        reader.updated_at = utcnow()
        session.commit()
    return done


def status(session: Session) -> dict[str, dict[str, Any]]:
    """Each plugin's delivery figures, for /readyz and /metrics."""
    found = session.scalars(
        select(EventReader)
        .where(EventReader.reader.startswith(PREFIX))
        .order_by(EventReader.reader)
    ).all()
    return {
        reader.reader[len(PREFIX) :]: {
            "delivered": reader.delivered,
            "failures": reader.failures,
            "skipped": reader.skipped,
            "last_error": reader.last_error,
            "last_failure_at": reader.last_failure_at.isoformat()
            if reader.last_failure_at
            else None,
        }
        for reader in found
    }


def run() -> int:
    """The scheduled job (core.scheduler)."""
    app = job_app()
    with (
        app.app_context(),
        acting_as(system("job", "plugin events")),
        app.extensions["concerto.db"].session() as session,
    ):
        return deliver(session, app.extensions["concerto.registry"])
