"""vlaams_staffing: staffing in full-time equivalents per prison and function (seed 002, table 2)

Revision ID: vlaams_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "vlaams_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vlaams_staffing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("prison_code", sa.String(length=32), nullable=False),
        sa.Column("function", sa.String(length=120), nullable=False),
        sa.Column("fte", sa.Numeric(6, 2), nullable=False),
        sa.CheckConstraint("fte >= 0", name=op.f("ck_vlaams_staffing_fte_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vlaams_staffing")),
        sa.UniqueConstraint(
            "year", "prison_code", "function", name=op.f("uq_vlaams_staffing_year")
        ),
    )


def downgrade() -> None:
    op.drop_table("vlaams_staffing")
