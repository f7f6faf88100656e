"""workshop_themes: a session's theme in Dutch, French and English, like its title, so that
each reader sees it in their language; the one theme stored so far becomes the Dutch one

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workshops") as batch:
        batch.alter_column("theme", new_column_name="theme_nl", existing_type=sa.String(200))
        batch.add_column(sa.Column("theme_fr", sa.String(200)))
        batch.add_column(sa.Column("theme_en", sa.String(200)))


def downgrade() -> None:
    with op.batch_alter_table("workshops") as batch:
        batch.drop_column("theme_en")
        batch.drop_column("theme_fr")
        batch.alter_column("theme_nl", new_column_name="theme", existing_type=sa.String(200))
