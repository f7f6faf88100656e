"""The log of what happened: one row per event, written in the same transaction as the change
it tells about (so it exists exactly when the change was committed), read by the notifier
after the commit. Change feeds, webhooks and plugin events can read the same log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(64))  # service_submitted, service_returned...
    record_kind: Mapped[str] = mapped_column(String(32))  # service, need, meeting...
    record_id: Mapped[int] = mapped_column(Integer)
    authority_code: Mapped[str | None] = mapped_column(String(64))
    # Who acted, as the service history keeps it: a plain id, never a reason to refuse a step.
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    # When the notifier told the people concerned; None: not yet.
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


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
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
