"""job_last_success: when each scheduled job last ran without an error, so that /readyz and
/metrics can say how long ago each job last did its work

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job_runs") as batch:
        batch.add_column(sa.Column("last_success_at", UTCDateTime()))


def downgrade() -> None:
    with op.batch_alter_table("job_runs") as batch:
        batch.drop_column("last_success_at")
