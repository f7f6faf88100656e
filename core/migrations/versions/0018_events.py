"""events: the log of what happened (a service submitted, returned, approved...), written with
the change and read by the notifier (core.notifications)

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("record_kind", sa.String(32), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("authority_code", sa.String(64)),
        sa.Column("actor_user_id", sa.Integer()),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("notified_at", UTCDateTime()),
    )
    op.create_index("ix_events_notified_at", "events", ["notified_at"])


def downgrade() -> None:
    op.drop_index("ix_events_notified_at", "events")
    op.drop_table("events")
