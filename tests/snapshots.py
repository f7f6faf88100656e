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
