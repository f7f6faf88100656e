"""verification, duplicates and error reports (issue 23): when and by whom each service was
last confirmed, the yearly campaigns asked, the pairs a reviewer marked as not duplicates, and
the errors the public reported on published services. Existing data is kept; each published
service starts as confirmed by its last approval, as an approval confirms it from now on.

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_assurances",
        sa.Column(
            "service_id",
            sa.Integer(),
            sa.ForeignKey("services.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("assured_at", UTCDateTime(), nullable=False),
        sa.Column("how", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("user_id", sa.Integer()),
        sa.Column("assurer_email", sa.String(320)),
    )
    op.create_index("ix_service_assurances_assured_at", "service_assurances", ["assured_at"])
    op.create_table(
        "verification_campaigns",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "authority_code", sa.String(32), sa.ForeignKey("authorities.code"), nullable=False
        ),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.UniqueConstraint("year", "authority_code", name="uq_verification_campaigns_year"),
    )
    op.create_table(
        "duplicate_dismissals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "first_id",
            sa.Integer(),
            sa.ForeignKey("services.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "second_id",
            sa.Integer(),
            sa.ForeignKey("services.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("dismissed_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("user_id", sa.Integer()),
        sa.UniqueConstraint("first_id", "second_id", name="uq_duplicate_dismissals_first_id"),
    )
    op.create_index("ix_duplicate_dismissals_first_id", "duplicate_dismissals", ["first_id"])
    op.create_index("ix_duplicate_dismissals_second_id", "duplicate_dismissals", ["second_id"])
    op.create_table(
        "error_reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "service_id",
            sa.Integer(),
            sa.ForeignKey("services.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("contact_email", sa.String(320)),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("closed_at", UTCDateTime()),
        sa.Column("closed_by", sa.String(200)),
        sa.Column("closed_by_user_id", sa.Integer()),
        sa.Column("note", sa.Text()),
    )
    op.create_index("ix_error_reports_service_id", "error_reports", ["service_id"])
    op.create_index("ix_error_reports_status", "error_reports", ["status"])
    _confirmed_by_last_approval()


def _confirmed_by_last_approval() -> None:
    """Each published service as confirmed at its last approval by whoever submitted it (the
    coordinator who vouched for it), as approvals confirm from now on."""
    op.execute(
        """
        INSERT INTO service_assurances (service_id, assured_at, how, actor, user_id,
                                        assurer_email)
        SELECT approval.service_id, approval.at, 'approved',
               COALESCE(submission.actor, approval.actor),
               submission.user_id, users.email
        FROM service_versions approval
        JOIN services ON services.id = approval.service_id
        LEFT JOIN service_versions submission
               ON submission.service_id = approval.service_id
              AND submission.number = (
                  SELECT MAX(earlier.number) FROM service_versions earlier
                  WHERE earlier.service_id = approval.service_id
                    AND earlier.action = 'submit' AND earlier.number < approval.number)
        LEFT JOIN users ON users.id = submission.user_id
        WHERE services.published_at IS NOT NULL
          AND approval.action = 'approve'
          AND approval.number = (
              SELECT MAX(last.number) FROM service_versions last
              WHERE last.service_id = approval.service_id AND last.action = 'approve')
        """
    )


def downgrade() -> None:
    op.drop_table("error_reports")
    op.drop_table("duplicate_dismissals")
    op.drop_table("verification_campaigns")
    op.drop_table("service_assurances")
