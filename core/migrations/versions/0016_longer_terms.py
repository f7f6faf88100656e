"""longer_terms: a plan action's term holds up to 300 characters, as the longest cells of
the Flemish plan's term column write it with their labels ("Voorbereiding: 2015-2016 Begin
van uitvoering: vanaf voorjaar 2017"); an action without a term keeps an empty text

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite does not hold a text to its declared length, and a batch rebuild of
    # plan_actions there would drop the table, and with foreign keys on that cascades into
    # every step and annual-plan item: only PostgreSQL needs the wider column.
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "plan_actions",
            "term_text",
            type_=sa.String(300),
            existing_type=sa.String(100),
            existing_nullable=False,
        )


def downgrade() -> None:
    bind = op.get_bind()
    longer = bind.execute(
        sa.text("SELECT count(*) FROM plan_actions WHERE length(term_text) > 100")
    ).scalar()
    if longer:
        # Cutting them would lose what was typed; the person downgrading shortens them first.
        raise RuntimeError(
            f"{longer} plan actions have a term longer than 100 characters; "
            "shorten them before going back to revision 0015"
        )
    if bind.dialect.name == "postgresql":
        op.alter_column(
            "plan_actions",
            "term_text",
            type_=sa.String(100),
            existing_type=sa.String(300),
            existing_nullable=False,
        )
