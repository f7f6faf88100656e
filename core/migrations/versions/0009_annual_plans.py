"""goal descriptions, annual plans, indicators with their yearly values, evaluations

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE: a batch "recreate" of goals on SQLite would drop the table, and with
    # foreign keys on that cascades into every action and decision linked to a goal.
    for lang in ("nl", "fr", "en"):
        op.add_column("goals", sa.Column(f"description_{lang}", sa.Text()))
    op.create_table(
        "annual_plans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "plan_id", sa.Integer(), sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), sa.ForeignKey("decisions.id", ondelete="SET NULL")),
        sa.Column("meeting_id", sa.Integer(), sa.ForeignKey("meetings.id", ondelete="SET NULL")),
        sa.Column("adopted_at", UTCDateTime()),
        sa.UniqueConstraint("plan_id", "year", name="uq_annual_plans_plan_id"),
    )
    op.create_table(
        "annual_plan_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "annual_plan_id",
            sa.Integer(),
            sa.ForeignKey("annual_plans.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "action_id",
            sa.Integer(),
            sa.ForeignKey("plan_actions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("owner", sa.String(200)),
        sa.Column("target_nl", sa.Text()),
        sa.Column("target_fr", sa.Text()),
        sa.Column("target_en", sa.Text()),
        sa.Column("target_progress", sa.Integer(), nullable=False),
        sa.UniqueConstraint(
            "annual_plan_id", "action_id", name="uq_annual_plan_items_annual_plan_id"
        ),
    )
    op.create_table(
        "indicators",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "goal_id", sa.Integer(), sa.ForeignKey("goals.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("name_nl", sa.Text()),
        sa.Column("name_fr", sa.Text()),
        sa.Column("name_en", sa.Text()),
        sa.Column("unit", sa.String(50)),
        sa.Column("source", sa.String(100)),
        sa.Column("baseline", sa.Float()),
        sa.Column("baseline_year", sa.Integer()),
    )
    op.create_index("ix_indicators_goal_id", "indicators", ["goal_id"])
    op.create_table(
        "indicator_values",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "indicator_id",
            sa.Integer(),
            sa.ForeignKey("indicators.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("target", sa.Float()),
        sa.Column("actual", sa.Float()),
        sa.UniqueConstraint("indicator_id", "year", name="uq_indicator_values_indicator_id"),
    )
    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "goal_id", sa.Integer(), sa.ForeignKey("goals.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("assessment_nl", sa.Text()),
        sa.Column("assessment_fr", sa.Text()),
        sa.Column("assessment_en", sa.Text()),
        sa.Column("rating", sa.String(20), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("decision_id", sa.Integer(), sa.ForeignKey("decisions.id", ondelete="SET NULL")),
        sa.Column("meeting_id", sa.Integer(), sa.ForeignKey("meetings.id", ondelete="SET NULL")),
        sa.Column("approved_at", UTCDateTime()),
        sa.UniqueConstraint("goal_id", "year", name="uq_evaluations_goal_id"),
    )
    op.create_index("ix_evaluations_goal_id", "evaluations", ["goal_id"])


def downgrade() -> None:
    for table in (
        "evaluations",
        "indicator_values",
        "indicators",
        "annual_plan_items",
        "annual_plans",
    ):
        op.drop_table(table)
    for lang in ("nl", "fr", "en"):
        op.execute(f"ALTER TABLE goals DROP COLUMN description_{lang}")
