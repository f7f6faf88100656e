"""Figures a report needs that the shared data does not hold (a Flemish prison's staffing,
a prison's capacity and population), kept in a plugin's own table and entered on one page
per table and year that the core offers every plugin.

A plugin describes each table with ``figure_tables(authority)``: its SQLAlchemy ``Table``,
the columns to enter (typed, with ranges and decimal places, or a choice from a fixed list
or from the authority's services) and, optionally, a ``check`` of a whole row (a population
over ten times the capacity). Saving a year replaces its rows all or nothing; the problems
are listed by row and column; and a save based on rows someone else changed in the meantime
is refused, never silently overwriting theirs.

A column that became a choice keeps what was typed before the list existed: a stored value
outside the list stays valid for its year, shown marked as not in the list, until someone
chooses from the list (as a closed prison already on a service stays on it)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext
from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from core.audit.services import record
from core.i18n import pick
from core.inventory.models import Service
from core.reference.models import Prison
from core.reference.services import prisons_open
from core.validation import Invalid, Refused, Stale, clean_text

COLUMN_KINDS = ("prison", "text", "integer", "decimal", "choice", "service")
# Kinds whose value names the row (with the table's other key columns): two rows naming the
# same thing twice in a year are refused.
KEY_KINDS = ("prison", "text", "choice", "service")
ALL_PRISONS = "*"  # the form's value for a prison column's "all prisons together"


@dataclass(frozen=True)
class FigureColumn:
    name: str
    kind: str  # prison, text, integer, decimal, choice (from ``choices``) or service
    labels: dict[str, str]
    low: float | None = None
    high: float | None = None
    required: bool = True
    # decimal: how many decimal places the column stores; more is refused, never rounded.
    places: int | None = None
    # choice: each code's labels, in the order the form offers them.
    choices: dict[str, dict[str, str]] | None = None
    # prison: the labels of "all prisons together", offered besides the prisons and stored
    # as no prison, for a figure that is not split per prison.
    all_prisons: dict[str, str] | None = None
    # text: a check of the column's own: (value) -> (value to store, or None and a message
    # naming the problem), such as a company number's check digits.
    parse: Callable[[str], tuple[Any, Any]] | None = None


@dataclass
class FigureTable:
    code: str
    labels: dict[str, str]
    table: Table
    columns: list[FigureColumn]
    # (row) -> {column: message} for problems no single column shows.
    check: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # By year, the demo's rows as the form sends them; or a function of the session giving
    # them, for rows that name records the demo creates (a service by its identifier).
    demo_rows: dict[int, list[dict[str, Any]]] | Callable[[Session], dict[int, list]] = field(
        default_factory=dict
    )
    # The columns that name a row, when not every prison, text, choice and service column.
    key: tuple[str, ...] | None = None
    # What the figures are and how to count them, shown above the form (labels per language).
    description: dict[str, str] | None = None


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


def services_offered(session: Session, authority: str | None, language: str) -> dict[str, Any]:
    """An authority's services that were ever published (closed ones too: their figures of
    earlier years stay), by id as the form sends it, named in ``language``."""
    if authority is None:
        return {}
    services = session.scalars(
        select(Service).where(
            Service.authority_code == authority, Service.published_at.is_not(None)
        )
    )
    named = {str(s.id): pick(s.texts("name"), language) for s in services}
    return dict(sorted(named.items(), key=lambda item: str(item[1]).casefold()))


def options(
    session: Session,
    figures: FigureTable,
    authority: str | None,
    language: str,
    rows: list[dict[str, Any]] = (),
) -> dict[str, dict[str, dict[str, Any]]]:
    """For each choice and service column: ``offered``, the list the form offers (value ->
    label in ``language``), and ``kept``, the values of ``rows`` outside that list (typed
    before the list existed, or a service no longer listed), each with the words to show."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for name, offered in _offered(session, figures, authority, language).items():
        column = next(c for c in figures.columns if c.name == name)
        kept = {}
        for value in _outside(rows, name, offered):
            words = value
            if column.kind == "service":
                words = _service_name(session, value, language) or gettext("Unknown service")
            kept[value] = gettext("%(value)s (not in the list)", value=words)
        found[name] = {"offered": offered, "kept": kept}
    return found


def _offered(
    session: Session, figures: FigureTable, authority: str | None, language: str
) -> dict[str, dict[str, Any]]:

    found: dict[str, dict[str, Any]] = {}
    for column in figures.columns:
        if column.kind == "choice":
            found[column.name] = {
                code: pick(labels, language) for code, labels in (column.choices or {}).items()
            }
        elif column.kind == "service":
            found[column.name] = services_offered(session, authority, language)
    return found


def _outside(rows, name: str, offered: dict[str, Any]) -> list[str]:
    values = (row.get(name) for row in rows)
    return sorted({str(v) for v in values if v not in (None, "") and str(v) not in offered})


def _service_name(session: Session, value: Any, language: str) -> str | None:

    try:
        service = session.get(Service, int(value))
    except (TypeError, ValueError):
        return None
    return str(pick(service.texts("name"), language)) if service else None


# A whole number with its thousands grouped as people write them: 1.200, 1 200, 1,200.
_GROUPED_WHOLE = re.compile(r"^-?\d{1,3}(?:[.,' \u00a0\u202f]\d{3})+$")
_SPACES = re.compile(r"[ \u00a0\u202f']")


