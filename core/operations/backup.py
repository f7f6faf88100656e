"""Backups that restore: one archive with every table of the core and the enabled plugins,
read in a single snapshot while the platform serves, with a manifest of the plugin versions
and migration revisions it was made with.

The archive is a zip file: ``manifest.json`` and one ``tables/<name>.jsonl`` per table, a
JSON object per row. Values are written by column type (times in ISO 8601 UTC, bytes in
base64, exact numbers as text), so an archive of SQLite restores into PostgreSQL: the way
from the demo to production. Rows are streamed in both directions, so memory does not grow
with the data.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, LargeBinary, Numeric, Table, func, inspect, select, text
from sqlalchemy.engine import Connection, Engine

from core.clock import utcnow
from core.db import Base, histories, migration_state
from core.inventory import search
from core.inventory.generation import inventory_generation
from core.operations.upgrade import upgrade_all

FORMAT = 1
BATCH = 1000
# Kept by the scheduler and the sessions themselves; rebuilt or refilled on their own. The
# inventory's change counter only keys caches: a restore moves it on instead. The stored HSDS
# documents and their stamps are derived: the restore's own inserts stamp the services anew
# and the first export builds the documents again.
SKIPPED = {"scheduler_lease", "inventory_generation", "service_stamps", "hsds_documents"}


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what to do."""


def tables(engine: Engine) -> list[Table]:
    """The platform's tables present in the database, parents before children."""
    present = set(inspect(engine).get_table_names())
    return [t for t in Base.metadata.sorted_tables if t.name in present and t.name not in SKIPPED]


def _encode(column, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, DateTime) or isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal):  # exact numbers (FTE, amounts) as text, never as floats
        return str(value)
    return value


def _decode(column, value: Any) -> Any:
    if value is None:
        return None
    if _datetime_column(column):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    if isinstance(column.type, LargeBinary):
        return base64.b64decode(value)
    if isinstance(column.type, Numeric) and isinstance(value, str):
        return Decimal(value)
    return value


def _datetime_column(column) -> bool:
    kind = column.type
    return isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime)


def manifest_of(engine: Engine, registry) -> dict:
    state = migration_state(engine, registry)
    late = [code for code, s in state.items() if not s["at_head"]]
    if late:
        raise BackupError(
            f"The database is behind for {', '.join(late)}; run `concerto db upgrade` first."
        )
    return {
        "format": FORMAT,
        "made_at": utcnow().isoformat(),
        "dialect": engine.dialect.name,
        "concerto": importlib_metadata.version("concerto"),
        "plugins": {plugin.name: plugin.version for plugin in registry.enabled()},
        "revisions": {code: s["current"] for code, s in state.items()},
        "tables": {},
    }


