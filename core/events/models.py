"""The log of what happened: one row per event, written in the same transaction as the change
it tells about (so it exists exactly when the change was committed), read after the commit by
its readers: the notifier (core.notifications), and the change feeds, webhooks and plugin
events. Each reader keeps its own place in the log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String
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