def _number(column: FigureColumn, text: str) -> tuple[Any, str | None]:
    """A number as Dutch, French and English readers write it: a decimal comma or point,
    thousands grouped by points, spaces or commas (1.125.634, 1 164 666,15). One point
    followed by three digits separates thousands in a column that keeps fewer decimals
    (36.000 euros), and decimals otherwise (0.825 FTE)."""
    if column.kind == "integer":
        plain = re.sub(r"[.,' \u00a0\u202f]", "", text) if _GROUPED_WHOLE.match(text) else text
        try:
            return int(plain), None
        except ValueError:
            return None, "integer"
    compact = _SPACES.sub("", text)
    if "," in compact and "." in compact:
        # The separator written last is the decimal one: 1.250,50 and 1,250.50.
        decimal_mark = "," if compact.rfind(",") > compact.rfind(".") else "."
        group = "." if decimal_mark == "," else ","
        compact = compact.replace(group, "").replace(decimal_mark, ".")
    elif compact.count(",") > 1 or compact.count(".") > 1:
        grouped = _GROUPED_WHOLE.match(compact)
        compact = compact.replace(",", "").replace(".", "") if grouped else "x"
    elif "," in compact:
        compact = compact.replace(",", ".")
    elif (column.places or 0) < 3 and re.fullmatch(r"-?\d{1,3}\.\d{3}", compact):
        compact = compact.replace(".", "")
    if not re.fullmatch(r"-?\d+(\.\d+)?|-?\.\d+", compact):
        return None, "number"  # letters, exponents, Infinity: not as anyone writes a figure
    number = Decimal(compact)
    if column.places is not None and number != number.quantize(Decimal(1).scaleb(-column.places)):
        return None, "places"
    return number, None


def _value(
    column: FigureColumn, raw: Any, prisons: dict[str, bool], allowed: set[str], limit: int
) -> tuple[Any, str | None]:
    text = str(raw if raw is not None else "").strip()
    if not text:
        return None, "required" if column.required else None
    if column.kind == "prison":
        if text == ALL_PRISONS and column.all_prisons:
            return None, None
        if text not in prisons:
            return None, "unknown"
        return (text, None) if prisons[text] else (None, "closed")
    if column.kind == "text":
        if column.parse is None:
            return clean_text(text, limit=limit)
        value, problem = clean_text(text, limit=1000)  # the limit holds for what is stored
        if problem:
            return value, problem
        value, problem = column.parse(value)
        return (None, "length") if value is not None and len(value) > limit else (value, problem)
    if column.kind in ("choice", "service"):
        if text not in allowed:
            return None, "choose"
        return (int(text) if column.kind == "service" else text), None
    number, problem = _number(column, text)
    if problem:
        return None, problem
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
    authority: str | None = None,
) -> int:
    """Replace the year's rows with ``submitted`` (blank rows are skipped). ``read_as`` is
    the fingerprint of the rows the writer saw, required: a save that does not say what it
    was based on could overwrite anyone's rows. Saving no rows over a year that has some is
    refused unless ``remove_all`` says so. ``authority`` owns the table (its services are
    what a service column offers). Returns how many rows were stored; the change is audited
    as one entry per table and year."""
    if not read_as:
        raise Refused("read_as_missing")

    # A year's figures are about the prisons open in it (every prison by code: open then?):
    # staffing in a prison closed two years before is a slip the page names, not a figure.
    open_then = {prison.code for prison in prisons_open(session, year)}
    prisons = {code: code in open_then for code in session.scalars(select(Prison.code))}
    before = rows_of(session, figures, year)
    # A choice accepts the list, and what the year already holds outside it (kept as typed).
    allowed = {
        name: set(offered) | set(_outside(before, name, offered))
        for name, offered in _offered(session, figures, authority, "en").items()
    }
    limits = {
        c.name: getattr(figures.table.c[c.name].type, "length", None) or 200
        for c in figures.columns
    }
    errors: dict[str, Any] = {}
    cleaned: list[dict[str, Any]] = []
    keys: set[tuple] = set()
    key_columns = list(figures.key or [c.name for c in figures.columns if c.kind in KEY_KINDS])
    for number, raw in enumerate(submitted, start=1):
        if not any(str(raw.get(c.name) or "").strip() for c in figures.columns):
            continue
        row: dict[str, Any] = {}
        for column in figures.columns:
            value, problem = _value(
                column,
                raw.get(column.name),
                prisons,
                allowed.get(column.name, set()),
                limits[column.name],
            )
            if problem:
                errors[f"{number}:{column.name}"] = problem
            row[column.name] = value
        # A row naming what another names is a repeat, whatever else is wrong with either.
        if not any(f"{number}:{name}" in errors for name in key_columns):
            key = tuple(row[name] for name in key_columns)
            if key in keys:
                errors[f"{number}:{key_columns[-1]}"] = "duplicate"
            keys.add(key)
        if not any(key.startswith(f"{number}:") for key in errors):
            for name, message in (figures.check(row) if figures.check else {}).items():
                errors[f"{number}:{name}"] = message
        cleaned.append(row)
    if errors:
        raise Invalid(errors)
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
