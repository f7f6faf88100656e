"""Demo figures: each plugin's own tables filled with the rows it offers for the demo
(``FigureTable.demo_rows``), through the same function as the figures page."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.plugins import Registry
from core.reports.figures import fingerprint, rows_of, save_rows


def seed_demo_figures(session: Session, registry: Registry) -> None:
    for authority in registry.authorities.values():
        for table in authority.figure_tables:
            for year, rows in table.demo_rows.items():
                if not rows_of(session, table, year):
                    save_rows(session, table, year, rows, fingerprint([]))
