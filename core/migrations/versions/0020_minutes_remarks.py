"""minutes_remarks: a comment round on draft minutes (issue 21): the round of a revision, sent
to those present with a closing day, and their remarks per agenda item with how the
secretariat dealt with each. New tables only: the minutes table itself is left as it is (on
SQLite, rebuilding it would take its attendance and decisions along).

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "minutes_rounds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "minutes_id",
            sa.Integer(),
            sa.ForeignKey("minutes.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.Column("sent_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "minutes_remarks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "minutes_id",
            sa.Integer(),
            sa.ForeignKey("minutes.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("agenda_items.id", ondelete="CASCADE")),
        sa.Column(
            "membership_id", sa.Integer(), sa.ForeignKey("memberships.id", ondelete="SET NULL")
        ),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("author_name", sa.String(200), nullable=False),
        sa.Column(
            "authority_code", sa.String(64), sa.ForeignKey("authorities.code"), nullable=False
        ),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("handling", sa.String(16)),
        sa.Column("reason", sa.Text()),
        sa.Column("handled_at", UTCDateTime()),
        sa.Column("handled_by", sa.String(200)),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_minutes_remarks_minutes_id", "minutes_remarks", ["minutes_id"])


def downgrade() -> None:
    op.drop_index("ix_minutes_remarks_minutes_id", "minutes_remarks")
    op.drop_table("minutes_remarks")
    op.drop_table("minutes_rounds")
