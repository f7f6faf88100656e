"""Comments on a service: the committee and the service's authority discuss it beside the review.

Revision ID: 0026
Revises: 0025
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_comments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "service_id",
            sa.Integer(),
            sa.ForeignKey("services.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(200), nullable=False),
        sa.Column("authority_code", sa.String(64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_service_comments_service_id", "service_comments", ["service_id"])


def downgrade() -> None:
    op.drop_index("ix_service_comments_service_id", table_name="service_comments")
    op.drop_table("service_comments")
