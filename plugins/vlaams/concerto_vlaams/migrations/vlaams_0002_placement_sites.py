"""vlaams_placement_sites: organisations applying to be a placement site for community
service (seed 000), and the network manager's review

Revision ID: vlaams_0002
Revises: vlaams_0001
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "vlaams_0002"
down_revision = "vlaams_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vlaams_placement_sites",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("organisation", sa.String(300), nullable=False),
        sa.Column("legal_form", sa.String(32), nullable=False),
        sa.Column("kbo_number", sa.String(12)),
        sa.Column("province", sa.String(32), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("contact_name", sa.String(200), nullable=False),
        sa.Column("contact_email", sa.String(320), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("supervision", sa.Text(), nullable=False),
        sa.Column("work_offered", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("reviewed_at", UTCDateTime()),
        sa.Column("service_id", sa.Integer()),
    )
    op.create_index("ix_vlaams_placement_sites_state", "vlaams_placement_sites", ["state"])


def downgrade() -> None:
    op.drop_table("vlaams_placement_sites")
