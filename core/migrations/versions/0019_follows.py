"""Follows (a person follows a service, need, goal, body or meeting) and a key on events, so
that an event recorded by a job (an overdue action this week) is recorded once; as which kind
a digest entry is told (its event's own, or a followed record's change).

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("key", sa.String(200), nullable=True))
        batch.create_unique_constraint("uq_events_key", ["key"])
    op.create_index("ix_events_kind_notified", "events", ["kind", "notified_at"])
    with op.batch_alter_table("digest_entries") as batch:
        batch.add_column(sa.Column("kind", sa.String(64), nullable=True))
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("record_kind", sa.String(32), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "record_kind", "record_id", name="uq_follows"),
    )
    op.create_index("ix_follows_record", "follows", ["record_kind", "record_id"])


def downgrade() -> None:
    op.drop_index("ix_follows_record", table_name="follows")
    op.drop_table("follows")
    with op.batch_alter_table("digest_entries") as batch:
        batch.drop_column("kind")
    op.drop_index("ix_events_kind_notified", table_name="events")
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint("uq_events_key", type_="unique")
        batch.drop_column("key")
