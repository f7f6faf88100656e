"""cocom_subsidies: subsidies the GGC/COCOM grants to justice welfare services, per year

Revision ID: cocom_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "cocom_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cocom_subsidies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("company_number", sa.String(length=12), nullable=True),
        sa.Column("amount_eur", sa.Numeric(12, 2), nullable=False),
        sa.CheckConstraint("amount_eur >= 0", name=op.f("ck_cocom_subsidies_amount_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cocom_subsidies")),
    )


def downgrade() -> None:
    op.drop_table("cocom_subsidies")
