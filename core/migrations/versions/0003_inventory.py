"""the shared inventory: organisations, services, their prisons, versions, snapshots, search

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _texts(name: str, kind=sa.Text):
    return [sa.Column(f"{name}_{lang}", kind) for lang in ("nl", "fr", "en")]


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "authority_code", sa.String(32), sa.ForeignKey("authorities.code"), nullable=False
        ),
        sa.Column("external_id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("kbo_number", sa.String(12)),
        sa.Column("legal_form", sa.String(100)),
        sa.Column("website", sa.String(500)),
        sa.Column("email", sa.String(320)),
        *_texts("description"),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("authority_code", "external_id"),
    )
    op.create_index("ix_organizations_authority_code", "organizations", ["authority_code"])
    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "authority_code", sa.String(32), sa.ForeignKey("authorities.code"), nullable=False
        ),
        sa.Column("external_id", sa.String(100), nullable=False),
        sa.Column("organization_id", sa.Integer(), sa.ForeignKey("organizations.id")),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("domain_code", sa.String(32), sa.ForeignKey("domains.code"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_texts("name", sa.String(300)),
        *_texts("description"),
        *_texts("application_process"),
        *_texts("eligibility"),
        sa.Column("target_groups", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("delivery", sa.String(16), nullable=False),
        sa.Column("setting", sa.String(16), nullable=False),
        sa.Column("access", sa.String(16), nullable=False),
        sa.Column("free_of_charge", sa.Boolean(), nullable=False),
        sa.Column("capacity", sa.Integer()),
        sa.Column("waiting_list", sa.Boolean(), nullable=False),
        sa.Column("typical_wait_days", sa.Integer()),
        sa.Column("contact_name", sa.String(200)),
        sa.Column("contact_email", sa.String(320)),
        sa.Column("contact_phone", sa.String(40)),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("pending", sa.JSON()),
        sa.Column("review_comment", sa.Text()),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("published_at", UTCDateTime()),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("authority_code", "external_id"),
    )
    for column in ("authority_code", "domain_code", "state", "updated_at"):
        op.create_index(f"ix_services_{column}", "services", [column])
    op.create_table(
        "service_locations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "service_id",
            sa.Integer(),
            sa.ForeignKey("services.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("prison_code", sa.String(32), sa.ForeignKey("prisons.code"), nullable=False),
        sa.Column("schedule", sa.String(300)),
        *_texts("notes"),
        sa.Column("places", sa.Integer()),
        sa.UniqueConstraint("service_id", "prison_code"),
    )
    op.create_index("ix_service_locations_service_id", "service_locations", ["service_id"])
    op.create_index("ix_service_locations_prison_code", "service_locations", ["prison_code"])
    op.create_table(
        "service_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "service_id",
            sa.Integer(),
            sa.ForeignKey("services.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("user_id", sa.Integer()),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text()),
        sa.Column("record", sa.JSON(), nullable=False),
    )
    op.create_index("ix_service_versions_service_id", "service_versions", ["service_id"])
    op.create_table(
        "inventory_snapshots",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False, unique=True),
        sa.Column("frozen_at", UTCDateTime(), nullable=False),
        sa.Column("frozen_by", sa.String(200), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
    )
    # Full-text search over every language of names and descriptions. The document is
    # stored lower-cased and without accents, by core/inventory/search.py, so both
    # databases match "reinsertion" and "réinsertion" alike.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE service_search USING fts5(document, tokenize='unicode61')")
    else:
        op.execute(
            "CREATE TABLE service_search (rowid integer PRIMARY KEY, document text NOT NULL, "
            "terms tsvector GENERATED ALWAYS AS (to_tsvector('simple', document)) STORED)"
        )
        op.execute("CREATE INDEX ix_service_search_terms ON service_search USING gin (terms)")


def downgrade() -> None:
    op.execute("DROP TABLE service_search")
    op.drop_table("inventory_snapshots")
    op.drop_table("service_versions")
    op.drop_table("service_locations")
    op.drop_table("services")
    op.drop_table("organizations")
