"""justitie_prison_statistics: the average daily population by sex (men, women) and by status
(remand, sentenced, internees, other), as table 1 of the Flemish plan (seed 002) gives it from
the DG EPI annual report

The existing rows keep their capacity, population and admissions, and have no breakdown yet.
A downgrade removes the six columns and with them the breakdowns entered since: the older
schema has no place for them (the rest of each row stays).

Revision ID: justitie_0002
Revises: justitie_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "justitie_0002"
down_revision = "justitie_0001"
branch_labels = None
depends_on = None

COLUMNS = ("men", "women", "remand", "sentenced", "internees", "other_status")


def upgrade() -> None:
    with op.batch_alter_table("justitie_prison_statistics") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.Numeric(8, 1), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("justitie_prison_statistics") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
