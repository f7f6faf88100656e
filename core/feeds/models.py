"""A committee member's private feed address: only a fingerprint of its secret is kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.db import Base, UTCDateTime


class FeedToken(Base):
    __tablename__ = "feed_tokens"
    # Making, renewing and stopping an address is audited; never its secret nor each read.
    __audited__ = True
    __audit_exclude__ = ("token_hash", "used_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
