"""Plugin status as `concerto plugins`, the admin page and /healthz report it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from core.db import migration_state


def plugin_status(registry, engine) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The core's migration state, and each installed plugin with its versions, state, hooks
    and migration revision (None for a plugin that is disabled or failed)."""
    try:
        migrations, database_error = migration_state(engine, registry), None
    except SQLAlchemyError as error:
        migrations, database_error = {}, str(error.__cause__ or error)
    rows = []
    for plugin in registry.plugins.values():
        row = plugin.as_dict() | {"migration": migrations.get(plugin.name)}
        if database_error:
            row["migration_error"] = database_error
        rows.append(row)
    return migrations.get("core"), rows
