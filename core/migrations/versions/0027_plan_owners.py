"""Plans owned by an authority or by the committee (issue 24): a plan's owner and prison, plans
and goals in one language, a step's milestone, and goals of one plan contributing to another's.
Existing plans keep no owner: they are the committee's, as before.

Revision ID: 0027
Revises: 0026
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _foreign_keys_off() -> None:
    """SQLite rebuilds plans and goals to change their columns; goals, actions, indicators and
    evaluations point at them with ON DELETE CASCADE, and dropping the old table would delete
    them too. Foreign keys are switched off before anything is written (the pragma is ignored
    inside a transaction); the migration environment switches them on again (as 0028)."""
    if _sqlite():
        op.get_bind().exec_driver_sql("PRAGMA foreign_keys=OFF")


def _check_foreign_keys() -> None:
    if _sqlite():
        problems = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign keys broken by the rebuild of plans and goals: {problems}")


def upgrade() -> None:
    _foreign_keys_off()
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("authority_code", sa.String(32), nullable=True))
        batch.add_column(sa.Column("prison_code", sa.String(32), nullable=True))
        batch.create_foreign_key(
            "fk_plans_authority_code_authorities", "authorities", ["authority_code"], ["code"]
        )
        batch.create_foreign_key(
            "fk_plans_prison_code_prisons", "prisons", ["prison_code"], ["code"]
        )
        batch.create_index("ix_plans_authority_code", ["authority_code"])
        batch.alter_column("title_nl", existing_type=sa.Text(), nullable=True)
        batch.alter_column("title_fr", existing_type=sa.Text(), nullable=True)
    with op.batch_alter_table("goals") as batch:
        batch.alter_column("title_nl", existing_type=sa.Text(), nullable=True)
        batch.alter_column("title_fr", existing_type=sa.Text(), nullable=True)
    with op.batch_alter_table("plan_actions") as batch:
        batch.add_column(sa.Column("milestone_nl", sa.Text()))
        batch.add_column(sa.Column("milestone_fr", sa.Text()))
    op.create_table(
        "goal_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "goal_id", sa.Integer(), sa.ForeignKey("goals.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "target_id", sa.Integer(), sa.ForeignKey("goals.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("note", sa.Text()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("goal_id", "target_id"),
    )
    op.create_index("ix_goal_links_goal_id", "goal_links", ["goal_id"])
    op.create_index("ix_goal_links_target_id", "goal_links", ["target_id"])
    _check_foreign_keys()


def downgrade() -> None:
    _foreign_keys_off()
    op.drop_index("ix_goal_links_target_id", table_name="goal_links")
    op.drop_index("ix_goal_links_goal_id", table_name="goal_links")
    op.drop_table("goal_links")
    with op.batch_alter_table("plan_actions") as batch:
        batch.drop_column("milestone_fr")
        batch.drop_column("milestone_nl")
    # A plan or goal written in one language gets its title in the other as it is, so the
    # older schema's required columns hold text.
    for table in ("plans", "goals"):
        op.execute(f"UPDATE {table} SET title_nl = title_fr WHERE title_nl IS NULL")
        op.execute(f"UPDATE {table} SET title_fr = title_nl WHERE title_fr IS NULL")
    with op.batch_alter_table("goals") as batch:
        batch.alter_column("title_fr", existing_type=sa.Text(), nullable=False)
        batch.alter_column("title_nl", existing_type=sa.Text(), nullable=False)
    with op.batch_alter_table("plans") as batch:
        batch.alter_column("title_fr", existing_type=sa.Text(), nullable=False)
        batch.alter_column("title_nl", existing_type=sa.Text(), nullable=False)
        batch.drop_index("ix_plans_authority_code")
        batch.drop_constraint("fk_plans_prison_code_prisons", type_="foreignkey")
        batch.drop_constraint("fk_plans_authority_code_authorities", type_="foreignkey")
        batch.drop_column("prison_code")
        batch.drop_column("authority_code")
    _check_foreign_keys()
