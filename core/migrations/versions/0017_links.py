"""links: decisions and needs link to services, needs, goals, decisions and meetings, as
agenda items do, in a JSON list of {"kind", "id"} (core.links); existing rows link to nothing

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # add_column needs no table rebuild on SQLite; the server default fills the existing rows.
    for table in ("decisions", "needs"):
        op.add_column(
            table, sa.Column("links", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    for table in ("decisions", "needs"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("links")
