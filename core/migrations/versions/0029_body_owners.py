"""body_owners (issue 24): a body may belong to an authority (its coordinators keep it) and may
work in one prison (a local team). Existing bodies keep no owner: they stay the committee's,
kept by the secretariat as before, and lie in no prison.

On SQLite the columns are added and dropped in place (ALTER TABLE ... ADD/DROP COLUMN with
its REFERENCES): a batch rebuild would drop the bodies table, and dropping a parent table
takes its memberships and meetings along.

Revision ID: 0029
Revises: 0028
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

COLUMNS = (("authority_code", "authorities"), ("prison_code", "prisons"))


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for column, parent in COLUMNS:
            op.execute(
                f"ALTER TABLE bodies ADD COLUMN {column} VARCHAR(32) REFERENCES {parent} (code)"
            )
        return
    for column, parent in COLUMNS:
        op.add_column("bodies", sa.Column(column, sa.String(32), sa.ForeignKey(f"{parent}.code")))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for column, _parent in COLUMNS:
            op.execute(f"ALTER TABLE bodies DROP COLUMN {column}")
        return
    for column, _parent in COLUMNS:
        op.drop_column("bodies", column)
