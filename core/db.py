"""SQLAlchemy engine and sessions, the declarative base, and the migration runner.

The core and every plugin keep their own Alembic history in their own version table
(``alembic_version_core``, ``alembic_version_<code>``), so upgrading, downgrading or removing
one plugin never touches another's data. One shared ``env.py`` serves them all; each history
only brings its own folder of revisions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app, g
from sqlalchemy import DateTime, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored in UTC. SQLite keeps no zone, so values read back
    are made aware again here instead of at every use."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# SQLite lets one writer in at a time; the others wait for the lock up to the busy timeout.
# It stays well below the pool's timeout, so that a request stuck behind a long write fails
# with "database is locked" (a 503 asking to come back) while the requests queued for a
# connection behind it are still waiting, instead of everyone failing together at the
# pool's limit.
SQLITE_BUSY_SECONDS = 10
POOL_TIMEOUT_SECONDS = 30


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={
                "timeout": SQLITE_BUSY_SECONDS,
                # The driver opens a transaction just before the first INSERT, UPDATE or
                # DELETE, never for reads. IMMEDIATE takes the write lock there, waiting
                # for it within the busy timeout; a deferred one would take it only at the
                # write itself and could fail at once if another writer came in between.
                "isolation_level": "IMMEDIATE",
            },
            pool_timeout=POOL_TIMEOUT_SECONDS,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # WAL lets readers go on while one writer works; foreign keys are off by default.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_timeout=POOL_TIMEOUT_SECONDS)


@dataclass
class Database:
    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def connect(cls, url: str) -> Database:
        engine = make_engine(url)
        return cls(engine, sessionmaker(bind=engine, expire_on_commit=False))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends normally, rolled back otherwise."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def db_session() -> Session:
    """The session of the current request or app context, closed at teardown."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["concerto.db"].sessions()
    return g.db_session


# --- migrations --------------------------------------------------------------------------


@dataclass(frozen=True)
class History:
    """One Alembic history: the core's or one plugin's."""

    code: str
    versions: Path

    @property
    def version_table(self) -> str:
        return f"alembic_version_{self.code}"

    def alembic_config(self, engine: Engine) -> AlembicConfig:
        config = self._base_config()
        config.attributes["engine"] = engine
        config.attributes["version_table"] = self.version_table
        return config

    def _base_config(self) -> AlembicConfig:
        config = AlembicConfig()
        config.set_main_option("path_separator", "os")
        config.set_main_option("script_location", str(MIGRATIONS))
        config.set_main_option("version_locations", str(self.versions))
        return config

    def head(self) -> str | None:
        return ScriptDirectory.from_config(self._base_config()).get_current_head()

    def current(self, engine: Engine) -> str | None:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"version_table": self.version_table}
            )
            return context.get_current_revision()


CORE_HISTORY = History("core", MIGRATIONS / "versions")


def plain_rows(connection, statement) -> list[tuple]:
    """The rows of ``statement`` as the driver's tuples: making a Row of each of 125,000 took
    longer than the database took to read them. Run as any statement (events, logging), read
    from the driver's cursor."""
    result = connection.execute(statement)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def histories(registry) -> list[History]:
    """The core's history first, then each enabled plugin's, in plugin order."""
    found = [CORE_HISTORY]
    for plugin in registry.enabled():
        if plugin.migration_dir is not None:
            found.append(History(plugin.name, plugin.migration_dir))
    return found


def upgrade(engine: Engine, history: History, revision: str = "heads") -> None:
    command.upgrade(history.alembic_config(engine), revision)


def downgrade(engine: Engine, history: History, revision: str = "base") -> None:
    command.downgrade(history.alembic_config(engine), revision)


def migration_state(engine: Engine, registry) -> dict[str, dict[str, str | None]]:
    """For each history: the revision in the database and the head in the code."""
    state = {}
    for history in histories(registry):
        current, head = history.current(engine), history.head()
        state[history.code] = {"current": current, "head": head, "at_head": current == head}
    return state


def behind(engine: Engine, registry) -> list[str]:
    return [code for code, s in migration_state(engine, registry).items() if not s["at_head"]]
