"""events: the log of what happened (a service submitted, returned, approved...), written with
the change and read by the notifier (core.notifications); each person's notification settings
and the events waiting for their digest; headers of an outgoing e-mail (one-click unsubscribe)

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
    op.create_table(
        "notification_settings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("how", sa.String(8), nullable=False),
        sa.UniqueConstraint("user_id", "kind", name="uq_notification_settings"),
    )
    op.create_index("ix_notification_settings_user_id", "notification_settings", ["user_id"])
    op.create_table(
        "digest_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "event_id",
            sa.Integer(),
            sa.ForeignKey("events.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("how", sa.String(8), nullable=False),
        sa.Column("sent_at", UTCDateTime()),
        sa.UniqueConstraint("user_id", "event_id", name="uq_digest_entries"),
    )
    op.create_index("ix_digest_entries_user_id", "digest_entries", ["user_id"])
    op.create_index("ix_digest_entries_sent_at", "digest_entries", ["sent_at"])
    # add_column needs no table rebuild on SQLite; the server default fills the existing rows.
    op.add_column(
        "outbox",
        sa.Column("headers", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
    )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("headers")
    op.drop_table("digest_entries")
    op.drop_table("notification_settings")
    op.drop_index("ix_events_notified_at", "events")
    op.drop_table("events")
