"""Figures a report needs that the shared data does not hold (a Flemish prison's staffing,
a prison's capacity and population), kept in a plugin's own table and entered on one page
per table and year that the core offers every plugin.

A plugin describes each table with ``figure_tables(authority)``: its SQLAlchemy ``Table``,
the columns to enter (typed, with ranges) and, optionally, a ``check`` of a whole row (a
population over ten times the capacity). Saving a year replaces its rows all or nothing;
the problems are listed by row and column; and a save based on rows someone else changed
in the meantime is refused, never silently overwriting theirs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from core.validation import Invalid, Refused, Stale

COLUMN_KINDS = ("prison", "text", "integer", "decimal")


@dataclass(frozen=True)
class FigureColumn:
    name: str
    kind: str  # prison, text, integer or decimal
    labels: dict[str, str]
    low: float | None = None
    high: float | None = None
    required: bool = True


@dataclass
class FigureTable:
    code: str
    labels: dict[str, str]
    table: Table
    columns: list[FigureColumn]
    # (row) -> {column: message} for problems no single column shows.
    check: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    demo_rows: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


def rows_of(session: Session, figures: FigureTable, year: int) -> list[dict[str, Any]]:
    names = [c.name for c in figures.columns]
    table = figures.table
    return [
        dict(row._mapping)
        for row in session.execute(
            select(*(table.c[n] for n in names))
            .where(table.c.year == year)
            .order_by(*(table.c[n] for n in names))
        )
    ]


def fingerprint(rows: list[dict[str, Any]]) -> str:
    """What the rows were when a form was read: a save from an older reading is stale."""
    text = json.dumps(rows, default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _value(column: FigureColumn, raw: Any, prisons: dict[str, bool]) -> tuple[Any, str | None]:
    text = str(raw if raw is not None else "").strip()
    if not text:
        return None, "required" if column.required else None
    if column.kind == "prison":
        if text not in prisons:
            return None, "unknown"
        return (text, None) if prisons[text] else (None, "closed")
    if column.kind == "text":
        return (text[:200], None)
    try:
        number: Any = int(text) if column.kind == "integer" else Decimal(text.replace(",", "."))
    except (ValueError, InvalidOperation):
        return None, "integer" if column.kind == "integer" else "number"
    if (column.low is not None and number < column.low) or (
        column.high is not None and number > column.high
    ):
        return None, "range"
    return number, None


def save_rows(
    session: Session,
    figures: FigureTable,
    year: int,
    submitted: list[dict[str, Any]],
    read_as: str | None,
    remove_all: bool = False,
) -> int:
    """Replace the year's rows with ``submitted`` (blank rows are skipped). ``read_as`` is
    the fingerprint of the rows the writer saw, required: a save that does not say what it
    was based on could overwrite anyone's rows. Saving no rows over a year that has some is
    refused unless ``remove_all`` says so. Returns how many rows were stored; the change is
    audited as one entry per table and year."""
    from core.audit.services import record
    from core.reference.models import Prison
    from core.reference.services import prisons_open

    if not read_as:
        raise Refused("read_as_missing")

    # A year's figures are about the prisons open in it (every prison by code: open then?):
    # staffing in a prison closed two years before is a slip the page names, not a figure.
    open_then = {prison.code for prison in prisons_open(session, year)}
    prisons = {code: code in open_then for code in session.scalars(select(Prison.code))}
    errors: dict[str, Any] = {}
    cleaned: list[dict[str, Any]] = []
    keys: set[tuple] = set()
    key_columns = [c.name for c in figures.columns if c.kind in ("prison", "text")]
    for number, raw in enumerate(submitted, start=1):
        if not any(str(raw.get(c.name) or "").strip() for c in figures.columns):
            continue
        row: dict[str, Any] = {}
        for column in figures.columns:
            value, problem = _value(column, raw.get(column.name), prisons)
            if problem:
                errors[f"{number}:{column.name}"] = problem
            row[column.name] = value
        if not any(key.startswith(f"{number}:") for key in errors):
            key = tuple(row[name] for name in key_columns)
            if key in keys:
                errors[f"{number}:{key_columns[-1]}"] = "duplicate"
            keys.add(key)
            for name, message in (figures.check(row) if figures.check else {}).items():
                errors[f"{number}:{name}"] = message
        cleaned.append(row)
    if errors:
        raise Invalid(errors)
    before = rows_of(session, figures, year)
    if read_as != fingerprint(before):
        raise Stale(0)
    if not cleaned and before and not remove_all:
        raise Refused("empty")
    table = figures.table
    session.execute(delete(table).where(table.c.year == year))
    if cleaned:
        session.execute(insert(table), [dict(row, year=year) for row in cleaned])
    session.flush()
    after = rows_of(session, figures, year)
    if after != before:
        action = "create" if not before else "delete" if not after else "update"
        record(
            session,
            table.name,
            str(year),
            action,
            {"year": year, "rows": before} if before else None,
            {"year": year, "rows": after} if after else None,
        )
    return len(cleaned)
