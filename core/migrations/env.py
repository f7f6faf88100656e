"""Alembic environment shared by the core and every plugin.

The caller (``core.db.History``) passes the engine and the version table; each history keeps
its own table, so one plugin's upgrade or downgrade never moves another's revision.
"""

from alembic import context

from core.db import Base

config = context.config
engine = config.attributes["engine"]
version_table = config.attributes["version_table"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=version_table,
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
    if connection.dialect.name == "sqlite":
        # A migration that rebuilds a table with children switches foreign keys off for the
        # rebuild (0028); the pooled connection must not go back to the app without them.
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
