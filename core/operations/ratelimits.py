"""Rate-limit counters in the platform's database (the `limits` storage behind
Flask-Limiter), so that app servers keep no counters of their own: a login limit holds across
all of them. `rate_limit_storage = "database"` (the default) selects it; any URI `limits`
knows (redis://, memcached://) may be configured instead."""

from __future__ import annotations

import time

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.storage import Storage
from sqlalchemy import Column, Float, Integer, String, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from core.db import Base

# The limiter of the whole platform (the login, the public forms); each view says its limit.
limiter = Limiter(key_func=get_remote_address, default_limits=[])

rate_limits = Table(
    "rate_limits",
    Base.metadata,
    Column("key", String(300), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("expires_at", Float, nullable=False),  # seconds since the epoch
)


class DatabaseStorage(Storage):
    STORAGE_SCHEME = ["concerto"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        self.engine = options.pop("engine")
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        key = key[:300]
        with self.engine.begin() as connection:
            # Within the window the count goes up; a window that ran out starts again.
            moved = connection.execute(
                update(rate_limits)
                .where(rate_limits.c.key == key, rate_limits.c.expires_at > now)
                .values(count=rate_limits.c.count + amount)
                .returning(rate_limits.c.count)
            ).first()
            if moved is not None:
                return moved[0]
            restarted = connection.execute(
                update(rate_limits)
                .where(rate_limits.c.key == key, rate_limits.c.expires_at <= now)
                .values(count=amount, expires_at=now + expiry)
                .returning(rate_limits.c.count)
            ).first()
            if restarted is not None:
                return restarted[0]
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    insert(rate_limits).values(key=key, count=amount, expires_at=now + expiry)
                )
            return amount
        except IntegrityError:  # another server counted the first hit at the same moment
            return self.incr(key, expiry, amount)

    def get(self, key: str) -> int:
        with self.engine.connect() as connection:
            found = connection.execute(
                select(rate_limits.c.count).where(
                    rate_limits.c.key == key[:300], rate_limits.c.expires_at > time.time()
                )
            ).first()
        return found[0] if found else 0

    def get_expiry(self, key: str) -> float:
        with self.engine.connect() as connection:
            found = connection.execute(
                select(rate_limits.c.expires_at).where(rate_limits.c.key == key[:300])
            ).first()
        return found[0] if found else time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(select(1))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with self.engine.begin() as connection:
            return connection.execute(delete(rate_limits)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(rate_limits).where(rate_limits.c.key == key[:300]))
