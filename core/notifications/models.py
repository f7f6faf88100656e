"""How each person wants to be told (settings), and what waits for their digest. The events
themselves are in core.events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.db import Base, UTCDateTime


class NotificationSetting(Base):
    """How a person wants to hear of one kind of event: at once, in the daily or the weekly
    digest, or not at all. Without a row, the kind's default (core.notifications.services)."""

    __tablename__ = "notification_settings"
    __audited__ = True
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_notification_settings"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    how: Mapped[str] = mapped_column(String(8))  # now, daily, weekly, off


class DigestEntry(Base):
    """An event waiting for a person's next daily or weekly digest; ``sent_at`` is set in the
    same transaction as the digest's e-mail, so a digest is sent once and loses nothing."""

    __tablename__ = "digest_entries"
    __table_args__ = (UniqueConstraint("user_id", "event_id", name="uq_digest_entries"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    how: Mapped[str] = mapped_column(String(8))  # daily, weekly
    # As which kind the person is told: the event's own, or "followed" (a record they follow).
    kind: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class Follow(Base):
    """A person follows a record (a service, a need, a goal, a body or a meeting) and hears of
    its changes as they chose for the kind "followed" (core.notifications.follows)."""

    __tablename__ = "follows"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("user_id", "record_kind", "record_id", name="uq_follows"),
        Index("ix_follows_record", "record_kind", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    record_kind: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
