"""study day: edit deadline and plenary sessions, offers with deadlines, check-in,
anonymisation, private links that jobs can write, and workshop reports

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ADDED = {
    "study_days": [
        sa.Column("edit_deadline", UTCDateTime()),
        *(sa.Column(f"description_{lang}", sa.Text()) for lang in ("nl", "fr", "en")),
    ],
    "workshops": [
        sa.Column("kind", sa.String(16), nullable=False, server_default="workshop"),
        *(sa.Column(f"description_{lang}", sa.Text()) for lang in ("nl", "fr", "en")),
    ],
    "registrations": [
        sa.Column("link_nonce", sa.String(32)),
        sa.Column("expires_at", UTCDateTime()),
        sa.Column("present_at", UTCDateTime()),
        sa.Column("anonymised_at", UTCDateTime()),
    ],
    "workshop_choices": [sa.Column("expires_at", UTCDateTime())],
}


def upgrade() -> None:
    # Plain ALTER TABLE (no batch recreate): registrations have children that a recreate of
    # the table on SQLite would cascade away.
    for table, columns in ADDED.items():
        for column in columns:
            op.add_column(table, column)
    op.create_table(
        "workshop_reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "workshop_id",
            sa.Integer(),
            sa.ForeignKey("workshops.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("text_nl", sa.Text()),
        sa.Column("text_fr", sa.Text()),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "workshop_report_goals",
        sa.Column(
            "report_id",
            sa.Integer(),
            sa.ForeignKey("workshop_reports.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "goal_id", sa.Integer(), sa.ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True
        ),
    )
    op.create_table(
        "workshop_report_needs",
        sa.Column(
            "report_id",
            sa.Integer(),
            sa.ForeignKey("workshop_reports.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "need_id", sa.Integer(), sa.ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True
        ),
    )
    op.create_index("ix_workshop_report_goals_goal_id", "workshop_report_goals", ["goal_id"])
    op.create_index("ix_workshop_report_needs_need_id", "workshop_report_needs", ["need_id"])


def downgrade() -> None:
    for table in ("workshop_report_needs", "workshop_report_goals", "workshop_reports"):
        op.drop_table(table)
    for table, columns in ADDED.items():
        for column in columns:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column.name}")
