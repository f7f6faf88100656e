"""imports run in the background with their progress

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "authority_code", sa.String(32), sa.ForeignKey("authorities.code"), nullable=False
        ),
        sa.Column("user_id", sa.Integer()),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("data", sa.LargeBinary()),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("import_jobs")
