"""report_failures: each report's last failure, seen by the administrator from any worker

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_failures",
        sa.Column("authority_code", sa.String(48), primary_key=True),
        sa.Column("report_code", sa.String(48), primary_key=True),
        sa.Column("failed_at", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("report_failures")
