"""The log of what happened: one row per event, written in the same transaction as the change
it tells about (so it exists exactly when the change was committed), read after the commit by
its readers: the notifier (core.notifications), and the change feeds, webhooks and plugin
events. Each reader keeps its own place in the log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, FetchedValue, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.db import Base, UTCDateTime


class Event(Base):
    __tablename__ = "events"
    # The notifier reads the events of its kinds not told yet; the change events, far more
    # numerous, are read by position (core.events.log) and never told this way.
    __table_args__ = (Index("ix_events_kind_notified", "kind", "notified_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(64))  # service_submitted, service_returned...
    record_kind: Mapped[str] = mapped_column(String(32))  # service, need, meeting...
    record_id: Mapped[int] = mapped_column(Integer)
    authority_code: Mapped[str | None] = mapped_column(String(64))
    # Who acted, as the service history keeps it: a plain id, never a reason to refuse a step.
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    # Who acted, by kind: page, api, cli or job.
    channel: Mapped[str | None] = mapped_column(String(8))
    # Who may see the event (core.events.log): public, logged_in, committee, secretariat or
    # authority:<code>.
    visibility: Mapped[str] = mapped_column(String(80), default="committee")
    # PostgreSQL: the writing transaction, given by the database (a server default); the
    # order readers follow, since ids are handed out before commit. SQLite: empty.
    tx: Mapped[int | None] = mapped_column(BigInteger, server_default=FetchedValue())
    # Set when an event must be recorded once whoever records it (a job's "overdue this
    # week"): two processes or a second run write one row.
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    # When the notifier told the people concerned; None: not yet.
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class EventReader(Base):
    """Where one reader of the log is (a plugin's event hook, a webhook endpoint): the last
    event it has dealt with, and how it went."""

    __tablename__ = "event_readers"

    reader: Mapped[str] = mapped_column(String(120), primary_key=True)
    after_tx: Mapped[int] = mapped_column(BigInteger, default=0)
    after_id: Mapped[int] = mapped_column(Integer, default=0)
    delivered: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # every failed call
    skipped: Mapped[int] = mapped_column(Integer, default=0)  # events given up on
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # on the event after the place
    last_error: Mapped[str | None] = mapped_column(Text)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
