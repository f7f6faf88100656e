"""webhooks: endpoints of other systems that hear of the log's events (address, kinds, owner,
secret, place in the log, failures), one delivery per endpoint and event, and every attempt
with its status code, duration and a short error

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("description", sa.String(200), nullable=False, server_default=""),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("authority_code", sa.String(64), sa.ForeignKey("authorities.code")),
        sa.Column("owner_user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column(
            "owner_identity_id",
            sa.Integer(),
            sa.ForeignKey("identities.id", ondelete="SET NULL"),
        ),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("secret_rotated_at", UTCDateTime()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("disabled_at", UTCDateTime()),
        sa.Column("disabled_reason", sa.String(16)),
        sa.Column("cursor_tx", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("cursor_id", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("failing_since", UTCDateTime()),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_webhook_endpoints_owner_user_id", "webhook_endpoints", ["owner_user_id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "endpoint_id",
            sa.Integer(),
            sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "event_id",
            sa.Integer(),
            sa.ForeignKey("events.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UTCDateTime()),
        sa.Column("claimed_until", UTCDateTime()),
        sa.Column("claimed_by", sa.String(100)),
        sa.Column("delivered_at", UTCDateTime()),
        # One delivery per endpoint and event, whoever makes it and however often.
        sa.UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries"),
    )
    op.create_index("ix_webhook_deliveries_endpoint_id", "webhook_deliveries", ["endpoint_id"])
    op.create_index(
        "ix_webhook_deliveries_next_attempt_at", "webhook_deliveries", ["next_attempt_at"]
    )
    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "delivery_id",
            sa.Integer(),
            sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("status_code", sa.Integer()),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(300)),
        sa.Column("response_excerpt", sa.String(300)),
    )
    op.create_index("ix_webhook_attempts_delivery_id", "webhook_attempts", ["delivery_id"])


def downgrade() -> None:
    op.drop_table("webhook_attempts")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_endpoints")
