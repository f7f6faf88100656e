"""Each authority's reports, as its plugin contributes them (hook ``report_formats``), made
for a year and a language. Shared by the report pages and ``concerto report``.

A plugin's report runs the plugin's code: one that raises is caught here, logged, and kept
as the report's last failure for the administrator, while every other report keeps working."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.plugins import Registry, ReportFormat
from core.reports.data import Year

log = logging.getLogger("concerto.reports")

# (authority, report) -> (when, what went wrong), for the administrator's report page.
FAILURES: dict[tuple[str, str], tuple[datetime, str]] = {}


class ReportFailed(Exception):
    """The plugin's report raised; the reason is logged and shown to the administrator."""


def report_of(registry: Registry, authority: str, code: str) -> ReportFormat | None:
    found = registry.authorities.get(authority)
    if found is None:
        return None
    return next((r for r in found.reports if r.code == code), None)


def make(session: Session, authority: str, report: ReportFormat, year: int, language: str) -> bytes:
    try:
        content = report.render(session, year, language)
        if not isinstance(content, bytes):
            raise TypeError(f"render returned {type(content).__name__}, not bytes")
    except Exception as error:  # noqa: BLE001 - a plugin's failure stays its own
        session.rollback()
        log.exception("report %s/%s for %s failed", authority, report.code, year)
        FAILURES[(authority, report.code)] = (utcnow(), f"{type(error).__name__}: {error}")
        raise ReportFailed(str(error)) from error
    FAILURES.pop((authority, report.code), None)
    return content


def has_data(session: Session, registry: Registry, authority: str, year: int) -> bool:
    """Whether the year holds anything for the authority: published services by its end,
    or rows in one of the authority's own figure tables."""
    from core.inventory.models import Service

    services = session.scalar(
        select(func.count()).where(
            Service.authority_code == authority,
            Service.published_at.is_not(None),
            Service.published_at < Year(year).end,
        )
    )
    if services:
        return True
    found = registry.authorities.get(authority)
    for figures in found.figure_tables if found else []:
        table = figures.table
        if session.scalar(select(func.count()).select_from(table).where(table.c.year == year)):
            return True
    return False
