"""partners (issue 24): a register of outside partners (goal 5.2), and a body member, an
attendance row and an action item's owner acting for an authority or for a partner. Existing
rows keep their authority; ``authority_code`` only becomes optional. Going back removes
what acted for a partner, with the register.

On SQLite, making a column optional rebuilds the table, and dropping ``memberships`` with
foreign keys on would take every invitation along (and empty the attendance's and remarks'
link to their membership): those are read before and put back after, so nothing is lost.

Revision ID: 0030
Revises: 0029
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

TABLES = ("memberships", "attendance", "action_items")
# The tables whose rows point at a membership, and the columns of the pointer.
POINTING = (("attendance", "membership_id"), ("minutes_remarks", "membership_id"))


def _keeping_what_points_at_memberships(change) -> None:
    """Run ``change`` (a rebuild of ``memberships``) and put back what SQLite's drop of the old
    table removed or emptied in the tables pointing at it."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        change()
        return
    invitations = sa.Table("invitations", sa.MetaData(), autoload_with=bind)
    saved = [dict(row._mapping) for row in bind.execute(sa.select(invitations))]
    pointers = {
        (table, column): bind.execute(
            sa.text(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL")
        ).all()
        for table, column in POINTING
    }
    change()
    present = {row[0] for row in bind.execute(sa.text("SELECT id FROM invitations"))}
    missing = [row for row in saved if row["id"] not in present]
    if missing:
        bind.execute(invitations.insert(), missing)
    for (table, column), rows in pointers.items():
        for row_id, membership_id in rows:
            bind.execute(
                sa.text(f"UPDATE {table} SET {column} = :membership WHERE id = :id"),
                {"membership": membership_id, "id": row_id},
            )


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_nl", sa.String(length=300), nullable=True),
        sa.Column("name_fr", sa.String(length=300), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
    )

    def rebuild(table: str) -> None:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("authority_code", existing_type=sa.String(length=32), nullable=True)
            batch.add_column(sa.Column("partner_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(
                op.f(f"fk_{table}_partner_id_partners"), "partners", ["partner_id"], ["id"]
            )
            if table != "attendance":
                batch.create_index(op.f(f"ix_{table}_partner_id"), ["partner_id"])

    _keeping_what_points_at_memberships(lambda: rebuild("memberships"))
    rebuild("attendance")
    rebuild("action_items")


def downgrade() -> None:
    # Going back drops the register, as dropping any feature's table does: what acted for a
    # partner goes with it (a partner's member with its invitations, its attendance rows, its
    # actions), since giving them an authority they never acted for would be untrue.
    bind = op.get_bind()
    for table in ("attendance", "action_items"):
        bind.execute(sa.text(f"DELETE FROM {table} WHERE partner_id IS NOT NULL"))
    gone = "SELECT id FROM memberships WHERE partner_id IS NOT NULL"
    bind.execute(sa.text(f"DELETE FROM invitations WHERE membership_id IN ({gone})"))
    for table, column in POINTING:
        bind.execute(sa.text(f"UPDATE {table} SET {column} = NULL WHERE {column} IN ({gone})"))
    bind.execute(sa.text("DELETE FROM memberships WHERE partner_id IS NOT NULL"))

    def rebuild(table: str) -> None:
        with op.batch_alter_table(table) as batch:
            if table != "attendance":
                batch.drop_index(op.f(f"ix_{table}_partner_id"))
            batch.drop_constraint(op.f(f"fk_{table}_partner_id_partners"), type_="foreignkey")
            batch.drop_column("partner_id")
            batch.alter_column("authority_code", existing_type=sa.String(length=32), nullable=False)

    rebuild("action_items")
    rebuild("attendance")
    _keeping_what_points_at_memberships(lambda: rebuild("memberships"))
    op.drop_table("partners")
