"""vlaams_reach and vlaams_budget: the Flemish Community's reach and participants per service
(with the CGG's care periods) and its budget per policy domain, per year (seed 002)

Revision ID: vlaams_0004
Revises: vlaams_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "vlaams_0004"
down_revision = "vlaams_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vlaams_reach",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        # A service of the core's inventory; no foreign key, as a plugin's tables hold none
        # into the core's records that a service's removal would have to know about.
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("reached", sa.Integer(), nullable=True),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("care_periods", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "reached >= 0 AND participants >= 0 AND care_periods >= 0",
            name=op.f("ck_vlaams_reach_counts_not_negative"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vlaams_reach")),
        sa.UniqueConstraint("year", "service_id", name=op.f("uq_vlaams_reach_year")),
    )
    op.create_table(
        "vlaams_budget",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("policy_domain", sa.String(length=32), nullable=False),
        sa.Column("item", sa.String(length=300), nullable=False),
        sa.Column("regulation", sa.String(length=1000), nullable=True),
        sa.Column("budget_allocation", sa.String(length=100), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("amount_eur", sa.Numeric(14, 2), nullable=False),
        sa.CheckConstraint("amount_eur >= 0", name=op.f("ck_vlaams_budget_amount_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vlaams_budget")),
        sa.UniqueConstraint("year", "policy_domain", "item", name=op.f("uq_vlaams_budget_year")),
    )


def downgrade() -> None:
    op.drop_table("vlaams_budget")
    op.drop_table("vlaams_reach")
