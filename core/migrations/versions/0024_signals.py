"""signals: the register of structural problems signalled and recommendations (issue 24,
goal 1.2). A new table; no existing data changes.

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signals",
        sa.Column("id", sa.Integer(), primary_key=True),
        *(sa.Column(f"title_{lang}", sa.String(300)) for lang in ("nl", "fr", "en")),
        *(sa.Column(f"text_{lang}", sa.Text()) for lang in ("nl", "fr", "en")),
        sa.Column("prison_code", sa.String(32), sa.ForeignKey("prisons.code")),
        sa.Column("domain_code", sa.String(32), sa.ForeignKey("domains.code")),
        sa.Column("addressee_kind", sa.String(16), nullable=False),
        sa.Column("addressee", sa.String(300)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sent_on", sa.Date()),
        *(sa.Column(f"answer_{lang}", sa.Text()) for lang in ("nl", "fr", "en")),
        sa.Column("answered_on", sa.Date()),
        *(sa.Column(f"summary_{lang}", sa.Text()) for lang in ("nl", "fr", "en")),
        sa.Column("published_at", UTCDateTime()),
        sa.Column("links", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
        sa.Column("authority_code", sa.String(32), sa.ForeignKey("authorities.code")),
        sa.Column("written_by", sa.String(200), nullable=False),
        sa.Column("user_id", sa.Integer()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    for column in ("prison_code", "domain_code", "status", "published_at"):
        op.create_index(f"ix_signals_{column}", "signals", [column])


def downgrade() -> None:
    op.drop_table("signals")
