"""Events of several kinds (issue 24): a study day, a reciprocal training or another event
on the same registration engine, organised by the committee or by one authority. Several trainings may fall in one year; the study day stays
one a year, now held by a unique index on the year of the study days only. Every event
stored so far is a study day.

Revision ID: 0028
Revises: 0027
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

ONE_STUDY_DAY = "uq_study_days_one_study_day_a_year"
STUDY_DAYS_ONLY = sa.text("kind = 'study_day'")


def _table(unique_year: bool, kinds: bool) -> sa.Table:
    """study_days as migrations 0010 and 0011 left it (``kinds``: with this migration's
    columns); SQLite rebuilds the table from it."""
    return sa.Table(
        "study_days",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False, unique=unique_year),
        sa.Column("title_nl", sa.Text(), nullable=False),
        sa.Column("title_fr", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text()),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("venue", sa.String(300), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("opens_at", UTCDateTime(), nullable=False),
        sa.Column("closes_at", UTCDateTime(), nullable=False),
        sa.Column("registrations_version", sa.Integer(), nullable=False),
        sa.Column("edit_deadline", UTCDateTime()),
        *(sa.Column(f"description_{lang}", sa.Text()) for lang in ("nl", "fr", "en")),
        *(
            (
                sa.Column("kind", sa.String(16), nullable=False, server_default="study_day"),
                sa.Column("audience", sa.String(16)),
                _organiser(),
            )
            if kinds
            else ()
        ),
    )


def _organiser() -> sa.Column:
    # The authority whose coordinators organise the event; none: the committee (secretariat).
    return sa.Column(
        "authority_code",
        sa.String(32),
        sa.ForeignKey("authorities.code", name="fk_study_days_authority_code_authorities"),
    )


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _foreign_keys_off() -> None:
    """SQLite cannot drop a column's UNIQUE in place: the table is rebuilt. Its workshops and
    registrations point at it with ON DELETE CASCADE, and dropping the old table would
    delete them too. Foreign keys are switched off before anything is written (the pragma
    is ignored inside a transaction); the migration environment switches them on again."""
    op.get_bind().exec_driver_sql("PRAGMA foreign_keys=OFF")


def _check_foreign_keys() -> None:
    problems = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise RuntimeError(f"foreign keys broken by the rebuild of study_days: {problems}")


def upgrade() -> None:
    if _sqlite():
        _foreign_keys_off()
        with op.batch_alter_table(
            "study_days", recreate="always", copy_from=_table(unique_year=False, kinds=False)
        ) as batch:
            batch.add_column(
                sa.Column("kind", sa.String(16), nullable=False, server_default="study_day")
            )
            batch.add_column(sa.Column("audience", sa.String(16)))
            batch.add_column(_organiser())
        _check_foreign_keys()
    else:
        op.add_column(
            "study_days",
            sa.Column("kind", sa.String(16), nullable=False, server_default="study_day"),
        )
        op.add_column("study_days", sa.Column("audience", sa.String(16)))
        op.add_column("study_days", _organiser())
        for constraint in sa.inspect(op.get_bind()).get_unique_constraints("study_days"):
            if constraint["column_names"] == ["year"]:
                op.drop_constraint(constraint["name"], "study_days", type_="unique")
    op.create_index("ix_study_days_year", "study_days", ["year"])
    op.create_index(
        ONE_STUDY_DAY,
        "study_days",
        ["year"],
        unique=True,
        sqlite_where=STUDY_DAYS_ONLY,
        postgresql_where=STUDY_DAYS_ONLY,
    )


# What hangs off an event that is not a study day, children first (deleted by hand: on
# SQLite the foreign keys are off during the downgrade).
OTHER_EVENTS = "SELECT id FROM study_days WHERE kind <> 'study_day'"
THEIR_WORKSHOPS = f"SELECT id FROM workshops WHERE study_day_id IN ({OTHER_EVENTS})"
THEIR_REPORTS = f"SELECT id FROM workshop_reports WHERE workshop_id IN ({THEIR_WORKSHOPS})"
THEIR_REGISTRATIONS = f"SELECT id FROM registrations WHERE study_day_id IN ({OTHER_EVENTS})"
DEPENDENTS = (
    ("workshop_report_goals", "report_id", THEIR_REPORTS),
    ("workshop_report_needs", "report_id", THEIR_REPORTS),
    ("workshop_reports", "id", THEIR_REPORTS),
    ("workshop_choices", "registration_id", THEIR_REGISTRATIONS),
    ("workshop_choices", "workshop_id", THEIR_WORKSHOPS),
    ("registrations", "id", THEIR_REGISTRATIONS),
    ("workshops", "id", THEIR_WORKSHOPS),
    ("study_days", "id", OTHER_EVENTS),
)


def downgrade() -> None:
    # The old schema holds one event a year, all study days: the other events go, with their
    # sessions and registrations.
    if _sqlite():
        _foreign_keys_off()
    for table, column, which in DEPENDENTS:
        op.execute(f"DELETE FROM {table} WHERE {column} IN ({which})")
    op.drop_index(ONE_STUDY_DAY, "study_days")
    op.drop_index("ix_study_days_year", "study_days")
    if _sqlite():
        with op.batch_alter_table(
            "study_days", recreate="always", copy_from=_table(unique_year=False, kinds=True)
        ) as batch:
            batch.drop_column("authority_code")
            batch.drop_column("audience")
            batch.drop_column("kind")
            batch.create_unique_constraint("uq_study_days_year", ["year"])
        _check_foreign_keys()
    else:
        op.drop_constraint("fk_study_days_authority_code_authorities", "study_days")
        op.drop_column("study_days", "authority_code")
        op.drop_column("study_days", "audience")
        op.drop_column("study_days", "kind")
        op.create_unique_constraint("study_days_year_key", "study_days", ["year"])
