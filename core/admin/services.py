"""Plugin status as `concerto plugins`, the admin page and /healthz report it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from core.db import History, migration_state


def plugin_status(registry, engine) -> list[dict[str, Any]]:
    """Each installed plugin with its versions, state, hooks and migration revision."""
    try:
        migrations = migration_state(engine, registry)
        database_error = None
    except SQLAlchemyError as error:
        migrations, database_error = {}, str(error.__cause__ or error)
    rows = []
    for plugin in registry.plugins.values():
        row = plugin.as_dict()
        if plugin.name in migrations:
            row["migration"] = migrations[plugin.name]
        elif plugin.migration_dir is not None:
            row["migration"] = {
                "current": None,
                "head": History(plugin.name, plugin.migration_dir).head(),
                "at_head": False,
            }
        else:
            row["migration"] = None
        if database_error:
            row["migration_error"] = database_error
        rows.append(row)
    return rows


def core_migration(registry, engine) -> dict[str, Any] | None:
    try:
        return migration_state(engine, registry).get("core")
    except SQLAlchemyError:
        return None
