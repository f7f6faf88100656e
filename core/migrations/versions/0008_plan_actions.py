"""actions of the strategic plan, with their lead, term, status and progress

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_actions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "goal_id", sa.Integer(), sa.ForeignKey("goals.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("plan_actions.id", ondelete="CASCADE")),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title_nl", sa.Text()),
        sa.Column("title_fr", sa.Text()),
        sa.Column("title_en", sa.Text()),
        sa.Column("authority_code", sa.String(32), sa.ForeignKey("authorities.code")),
        sa.Column("lead_text", sa.String(300)),
        sa.Column("involved", sa.JSON(), nullable=False),
        sa.Column("term_text", sa.String(100), nullable=False),
        sa.Column("term", sa.JSON(), nullable=False),
        sa.Column("starts_on", sa.Date()),
        sa.Column("ends_on", sa.Date()),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_plan_actions_goal_id", "plan_actions", ["goal_id"])
    op.create_index("ix_plan_actions_ends_on", "plan_actions", ["ends_on"])


def downgrade() -> None:
    op.drop_table("plan_actions")
