"""gewest_projects.prison_code: each project points at a prison of the shared reference data

Version 1 wrote the prison out as free text. This revision adds the code and fills it in
for the rows already there, matching the text against each prison's code and its names in
Dutch, French and English (letter case aside). A text that matches no prison keeps a
NULL code and its text, so nothing is lost; the downgrade drops only the column.

Revision ID: gewest_0002
Revises: gewest_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "gewest_0002"
down_revision = "gewest_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("gewest_projects", sa.Column("prison_code", sa.String(length=32)))
    connection = op.get_bind()
    known = {}
    for code, *names in connection.execute(
        sa.text("SELECT code, name_nl, name_fr, name_en FROM prisons")
    ):
        for text in (code, *names):
            known[text.strip().lower()] = code
    projects = sa.table(
        "gewest_projects",
        sa.column("id", sa.Integer),
        sa.column("prison", sa.String),
        sa.column("prison_code", sa.String),
    )
    for row_id, prison in connection.execute(sa.select(projects.c.id, projects.c.prison)):
        code = known.get(prison.strip().lower())
        if code:
            connection.execute(
                projects.update().where(projects.c.id == row_id).values(prison_code=code)
            )


def downgrade() -> None:
    with op.batch_alter_table("gewest_projects") as batch:
        batch.drop_column("prison_code")
