"""Strategic plans and their goals. Actions, annual plans and evaluations build on these."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base
from core.i18n import LocalizedMixin


class Plan(LocalizedMixin, Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    title_nl: Mapped[str] = mapped_column(Text)
    title_fr: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)

    goals: Mapped[list[Goal]] = relationship(
        back_populates="plan", order_by="Goal.position", cascade="all, delete-orphan"
    )

    def strategic_goals(self) -> list[Goal]:
        return [goal for goal in self.goals if goal.parent_id is None]


class Goal(LocalizedMixin, Base):
    """A strategic goal (no parent; kind "result" or "support") or an operational goal."""

    __tablename__ = "goals"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # result | support | operational
    title_nl: Mapped[str] = mapped_column(Text)
    title_fr: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)

    plan: Mapped[Plan] = relationship(back_populates="goals")
    parent: Mapped[Goal | None] = relationship(remote_side="Goal.id", back_populates="children")
    children: Mapped[list[Goal]] = relationship(back_populates="parent", order_by="Goal.position")
