"""the order of a page of services served by indexes (issue 25): one index per reading
language on the name the page sorts by (a missing name falls back to another language's, the
expression ``core.inventory.models.name_order`` writes), and the index of changes ordered by
id among equal moments, so "latest changes first" reads its page from the index instead of
sorting the whole inventory.

Revision ID: 0032
Revises: 0031
"""

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

# The same expressions as core.inventory.models.NAME_FALLBACKS: a database uses an index on
# an expression only for a query that writes the same expression.
NAME_ORDER = {
    "nl": "lower(coalesce(name_nl, name_fr))",
    "fr": "lower(coalesce(name_fr, name_nl))",
    "en": "lower(coalesce(name_en, name_nl, name_fr))",
}


def upgrade() -> None:
    for language, expression in NAME_ORDER.items():
        op.create_index(
            f"ix_services_name_order_{language}", "services", [sa.text(expression), "id"]
        )
    op.drop_index("ix_services_updated_at", table_name="services")
    op.create_index("ix_services_updated_at", "services", ["updated_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_services_updated_at", table_name="services")
    op.create_index("ix_services_updated_at", "services", ["updated_at"])
    for language in NAME_ORDER:
        op.drop_index(f"ix_services_name_order_{language}", table_name="services")
