"""Each authority's reports, as its plugin contributes them (hook ``report_formats``), made
for a year and a language. Shared by the report pages and ``concerto report``.

A plugin's report runs the plugin's code: one that raises is caught here, logged, and kept
as the report's last failure for the administrator, while every other report keeps working.
The failure is stored in the database, so the administrator sees it whichever worker made
the report, and a later success clears it."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Column, String, Table, Text, func, select
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.contributions import ReportFormat
from core.db import Base, UTCDateTime
from core.inventory.models import Service
from core.plugins import Registry
from core.reports.data import Year

log = logging.getLogger("concerto.reports")

report_failures = Table(
    "report_failures",
    Base.metadata,
    Column("authority_code", String(48), primary_key=True),
    Column("report_code", String(48), primary_key=True),
    Column("failed_at", UTCDateTime(), nullable=False),
    Column("reason", Text, nullable=False),
)


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
        # Whatever the plugin left half done is undone before its failure is kept (below, in
        # a transaction of its own): a report job, not a page step, so not core.web's.
        session.rollback()
        log.exception("report %s/%s for %s failed", authority, report.code, year)
        _record(session, authority, report.code, f"{type(error).__name__}: {error}"[:4000])
        raise ReportFailed(str(error)) from error
    if (authority, report.code) in failures(session):
        _record(session, authority, report.code, None)
    return content


def _record(session: Session, authority: str, code: str, reason: str | None) -> None:
    """Keep (or clear) a report's last failure, in a transaction of its own: the caller's
    session has just been rolled back, or only reads."""
    key = (report_failures.c.authority_code == authority) & (report_failures.c.report_code == code)
    with session.get_bind().begin() as connection:
        connection.execute(report_failures.delete().where(key))
        if reason is not None:
            connection.execute(
                report_failures.insert().values(
                    authority_code=authority, report_code=code, failed_at=utcnow(), reason=reason
                )
            )


def failures(session: Session) -> dict[tuple[str, str], tuple[datetime, str]]:
    """(authority, report) -> (when, what went wrong), for the administrator's report page."""
    return {
        (row.authority_code, row.report_code): (row.failed_at, row.reason)
        for row in session.execute(select(report_failures))
    }


def has_data(session: Session, registry: Registry, authority: str, year: int) -> bool:
    """Whether the year holds anything for the authority: published services by its end,
    or rows in one of the authority's own figure tables."""
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
