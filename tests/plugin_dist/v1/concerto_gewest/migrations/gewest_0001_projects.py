"""gewest_projects: the Region's employment projects per year

Revision ID: gewest_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "gewest_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gewest_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("prison", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gewest_projects")),
    )


def downgrade() -> None:
    op.drop_table("gewest_projects")
