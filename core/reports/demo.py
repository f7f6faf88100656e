"""Demo figures: each plugin's own tables filled with the rows it offers for the demo
(``FigureTable.demo_rows``, by year, or a function of the session for rows that name the
demo's own records), through the same function as the figures page."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.plugins import Registry
from core.reports.figures import fingerprint, rows_of, save_rows


def seed_demo_figures(session: Session, registry: Registry) -> None:
    for code, authority in registry.authorities.items():
        for table in authority.figure_tables:
            by_year = table.demo_rows(session) if callable(table.demo_rows) else table.demo_rows
            for year, rows in by_year.items():
                if not rows_of(session, table, year):
                    save_rows(session, table, year, rows, fingerprint([]), authority=code)
