"""hsds_documents (issue 25, exports near the fetch): each published service's HSDS document
kept per language, so that the export streams stored text instead of building every document
again; and service_stamps, a counter per service that the database itself moves on at every
write to what a document is built from (the service, its places, its confirmation, its
organisation), whatever writes it: the ORM, the synthetic seed, a restore, an import or plain
SQL. A stored document counts only while it carries its service's current stamp (and the
fingerprint of the labels it was built with, core.inventory.hsds_store); the export rebuilds
the others. Both tables are derived: going back drops them, and backups leave them out.

Revision ID: 0031
Revises: 0030
"""

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

# SQLite: one trigger per table and event. Its UPSERT needs "WHERE true" after a SELECT.
_BUMP_SQLITE = (
    "INSERT INTO service_stamps (service_id, stamp) {rows} "
    "ON CONFLICT (service_id) DO UPDATE SET stamp = service_stamps.stamp + 1;"
)
SQLITE_TRIGGERS = {
    ("services", "INSERT"): [_BUMP_SQLITE.format(rows="VALUES (NEW.id, 1)")],
    ("services", "UPDATE"): [_BUMP_SQLITE.format(rows="VALUES (NEW.id, 1)")],
    **{
        (table, event): [
            _BUMP_SQLITE.format(rows=f"VALUES ({side}.service_id, 1)") for side in sides
        ]
        for table in ("service_locations", "service_assurances")
        for event, sides in (("INSERT", ["NEW"]), ("UPDATE", ["OLD", "NEW"]), ("DELETE", ["OLD"]))
    },
    ("organizations", "UPDATE"): [
        _BUMP_SQLITE.format(
            rows="SELECT id, 1 FROM services WHERE organization_id = NEW.id AND true"
        )
    ],
}

POSTGRES = """
CREATE FUNCTION hsds_bump(ident integer) RETURNS void LANGUAGE sql AS $$
    INSERT INTO service_stamps (service_id, stamp) VALUES (ident, 1)
    ON CONFLICT (service_id) DO UPDATE SET stamp = service_stamps.stamp + 1
$$;
CREATE FUNCTION hsds_stamp_service() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hsds_bump(NEW.id);
    RETURN NULL;
END $$;
CREATE FUNCTION hsds_stamp_part() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM hsds_bump(OLD.service_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.service_id <> OLD.service_id) THEN
        PERFORM hsds_bump(NEW.service_id);
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION hsds_stamp_organization() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO service_stamps (service_id, stamp)
    SELECT id, 1 FROM services WHERE organization_id = NEW.id
    ON CONFLICT (service_id) DO UPDATE SET stamp = service_stamps.stamp + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER hsds_stamp_service AFTER INSERT OR UPDATE ON services
    FOR EACH ROW EXECUTE FUNCTION hsds_stamp_service();
CREATE TRIGGER hsds_stamp_location AFTER INSERT OR UPDATE OR DELETE ON service_locations
    FOR EACH ROW EXECUTE FUNCTION hsds_stamp_part();
CREATE TRIGGER hsds_stamp_assurance AFTER INSERT OR UPDATE OR DELETE ON service_assurances
    FOR EACH ROW EXECUTE FUNCTION hsds_stamp_part();
CREATE TRIGGER hsds_stamp_organization AFTER UPDATE ON organizations
    FOR EACH ROW EXECUTE FUNCTION hsds_stamp_organization();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS hsds_stamp_service ON services;
DROP TRIGGER IF EXISTS hsds_stamp_location ON service_locations;
DROP TRIGGER IF EXISTS hsds_stamp_assurance ON service_assurances;
DROP TRIGGER IF EXISTS hsds_stamp_organization ON organizations;
DROP FUNCTION IF EXISTS hsds_stamp_organization();
DROP FUNCTION IF EXISTS hsds_stamp_part();
DROP FUNCTION IF EXISTS hsds_stamp_service();
DROP FUNCTION IF EXISTS hsds_bump(integer);
"""


def _sqlite_name(table: str, event: str) -> str:
    return f"hsds_stamp_{table}_{event.lower()}"


def upgrade() -> None:
    op.create_table(
        "service_stamps",
        # No foreign key: a deleted service's places are removed after it, and their
        # triggers still move its (then orphaned, harmless) stamp on.
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("service_id"),
    )
    op.create_table(
        "hsds_documents",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("service_id", "language"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(POSTGRES)
        return
    for (table, event), statements in SQLITE_TRIGGERS.items():
        body = "\n    ".join(statements)
        op.execute(
            f"CREATE TRIGGER {_sqlite_name(table, event)} AFTER {event} ON {table}\n"
            f"BEGIN\n    {body}\nEND"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(POSTGRES_DOWN)
    else:
        for table, event in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {_sqlite_name(table, event)}")
    op.drop_table("hsds_documents")
    op.drop_table("service_stamps")
