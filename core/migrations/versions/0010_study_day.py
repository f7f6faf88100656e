"""the annual study day: programme, registrations and workshop choices

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "study_days",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False, unique=True),
        sa.Column("title_nl", sa.Text(), nullable=False),
        sa.Column("title_fr", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text()),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("venue", sa.String(300), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("opens_at", UTCDateTime(), nullable=False),
        sa.Column("closes_at", UTCDateTime(), nullable=False),
        sa.Column("registrations_version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "workshops",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "study_day_id",
            sa.Integer(),
            sa.ForeignKey("study_days.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("title_nl", sa.Text(), nullable=False),
        sa.Column("title_fr", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text()),
        sa.Column("theme", sa.String(200)),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("room", sa.String(200)),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
    )
    op.create_index("ix_workshops_study_day_id", "workshops", ["study_day_id"])
    op.create_table(
        "registrations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "study_day_id",
            sa.Integer(),
            sa.ForeignKey("study_days.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organisation", sa.String(300)),
        sa.Column("authority_code", sa.String(32), sa.ForeignKey("authorities.code")),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("accessibility", sa.Text()),
        sa.Column("on_participant_list", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("confirmed_at", UTCDateTime()),
        sa.UniqueConstraint("study_day_id", "email", name="uq_registrations_study_day_id"),
    )
    op.create_index("ix_registrations_study_day_id", "registrations", ["study_day_id"])
    op.create_index("ix_registrations_state", "registrations", ["state"])
    op.create_table(
        "workshop_choices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "registration_id",
            sa.Integer(),
            sa.ForeignKey("registrations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "workshop_id",
            sa.Integer(),
            sa.ForeignKey("workshops.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint(
            "registration_id", "workshop_id", name="uq_workshop_choices_registration_id"
        ),
    )
    op.create_index("ix_workshop_choices_registration_id", "workshop_choices", ["registration_id"])
    op.create_index("ix_workshop_choices_workshop_id", "workshop_choices", ["workshop_id"])


def downgrade() -> None:
    for table in ("workshop_choices", "registrations", "workshops", "study_days"):
        op.drop_table(table)
