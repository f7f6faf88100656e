"""Webhooks: addresses of other systems that hear of the platform's events, the deliveries of
events to each of them and every attempt at a delivery.

An endpoint reads the log of events (core.events) from its own place (``cursor_tx``,
``cursor_id``): every event up to it has been dealt with (a delivery made, or left out because the endpoint did not ask for
its kind or its owner may not see it). A delivery is unique per endpoint and event, so two
scheduler processes, or a second run after a restart, never make a second one; each attempt at
sending it is kept with its status code, duration and a short error.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.db import Base, UTCDateTime


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"
    __audited__ = True
    # The secret signs every message: never written to the audit log (its rotation is, by
    # ``secret_rotated_at``). The place in the log and the failure count move with every
    # delivery run, which is the scheduler's bookkeeping, not someone's change.
    __audit_exclude__ = (
        "secret",
        "cursor_tx",
        "cursor_id",
        "failing_since",
        "consecutive_failures",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The authority whose records it hears of; None: every authority (administrators only).
    authority_code: Mapped[str | None] = mapped_column(ForeignKey("authorities.code"))
    # Who registered it: the events it receives are those this identity may see, and this
    # person is told when it is disabled.
    owner_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    owner_identity_id: Mapped[int | None] = mapped_column(
        ForeignKey("identities.id", ondelete="SET NULL")
    )
    secret: Mapped[str] = mapped_column(String(100))
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why it was disabled: "failures" (by the platform) or "person" (by someone's choice).
    disabled_reason: Mapped[str | None] = mapped_column(String(16))
    # The last event of the log dealt with for this endpoint, as a place in the log
    # (core.events.log.Position: the writing transaction on PostgreSQL, and the id).
    cursor_tx: Mapped[int] = mapped_column(BigInteger, default=0)
    cursor_id: Mapped[int] = mapped_column(Integer, default=0)
    # Since when every attempt failed (None: the last one succeeded), and how many did.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)

    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="endpoint", cascade="all, delete-orphan", passive_deletes=True
    )


class WebhookDelivery(Base):
    """One event for one endpoint: pending until an attempt succeeds (delivered) or the
    attempts run out (failed); a person may ask for it again (redelivery)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default="pending")  # delivered, failed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Attempts since it was made or last asked for again: the backoff counts these.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # A sender claims the delivery before it sends (and commits the claim), so that another
    # process leaves it alone until the claim runs out.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship(back_populates="deliveries")
    attempt_log: Mapped[list[WebhookAttempt]] = relationship(
        back_populates="delivery",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="WebhookAttempt.id",
    )


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    # A code for why it failed (refused, timeout, connect, tls, status), then the detail.
    error: Mapped[str | None] = mapped_column(String(300))
    # The start of the receiver's answer, for whoever looks into a failure; never more.
    response_excerpt: Mapped[str | None] = mapped_column(String(300))

    delivery: Mapped[WebhookDelivery] = relationship(back_populates="attempt_log")
