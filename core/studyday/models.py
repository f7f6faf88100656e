"""The annual study day (operational goal 6.2): its programme of plenary sessions and
workshops, and the registrations with their workshop choices and waiting lists.

Registrants are staff of services, prisons and authorities; their names and e-mail
addresses are kept only as long as the configured retention allows (never a detainee)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow
from core.i18n import LocalizedMixin

WORKSHOP_LANGUAGES = ("nl", "fr", "bilingual")
# pending: waits for the e-mail confirmation (guests); confirmed: has a place; waiting: on
# the waiting list; cancelled: gave the place back.
REGISTRATION_STATES = ("pending", "confirmed", "waiting", "cancelled")
CHOICE_STATES = ("confirmed", "waiting", "cancelled")


class StudyDay(LocalizedMixin, Base):
    __tablename__ = "study_days"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    title_nl: Mapped[str] = mapped_column(Text)
    title_fr: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)
    held_on: Mapped[date] = mapped_column(Date)
    venue: Mapped[str] = mapped_column(String(300))
    capacity: Mapped[int] = mapped_column(Integer)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
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
    theme: Mapped[str | None] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    room: Mapped[str | None] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(16))


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
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    choices: Mapped[list[WorkshopChoice]] = relationship(
        order_by="WorkshopChoice.id", cascade="all, delete-orphan"
    )


class WorkshopChoice(Base):
    __tablename__ = "workshop_choices"
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

    workshop: Mapped[Workshop] = relationship()
