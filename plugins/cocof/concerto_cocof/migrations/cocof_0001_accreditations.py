"""cocof_accreditations: accreditations (agréments) of the organisations COCOF funds

Revision ID: cocof_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "cocof_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cocof_accreditations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("company_number", sa.String(length=12), nullable=True),
        sa.Column("accreditation_number", sa.String(length=40), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cocof_accreditations")),
        sa.UniqueConstraint(
            "accreditation_number", name=op.f("uq_cocof_accreditations_accreditation_number")
        ),
    )


def downgrade() -> None:
    op.drop_table("cocof_accreditations")
