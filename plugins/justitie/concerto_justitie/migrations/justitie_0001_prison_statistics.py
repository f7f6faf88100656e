"""justitie_prison_statistics: capacity, average daily population and admissions per prison and year (seed 002, table 1)

Revision ID: justitie_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "justitie_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "justitie_prison_statistics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("prison_code", sa.String(length=32), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("average_population", sa.Numeric(8, 1), nullable=False),
        sa.Column("admissions", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "capacity > 0 AND average_population >= 0",
            name=op.f("ck_justitie_prison_statistics_figures_in_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_justitie_prison_statistics")),
        sa.UniqueConstraint("year", "prison_code", name=op.f("uq_justitie_prison_statistics_year")),
    )


def downgrade() -> None:
    op.drop_table("justitie_prison_statistics")
