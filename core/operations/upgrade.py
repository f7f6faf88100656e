"""Bringing a database to the newest revision of the core and every enabled plugin: what
`concerto db upgrade`, `concerto demo` and a restore (which first creates the tables) share."""

from __future__ import annotations

from core.db import CORE_HISTORY, histories, upgrade
from core.inventory import search
from core.reference.services import sync_authorities


def upgrade_all(app, only: str | None = None) -> list[str]:
    """Upgrade the core, then every enabled plugin (or only one), and store the authorities.

    The authorities are stored after any upgrade the core is at head for: installing a new
    authority's plugin is `db upgrade -p CODE`, and its services need its row."""
    database = app.extensions["concerto.db"]
    registry = app.extensions["concerto.registry"]
    done = []
    for history in histories(registry):
        if only and history.code != only:
            continue
        upgrade(database.engine, history)
        done.append(history)
    if CORE_HISTORY.current(database.engine) == CORE_HISTORY.head():
        with database.session() as session:
            sync_authorities(session, registry)
        with database.session() as session:
            # Search documents written by an older version are rebuilt, once.
            search.ensure_current(session)
    return [history.code for history in done]
