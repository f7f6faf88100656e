"""Reference data every feature points at: authorities, prisons, domains, target groups."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.texts import LocalizedMixin


class Authority(LocalizedMixin, Base):
    """An authority as registered by its plugin. The row outlives a disabled or removed
    plugin so that records pointing at it keep their meaning."""

    __tablename__ = "authorities"
    __audited__ = True

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    plugin: Mapped[str] = mapped_column(String(64))
    name_nl: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    default_language: Mapped[str] = mapped_column(String(2))
    languages: Mapped[list[str]] = mapped_column(JSON)
    # The profile the authority's coordinators keep up to date themselves.
    website: Mapped[str | None] = mapped_column(String(500))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    description_nl: Mapped[str | None] = mapped_column(Text)
    description_fr: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    # Optimistic concurrency: an update of a stale copy fails instead of overwriting.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class Prison(LocalizedMixin, Base):
    __tablename__ = "prisons"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_nl: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    opened_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    capacity: Mapped[int | None] = mapped_column(Integer)
    holds_women: Mapped[bool] = mapped_column(Boolean, default=False)

    def is_open_on(self, day: date) -> bool:
        opened = self.opened_on is None or self.opened_on <= day
        return opened and (self.closed_on is None or day <= self.closed_on)

    def is_open_in(self, year: int) -> bool:
        """Open on at least one day of ``year``: in the year it closed (or opened) a prison
        still held detainees, so its figures and services of that year count."""
        opened = self.opened_on is None or self.opened_on <= date(year, 12, 31)
        return opened and (self.closed_on is None or self.closed_on >= date(year, 1, 1))


class ServiceDomain(LocalizedMixin, Base):
    """One of the nine common domains onto which every authority maps its own categories."""

    __tablename__ = "domains"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name_nl: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))


class TargetGroup(LocalizedMixin, Base):
    __tablename__ = "target_groups"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name_nl: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
