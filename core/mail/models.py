"""The outbox: every e-mail the platform sends is first written here, in the same transaction
as the change it tells about, then delivered over SMTP by a job. Nothing is lost when the mail
server is down, and where no server is configured (the demo) the outbox is the mailbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.db import Base, UTCDateTime

MESSAGE_STATES = ("queued", "sent", "failed", "kept")


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Whatever sends a message names it; a second message with the same key is never
    # written, so a job that runs again after a crash or a restart sends nothing twice.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # [{"filename", "content_type", "text"}]: calendar files and other small text parts.
    attachments: Mapped[list[dict]] = mapped_column(JSON, default=list)
    # Extra headers, such as RFC 8058's one-click unsubscribe of the digests.
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
