"""Rooms in the prisons that the services share (goal 6.3 of the plan), and their bookings.

A booking is held by one service of the inventory: once (a day, from one time to another) or
recurring (a schedule chosen in words, core.inventory.schedules, between a first and a last
day). Times are Brussels wall-clock times, stored as the picker and the form give them
("14:00"), since a room is booked for 14:00 in summer and in winter alike.

Only rooms and services appear here: never a detainee.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.db import Base, UTCDateTime
from core.i18n import LocalizedMixin


class Room(LocalizedMixin, Base):
    __tablename__ = "rooms"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_code: Mapped[str] = mapped_column(ForeignKey("prisons.code"), index=True)
    name_nl: Mapped[str | None] = mapped_column(String(200))
    name_fr: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    # What is in the room, in words as people write them ("projector", "whiteboard").
    equipment: Mapped[str | None] = mapped_column(Text)
    # ISO 639-1 codes of the languages of the signs in and to the room.
    signage_languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    prison = relationship("Prison")
    bookings: Mapped[list[RoomBooking]] = relationship(
        back_populates="room", order_by="RoomBooking.first_day"
    )

    @property
    def equipment_items(self) -> list[str]:
        return [item.strip() for item in (self.equipment or "").split(",") if item.strip()]


class RoomBooking(Base):
    __tablename__ = "room_bookings"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), index=True
    )
    # Once: first_day == last_day and no schedule. Recurring: the schedule's days between.
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    schedule: Mapped[str | None] = mapped_column(String(300))
    starts: Mapped[str] = mapped_column(String(5))
    ends: Mapped[str] = mapped_column(String(5))
    booked_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    room: Mapped[Room] = relationship(back_populates="bookings")
    service = relationship("Service")

    @property
    def authority_code(self) -> str:
        """The booked service's authority: its coordinators keep the booking."""
        return self.service.authority_code
