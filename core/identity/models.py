"""People who log in, the identities they log in with, their sessions and API tokens.

A user is keyed by the identity they log in with: (authority, issuer, subject). The
authority comes from the login transaction, never from the token, because two authorities
may share one provider. Nothing about detainees is ever stored here: users are staff of the
authorities and services.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.db import Base, UTCDateTime

# Roles an authority's mapping may give, in the shared platform's terms.
AUTHORITY_ROLES = ("coordinator", "member", "viewer")
# Roles the platform grants itself, whatever the authority.
PLATFORM_ROLES = ("secretary", "administrator")


class User(Base):
    __tablename__ = "users"
    __audited__ = True

    __table_args__ = (Index("uq_users_calendar_token", "calendar_token", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    default_language: Mapped[str | None] = mapped_column(String(2))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The secret in the address of the person's own calendar feed (meetings).
    calendar_token: Mapped[str | None] = mapped_column(String(64))

    identities: Mapped[list[Identity]] = relationship(
        back_populates="user", order_by="Identity.id", cascade="all, delete-orphan"
    )
    platform_roles: Mapped[list[PlatformRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def platform_role_codes(self) -> frozenset[str]:
        return frozenset(grant.role for grant in self.platform_roles)


class Identity(Base):
    """One login of a user at one authority's provider; its roles are refreshed at each login
    from the claims, so the authority stays the one that decides them."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("authority_code", "issuer", "subject"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    authority_code: Mapped[str] = mapped_column(ForeignKey("authorities.code"))
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    role_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    access_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="identities")


class PlatformRole(Base):
    __tablename__ = "platform_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    granted_by: Mapped[str | None] = mapped_column(String(200))

    user: Mapped[User] = relationship(back_populates="platform_roles")


class ApiToken(Base):
    """A personal token; only its SHA-256 is kept, the secret is shown once at creation."""

    __tablename__ = "api_tokens"
    __audited__ = True
    __audit_exclude__ = ("token_hash", "last_used_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("identities.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    roles: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    identity: Mapped[Identity] = relationship()

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


class BrowserSession(Base):
    """Server-side session data; the cookie carries only a random id whose hash is the key,
    so tokens and login transactions never leave the server and any app server can serve
    any request."""

    __tablename__ = "browser_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