def _snapshot(connection: Connection) -> None:
    """One consistent view of every table for the whole backup."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
    else:
        # SQLite: a read transaction sees one state of the database until it ends (WAL).
        connection.exec_driver_sql("BEGIN")


def backup(engine: Engine, registry, target: Path) -> dict:
    """Write the archive to ``target``; returns the manifest (with row counts)."""
    manifest = manifest_of(engine, registry)
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with engine.connect() as connection:
            _snapshot(connection)
            for table in tables(engine):
                count = 0
                with archive.open(f"tables/{table.name}.jsonl", "w") as raw:
                    out = io.TextIOWrapper(raw, encoding="utf-8")
                    result = connection.execution_options(yield_per=BATCH).execute(
                        select(table).order_by(*table.primary_key.columns)
                    )
                    for row in result:
                        record = {
                            column.name: _encode(column, row._mapping[column.name])
                            for column in table.columns
                        }
                        out.write(json.dumps(record, ensure_ascii=False) + "\n")
                        count += 1
                    out.flush()
                    out.detach()
                manifest["tables"][table.name] = count
            # The snapshot only read: ending its transaction is all that is left to do.
            connection.rollback()
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    partial.replace(target)  # never a half-written archive under the real name
    return manifest


def read_manifest(source: Path) -> dict:
    try:
        with zipfile.ZipFile(source) as archive:
            manifest = json.loads(archive.read("manifest.json"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError) as error:
        raise BackupError(f"{source} is not a Concerto backup: {error}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source} has backup format {manifest.get('format')}, not {FORMAT}.")
    return manifest


def check_compatible(manifest: dict, engine: Engine, registry) -> None:
    """The archive restores only into the same plugins at the same migration revisions."""
    plugins = {plugin.name: plugin.version for plugin in registry.enabled()}
    if plugins != manifest["plugins"]:
        raise BackupError(
            "The backup was made with plugins "
            + _listing(manifest["plugins"])
            + " but this platform has "
            + _listing(plugins)
            + ". Install and enable the same plugin versions, restore, then upgrade."
        )
    heads = {history.code: history.head() for history in histories(registry)}
    if heads != manifest["revisions"]:
        different = sorted(
            code
            for code in heads.keys() | manifest["revisions"].keys()
            if heads.get(code) != manifest["revisions"].get(code)
        )
        raise BackupError(
            "The backup's migration revisions differ for "
            + ", ".join(different)
            + ": restore with the version of Concerto the backup was made with, then upgrade."
        )


def _listing(plugins: dict) -> str:
    return ", ".join(f"{code} {version}" for code, version in sorted(plugins.items())) or "none"


def restore(app, source: Path) -> dict:
    """Restore an archive into an empty database: create the tables at the backup's
    revisions, then load every row. Refuses a database that already holds data."""
    engine = app.extensions["concerto.db"].engine
    registry = app.extensions["concerto.registry"]
    manifest = read_manifest(source)
    check_compatible(manifest, engine, registry)
    if inspect(engine).get_table_names():
        raise BackupError(
            "The database is not empty. Restore into a new, empty database (a failed restore "
            "never mixes two platforms' data)."
        )
    upgrade_all(app)
    loaded = tables(engine)
    with engine.begin() as connection:
        # The migrations may have stored defaults (the authorities); the backup has them.
        for table in reversed(loaded):
            connection.execute(table.delete())
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
            for table in loaded:
                member = f"tables/{table.name}.jsonl"
                if member not in names:
                    continue
                _load(connection, archive, member, table)
        _reset_sequences(connection, loaded)
        _check_counts(connection, loaded, manifest)
        # Figures any process cached for this (then empty) database must not be served.
        connection.execute(
            inventory_generation.update().values(generation=inventory_generation.c.generation + 1)
        )
    _rebuild_search(app)
    return manifest


def _load(connection: Connection, archive: zipfile.ZipFile, member: str, table: Table) -> None:
    columns = {column.name: column for column in table.columns}
    batch: list[dict] = []
    with archive.open(member) as raw:
        for line in io.TextIOWrapper(raw, encoding="utf-8"):
            record = json.loads(line)
            row = {}
            for name, value in record.items():
                column = columns.get(name)
                if column is None:
                    raise BackupError(f"{member}: column {name} is unknown here")
                row[name] = _decode(column, value)
            batch.append(row)
            if len(batch) >= BATCH:
                connection.execute(table.insert(), batch)
                batch = []
    if batch:
        connection.execute(table.insert(), batch)


def _reset_sequences(connection: Connection, loaded: list[Table]) -> None:
    """PostgreSQL hands out ids from sequences; after explicit ids they must move on."""
    if connection.dialect.name != "postgresql":
        return
    for table in loaded:
        keys = list(table.primary_key.columns)
        if (
            len(keys) == 1
            and keys[0].autoincrement in (True, "auto")
            and keys[0].type.python_type is int
        ):
            sequence = connection.scalar(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": table.name, "column": keys[0].name},
            )
            if sequence:
                highest = connection.scalar(select(func.max(keys[0])))
                connection.execute(
                    text("SELECT setval(:sequence, :value, :called)"),
                    {"sequence": sequence, "value": highest or 1, "called": highest is not None},
                )


def _check_counts(connection: Connection, loaded: list[Table], manifest: dict) -> None:
    for table in loaded:
        expected = manifest["tables"].get(table.name)
        if expected is None:
            continue
        found = connection.scalar(select(func.count()).select_from(table))
        if found != expected:
            raise BackupError(f"{table.name}: {found} rows restored, the backup has {expected}")


def _rebuild_search(app) -> None:
    """The full-text index is derived data, rebuilt from the restored services."""
    with app.extensions["concerto.db"].session() as session:
        search.rebuild(session)
