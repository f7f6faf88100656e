"""Putting a test's SQLite database back as it was, many times over and in milliseconds, for
property-based tests whose examples must each start from the same data (Hypothesis replays
an example and expects the same answers) without a fresh database per example."""

from __future__ import annotations

import sqlite3
from pathlib import Path


class SqliteSnapshot:
    """A copy of the app's SQLite database as it is now; ``restore()`` puts it back."""

    def __init__(self, app) -> None:
        self.database = app.extensions["concerto.db"]
        url = str(self.database.engine.url)
        if not url.startswith("sqlite:///"):
            raise ValueError(f"not a SQLite file: {url}")
        self.path = Path(url.removeprefix("sqlite:///"))
        self.copy = self.path.with_name(self.path.name + ".snapshot")
        self.database.engine.dispose()
        self._backup(self.path, self.copy)

    def restore(self) -> None:
        # The app's pooled connections would keep reading their own view; close them first.
        self.database.engine.dispose()
        self._backup(self.copy, self.path)

    @staticmethod
    def _backup(source: Path, target: Path) -> None:
        # SQLite's backup API, not a file copy: the database is in WAL mode, and a copy of
        # the main file alone would miss what the write-ahead log holds.
        with sqlite3.connect(source) as reader, sqlite3.connect(target) as writer:
            reader.backup(writer)
        reader.close()
        writer.close()


class PostgresSnapshot:
    """A copy of the app's PostgreSQL database as it is now, kept on the server as another
    database; ``restore()`` drops the app's database and makes it again from the copy. The
    server copies the files (``STRATEGY FILE_COPY``, cheap with the tests' fsync=off), which
    is faster than undoing a scenario's writes table by table."""

    def __init__(self, app, server) -> None:
        self.database = app.extensions["concerto.db"]
        self.server = server
        self.name = self.database.engine.url.database
        self.copy = f"{self.name}_snapshot"
        # CREATE DATABASE ... TEMPLATE needs the source without connections.
        self.database.engine.dispose()
        server.execute(f'CREATE DATABASE "{self.copy}" TEMPLATE "{self.name}"')

    def restore(self) -> None:
        self.database.engine.dispose()
        self.server.execute(f'DROP DATABASE "{self.name}" WITH (FORCE)')
        self.server.execute(
            f'CREATE DATABASE "{self.name}" TEMPLATE "{self.copy}" STRATEGY FILE_COPY'
        )


def snapshot_of(app, server=None) -> SqliteSnapshot | PostgresSnapshot:
    """A snapshot of the app's database, on either backend (``server``: the tests'
    PostgresServer, for PostgreSQL)."""
    if app.extensions["concerto.db"].engine.dialect.name == "postgresql":
        return PostgresSnapshot(app, server)
    return SqliteSnapshot(app)
