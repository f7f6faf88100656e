"""rooms (issue 24, goal 6.3): the rooms of each prison that services share, with their
capacity, equipment and the languages of their signs, and the services' bookings of them,
once or recurring. New tables only: existing data is untouched.

Revision ID: 0025
Revises: 0024
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rooms",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("prison_code", sa.String(32), sa.ForeignKey("prisons.code"), nullable=False),
        sa.Column("name_nl", sa.String(200)),
        sa.Column("name_fr", sa.String(200)),
        sa.Column("name_en", sa.String(200)),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("equipment", sa.Text()),
        sa.Column("signage_languages", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_rooms_prison_code", "rooms", ["prison_code"])
    op.create_table(
        "room_bookings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "room_id", sa.Integer(), sa.ForeignKey("rooms.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "service_id",
            sa.Integer(),
            sa.ForeignKey("services.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("schedule", sa.String(300)),
        sa.Column("starts", sa.String(5), nullable=False),
        sa.Column("ends", sa.String(5), nullable=False),
        sa.Column("booked_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_room_bookings_room_id", "room_bookings", ["room_id"])
    op.create_index("ix_room_bookings_service_id", "room_bookings", ["service_id"])


def downgrade() -> None:
    op.drop_table("room_bookings")
    op.drop_table("rooms")
