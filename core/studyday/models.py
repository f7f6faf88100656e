"""Events (operational goals 6.1 and 6.2): the annual study day, reciprocal trainings of
external and prison staff and other events, each with its programme of plenary sessions and
workshops, and the registrations with their workshop choices and waiting lists. Every kind
goes through the same registration, waiting list, check-in and certificates.

Registrants are staff of services, prisons and authorities; their names and e-mail
addresses are kept only as long as the configured retention allows (never a detainee)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.db import Base, UTCDateTime

if TYPE_CHECKING:
    from core.goals.models import Goal
    from core.inventory.models import Need
from core.i18n import LocalizedMixin

WORKSHOP_LANGUAGES = ("nl", "fr", "bilingual")
SESSION_KINDS = ("plenary", "workshop")  # only workshops are chosen, plenaries are for all
# pending: a guest's place, held until the address is confirmed by the e-mail link;
# confirmed: has a place; waiting: on the waiting list; offered: a freed place, held until
# the offer's deadline; cancelled: gave the place back; expired: let a deadline pass.
REGISTRATION_STATES = ("pending", "confirmed", "waiting", "offered", "cancelled", "expired")
CHOICE_STATES = ("confirmed", "waiting", "offered", "cancelled", "expired")
# The study day is held once a year (goal 6.2); trainings (goal 6.1) and other events as
# often as needed.
EVENT_KINDS = ("study_day", "training", "other")
# Whom a training is for: staff of the services that come into the prisons, prison staff, or
# both together (a reciprocal training).
AUDIENCES = ("external", "prison", "both")
STUDY_DAYS_ONLY = text("kind = 'study_day'")


class StudyDay(LocalizedMixin, Base):
    """An event of any kind (the name and table stay those of the study day, the first kind)."""

    __tablename__ = "study_days"
    __audited__ = True
    # One study day a year, also against two organisers saving at once; other kinds repeat.
    __table_args__ = (
        Index(
            "uq_study_days_one_study_day_a_year",
            "year",
            unique=True,
            sqlite_where=STUDY_DAYS_ONLY,
            postgresql_where=STUDY_DAYS_ONLY,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)  # of held_on
    kind: Mapped[str] = mapped_column(String(16), default="study_day", server_default="study_day")
    audience: Mapped[str | None] = mapped_column(String(16))  # of a training
    # The authority whose coordinators organise it; none: the committee, by its secretariat
    # (always so for the study day).
    authority_code: Mapped[str | None] = mapped_column(
        ForeignKey("authorities.code", name="fk_study_days_authority_code_authorities")
    )
    title_nl: Mapped[str] = mapped_column(Text)
    title_fr: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)
    held_on: Mapped[date] = mapped_column(Date)
    venue: Mapped[str] = mapped_column(String(300))
    capacity: Mapped[int] = mapped_column(Integer)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Registrants change or cancel through their private link until then (default: closes_at).
    edit_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    description_nl: Mapped[str | None] = mapped_column(Text)
    description_fr: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    # Bumped by every registration: taking this row's lock first serialises the places.
    registrations_version: Mapped[int] = mapped_column(Integer, default=0)

    workshops: Mapped[list[Workshop]] = relationship(order_by="Workshop.starts_at, Workshop.id")


class Workshop(LocalizedMixin, Base):
    __tablename__ = "workshops"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    study_day_id: Mapped[int] = mapped_column(
        ForeignKey("study_days.id", ondelete="CASCADE"), index=True
    )
    title_nl: Mapped[str] = mapped_column(Text)
    title_fr: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)
    theme_nl: Mapped[str | None] = mapped_column(String(200))
    theme_fr: Mapped[str | None] = mapped_column(String(200))
    theme_en: Mapped[str | None] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    room: Mapped[str | None] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), default="workshop")
    description_nl: Mapped[str | None] = mapped_column(Text)
    description_fr: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)

    report: Mapped[WorkshopReport | None] = relationship(
        back_populates="workshop", uselist=False, cascade="all, delete-orphan"
    )


class Registration(Base):
    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("study_day_id", "email"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    study_day_id: Mapped[int] = mapped_column(
        ForeignKey("study_days.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320))  # lower-cased: one person, one registration
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(300))
    authority_code: Mapped[str | None] = mapped_column(ForeignKey("authorities.code"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    language: Mapped[str] = mapped_column(String(2))
    accessibility: Mapped[str | None] = mapped_column(Text)
    on_participant_list: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16), index=True)
    # The private link is an HMAC of the id and this nonce under the app's secret key, so a
    # job can write it into a later e-mail; only its hash is looked up.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    link_nonce: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the address is proven
    # Until when a pending registration or an offered place is held.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    present_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # checked in on the day
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    choices: Mapped[list[WorkshopChoice]] = relationship(
        order_by="WorkshopChoice.id", cascade="all, delete-orphan"
    )


class WorkshopChoice(Base):
    __tablename__ = "workshop_choices"
    __audited__ = True
    __table_args__ = (UniqueConstraint("registration_id", "workshop_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # of an offered place

    workshop: Mapped[Workshop] = relationship()


report_goals = Table(
    "workshop_report_goals",
    Base.metadata,
    Column("report_id", ForeignKey("workshop_reports.id", ondelete="CASCADE"), primary_key=True),
    Column("goal_id", ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True, index=True),
)
report_needs = Table(
    "workshop_report_needs",
    Base.metadata,
    Column("report_id", ForeignKey("workshop_reports.id", ondelete="CASCADE"), primary_key=True),
    Column("need_id", ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class WorkshopReport(LocalizedMixin, Base):
    """What a workshop brought up, in Dutch and French, linked to the needs it names and the
    goals it feeds."""

    __tablename__ = "workshop_reports"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), unique=True
    )
    text_nl: Mapped[str | None] = mapped_column(Text)
    text_fr: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    workshop: Mapped[Workshop] = relationship(back_populates="report")
    goals: Mapped[list[Goal]] = relationship(secondary=report_goals, order_by="Goal.id")
    needs: Mapped[list[Need]] = relationship(secondary=report_needs, order_by="Need.id")
