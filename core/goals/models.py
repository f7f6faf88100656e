"""Strategic plans and their goals. Actions, annual plans and evaluations build on these."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.db import Base, UTCDateTime
from core.i18n import LocalizedMixin

# A plan action's status in words, for pages and the authorities' reports alike.
STATUS_LABELS = {
    "planned": _l("planned"),
    "started": _l("started"),
    "ongoing": _l("ongoing"),
    "done": _l("done"),
    "postponed": _l("postponed"),
    "stopped": _l("stopped"),
}


# Goals that hold actions: operational goals under a strategic one, and the goals of a flat
# plan ("doelstelling 7"). Strategic options frame a plan and hold no actions.
ACTION_KINDS = ("operational", "goal")


class Plan(LocalizedMixin, Base):
    """A strategic plan: the committee's (no owner), an authority's own (the Flemish plan
    2015-2020), or the local action plan of one prison of an authority. It may be written
    in one language only: the owner's."""

    __tablename__ = "plans"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    title_nl: Mapped[str | None] = mapped_column(Text)
    title_fr: Mapped[str | None] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)
    # The owner: None is the committee, whose secretariat manages the plan; an authority's
    # coordinators manage its own plans.
    authority_code: Mapped[str | None] = mapped_column(ForeignKey("authorities.code"), index=True)
    prison_code: Mapped[str | None] = mapped_column(ForeignKey("prisons.code"))

    goals: Mapped[list[Goal]] = relationship(
        back_populates="plan", order_by="Goal.position", cascade="all, delete-orphan"
    )

    def strategic_goals(self) -> list[Goal]:
        """The goals at the top of the tree (strategic goals, or every goal of a flat plan)."""
        return [goal for goal in self.goals if goal.parent_id is None and goal.kind != "option"]

    def options(self) -> list[Goal]:
        return [goal for goal in self.goals if goal.kind == "option"]

    @property
    def flat(self) -> bool:
        return any(goal.kind == "goal" for goal in self.goals)


class Goal(LocalizedMixin, Base):
    """A strategic goal (no parent; kind "result" or "support") or an operational goal under
    one; in a flat plan a numbered goal (kind "goal", no parent) or a strategic option (kind
    "option", no actions)."""

    __tablename__ = "goals"
    __audited__ = True
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # result | support | operational | goal | option
    title_nl: Mapped[str | None] = mapped_column(Text)
    title_fr: Mapped[str | None] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)
    description_nl: Mapped[str | None] = mapped_column(Text)
    description_fr: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)

    plan: Mapped[Plan] = relationship(back_populates="goals")
    parent: Mapped[Goal | None] = relationship(remote_side="Goal.id", back_populates="children")
    children: Mapped[list[Goal]] = relationship(back_populates="parent", order_by="Goal.position")

    @property
    def takes_actions(self) -> bool:
        return self.kind in ACTION_KINDS


class GoalLink(Base):
    """A goal of one plan contributes to a goal of another (a Flemish goal to Brussels goal
    3.2), with a note saying how. Kept by whoever manages the contributing goal's plan."""

    __tablename__ = "goal_links"
    __table_args__ = (UniqueConstraint("goal_id", "target_id"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    goal: Mapped[Goal] = relationship(foreign_keys=[goal_id])
    target: Mapped[Goal] = relationship(foreign_keys=[target_id])


class PlanAction(LocalizedMixin, Base):
    """An action under an operational goal, or a step under an action: what is done, who
    leads it (trekker / pilote), who is involved, by when, and how far it is."""

    __tablename__ = "plan_actions"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plan_actions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title_nl: Mapped[str | None] = mapped_column(Text)
    title_fr: Mapped[str | None] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)
    # The lead: an authority (whose coordinators keep the action up to date), or a body
    # written out ("SAW", "a working group of the mixed commission").
    authority_code: Mapped[str | None] = mapped_column(ForeignKey("authorities.code"))
    lead_text: Mapped[str | None] = mapped_column(String(300))
    involved: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What shows the step is done ("mijlpaal / indicator" in the Flemish plan).
    milestone_nl: Mapped[str | None] = mapped_column(Text)
    milestone_fr: Mapped[str | None] = mapped_column(Text)
    # The term as typed ("" when the plan gives none), and what it reads as
    # (core.goals.terms.Term.as_dict(); {} for none). The dates below are those the action
    # runs between, for what is overdue: none for a term still to be determined.
    term_text: Mapped[str] = mapped_column(String(300))
    term: Mapped[dict] = mapped_column(JSON)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(32))
    progress: Mapped[int] = mapped_column(Integer, default=0)
    weight: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    goal: Mapped[Goal] = relationship()
    children: Mapped[list[PlanAction]] = relationship(order_by="PlanAction.position")


class AnnualPlan(Base):
    """Which actions are planned for a year, adopted in a committee meeting by a decision."""

    __tablename__ = "annual_plans"
    __table_args__ = (UniqueConstraint("plan_id", "year"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id", ondelete="SET NULL"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    adopted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    items: Mapped[list[AnnualPlanItem]] = relationship(
        order_by="AnnualPlanItem.id", cascade="all, delete-orphan"
    )

    @property
    def adopted(self) -> bool:
        return self.adopted_at is not None


class AnnualPlanItem(LocalizedMixin, Base):
    __tablename__ = "annual_plan_items"
    __table_args__ = (UniqueConstraint("annual_plan_id", "action_id"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    annual_plan_id: Mapped[int] = mapped_column(ForeignKey("annual_plans.id", ondelete="CASCADE"))
    action_id: Mapped[int] = mapped_column(ForeignKey("plan_actions.id", ondelete="CASCADE"))
    owner: Mapped[str | None] = mapped_column(String(200))
    target_nl: Mapped[str | None] = mapped_column(Text)
    target_fr: Mapped[str | None] = mapped_column(Text)
    target_en: Mapped[str | None] = mapped_column(Text)
    target_progress: Mapped[int] = mapped_column(Integer)

    action: Mapped[PlanAction] = relationship()


class Indicator(LocalizedMixin, Base):
    """Baseline, target and actual per year; entered, or computed live from the platform
    (``source`` names the figure, see core.goals.indicators)."""

    __tablename__ = "indicators"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    name_nl: Mapped[str | None] = mapped_column(Text)
    name_fr: Mapped[str | None] = mapped_column(Text)
    name_en: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(50))
    source: Mapped[str | None] = mapped_column(String(100))
    baseline: Mapped[float | None] = mapped_column(Float)
    baseline_year: Mapped[int | None] = mapped_column(Integer)

    values: Mapped[list[IndicatorValue]] = relationship(
        order_by="IndicatorValue.year", cascade="all, delete-orphan"
    )


class IndicatorValue(Base):
    __tablename__ = "indicator_values"
    __table_args__ = (UniqueConstraint("indicator_id", "year"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    target: Mapped[float | None] = mapped_column(Float)
    actual: Mapped[float | None] = mapped_column(Float)


class Evaluation(LocalizedMixin, Base):
    """A goal's yearly evaluation, approved in a committee meeting."""

    __tablename__ = "evaluations"
    __table_args__ = (UniqueConstraint("goal_id", "year"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    assessment_nl: Mapped[str | None] = mapped_column(Text)
    assessment_fr: Mapped[str | None] = mapped_column(Text)
    assessment_en: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[str] = mapped_column(String(20))
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id", ondelete="SET NULL"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
