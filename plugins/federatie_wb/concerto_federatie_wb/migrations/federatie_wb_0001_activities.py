"""federatie_wb_activities: socio-cultural activities held per prison and year, for the rapport d'activités

Revision ID: federatie_wb_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "federatie_wb_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "federatie_wb_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("prison_code", sa.String(length=32), nullable=False),
        sa.Column("activity", sa.String(length=200), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "sessions >= 0 AND participants >= 0",
            name=op.f("ck_federatie_wb_activities_counts_not_negative"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federatie_wb_activities")),
    )


def downgrade() -> None:
    op.drop_table("federatie_wb_activities")
