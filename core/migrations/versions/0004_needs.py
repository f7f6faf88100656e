"""the register of signalled unmet needs

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "needs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("prison_code", sa.String(32), sa.ForeignKey("prisons.code"), nullable=False),
        sa.Column("domain_code", sa.String(32), sa.ForeignKey("domains.code"), nullable=False),
        sa.Column("target_group", sa.String(32), sa.ForeignKey("target_groups.code")),
        sa.Column("language", sa.String(8)),
        sa.Column("description_nl", sa.Text()),
        sa.Column("description_fr", sa.Text()),
        sa.Column("description_en", sa.Text()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("authority_code", sa.String(32), sa.ForeignKey("authorities.code")),
        sa.Column("signalled_by", sa.String(200), nullable=False),
        sa.Column("user_id", sa.Integer()),
        sa.Column("goal_id", sa.Integer(), sa.ForeignKey("goals.id")),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    for column in ("prison_code", "domain_code", "status"):
        op.create_index(f"ix_needs_{column}", "needs", [column])
    op.create_table(
        "need_services",
        sa.Column(
            "need_id", sa.Integer(), sa.ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "service_id",
            sa.Integer(),
            sa.ForeignKey("services.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )


def downgrade() -> None:
    op.drop_table("need_services")
    op.drop_table("needs")
