"""change_log: every committed change of a service, need, decision, action item, meeting,
goal or plan action appends an event (core.events.changes): who acted through which channel,
who may see it, and on PostgreSQL the transaction that wrote it (the order readers follow);
each reader of the log keeps its place (event_readers); members keep a token for their
private feed (feed_tokens). Existing events are kept.

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.add_column("events", sa.Column("channel", sa.String(8)))
    # The events recorded so far are steps of the review loop: the authority's people and
    # the committee may see them.
    op.add_column(
        "events",
        sa.Column("visibility", sa.String(80), nullable=False, server_default="committee"),
    )
    op.execute(
        "UPDATE events SET visibility = 'authority:' || authority_code "
        "WHERE authority_code IS NOT NULL"
    )
    # PostgreSQL hands out ids before the transactions commit, so ids alone do not say in
    # which order events became visible; the writing transaction does (core.events.log).
    # SQLite writes one transaction at a time: the id says it all, the column stays empty.
    op.add_column(
        "events",
        sa.Column(
            "tx",
            sa.BigInteger(),
            server_default=sa.text("txid_current()") if postgres else None,
        ),
    )
    if postgres:
        # The order readers follow (core.events.log.after); a restore from SQLite leaves tx
        # empty, read as 0.
        op.create_index("ix_events_tx_id", "events", [sa.text("coalesce(tx, 0)"), "id"])
    op.create_index("ix_events_record", "events", ["record_kind", "record_id"])
    # HSDS modified_after asks which services changed publicly since a time.
    op.create_index("ix_events_occurred_at", "events", ["occurred_at"])
    op.create_table(
        "event_readers",
        sa.Column("reader", sa.String(120), primary_key=True),
        sa.Column("after_tx", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("after_id", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("delivered", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("skipped", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text()),
        sa.Column("last_failure_at", UTCDateTime()),
        sa.Column("updated_at", UTCDateTime()),
    )
    op.create_table(
        "feed_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime()),
    )


def downgrade() -> None:
    op.drop_table("feed_tokens")
    op.drop_table("event_readers")
    op.drop_index("ix_events_occurred_at", "events")
    op.drop_index("ix_events_record", "events")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_events_tx_id", "events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("tx")
        batch.drop_column("visibility")
        batch.drop_column("channel")
