"""Exporting services as a file (CSV, XLSX, ODS or JSON), in the flat shape an import reads:
one row per service, lists joined by "|", the prisons with one schedule and number of places
for all of them, the organisation by its own identifier. Cells that a spreadsheet would run
as a formula are made harmless.

An export streams (issue 25, exports near the fetch): one query reads the names of the
``extra`` fields of the services found (their distinct ``extra`` values), so that the columns
are known before the first row; then one query reads the services in order, one plain row
each with its places, from a server-side cursor on PostgreSQL, and each format writes a few
hundred rows at a time as one chunk of bytes. Memory holds one chunk, whatever the size of
the inventory."""

from __future__ import annotations

import csv
import functools
import io
import json
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import String, Text, cast, func, literal_column, select
from sqlalchemy.orm import Session

from core.inventory import finding, sheets
from core.inventory import services as inventory
from core.inventory.models import (
    SERVICE_FACTS,
    Organization,
    Service,
    name_order,
)
from core.validation import XML_ILLEGAL, printable

LIST_SEPARATOR = "|"
# The flat shape of a service in a spreadsheet: one row per service, lists joined by "|",
# the prisons with one schedule and number of places for all of them, the organisation that
# provides it by the organisation's own identifier (one of the authority's).
COLUMNS = [
    "external_id",
    "category",
    *inventory.TEXT_FIELDS,
    *SERVICE_FACTS,
    "organization",
    "prisons",
    "schedule",
    "places",
]


# --- one service -------------------------------------------------------------------------------


# The columns read as they are from the service (the others are worked out below).
AS_STORED = [name for name in COLUMNS if name in inventory.FIELDS]
LISTS = ("target_groups", "languages")  # JSON lists of codes, joined by LIST_SEPARATOR


def flat(service: Service) -> dict[str, Any]:
    """The service (an ORM object) as one flat row: what ``export_rows`` gives for it."""
    row = {name: getattr(service, name) for name in AS_STORED}
    locations = service.locations
    for name in LISTS:
        row[name] = LIST_SEPARATOR.join(getattr(service, name) or [])
    row["organization"] = service.organization.external_id if service.organization_id else None
    row["prisons"] = LIST_SEPARATOR.join(location.prison_code for location in locations)
    schedules = {location.schedule for location in locations if location.schedule}
    row["schedule"] = schedules.pop() if len(schedules) == 1 else ""
    places = {location.places for location in locations if location.places}
    row["places"] = places.pop() if len(places) == 1 else ""
    for name, value in (service.extra or {}).items():
        row[f"extra.{name}"] = value
    return {key: "" if value is None else value for key, value in row.items()}


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas: a text starting with =, +, - or @ (or a tab or
    carriage return) is prefixed with an apostrophe, so a spreadsheet shows it as text.
    What XML cannot hold is left out."""
    value = printable(value)
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


# A formula's first character at the start of a text of a row's texts joined by line feeds,
# once what XML cannot hold is left out, or a text of nothing else (or a line in a text that
# looks so: then each cell is looked at, as it is when anything is found). Every search starts
# at a line feed, which makes it fast, and goes on only if one of those characters follows
# (the lookahead: 1.0 to 0.55 µs a row of 30 cells).
_ILLEGAL = XML_ILLEGAL.pattern[1:-1]
_FORMULA_AT_START = re.compile(
    f"\\n(?=[{_ILLEGAL}=+\\-@\\t\\r])(?:[{_ILLEGAL}]*[=+\\-@\\t\\r]|[{_ILLEGAL}]+(?:\\n|\\Z))"
)


def safe_row(values: list[Any], texts: Iterable[str] | None = None) -> list[Any]:
    """The row with each cell made ``safe_cell``, but for characters XML cannot hold inside
    a text: the writers leave those out of each chunk at once (sheets.utf8). One search of
    the row's texts (``texts`` when the caller has them at hand) for nearly all rows, which
    have nothing to neutralise."""
    if texts is None:
        texts = [value for value in values if value.__class__ is str]
    if _FORMULA_AT_START.search("\n" + "\n".join(texts)):
        return [safe_cell(value) for value in values]
    return values


def _columns(rows: Iterable[dict[str, Any]]) -> list[str]:
    """COLUMNS and then the ``extra.`` fields of ``rows``, sorted."""
    extra = sorted({key for row in rows for key in row if key.startswith("extra.")})
    return COLUMNS + extra


# --- reading the services found ---------------------------------------------------------------


EXPORT_BATCH = 500  # rows fetched from the cursor at a time


# JSON texts decoded once: the same few lists of codes and fields again and again.
@functools.lru_cache(maxsize=4096)
def _joined(text: str | None) -> str:
    """A list of codes as its JSON text, joined by LIST_SEPARATOR."""
    return LIST_SEPARATOR.join(json.loads(text or "0") or ())


@functools.lru_cache(maxsize=4096)
def _fields(text: str | None) -> dict[str, Any]:
    """A service's ``extra`` as its JSON text, decoded (read, never changed, by the callers)."""
    return json.loads(text or "0") or {}


def _ordering(filters: inventory.Filters, dialect: str) -> list:
    """The order asked for; with a query, name order (a file has no use for the search
    page's ranking)."""
    if filters.sort == "updated":
        return [Service.updated_at.desc(), Service.id]
    if filters.sort == "authority":
        return [Service.authority_code, Service.id]
    names = name_order(filters.reading)
    if dialect == "sqlite":
        # Sorted, not walked in the index of names: the index gives the services in name
        # order but each from another page of the table (50,000 of them in 850 ms where
        # reading them in the table's order and sorting took 620).
        names = names.concat("")
    return [names, Service.id]


# A service's places in one text with it, read by one subquery per service (three took a
# tenth of the export): the prisons joined by "|" in the order they were added, the one
# schedule they all have and the one number of places they all have ("" when they differ or
# have none: the least equals the greatest, cheaper than counting distinct values), apart by
# the unit separator (U+001F): no prison code or number holds it, so the schedule between
# them is read whole whatever it holds.
PLACES_APART = "\x1f"
_ONE_SCHEDULE = "min(nullif(schedule, '')) = max(nullif(schedule, ''))"
_ONE_NUMBER = "min(nullif(places, 0)) = max(nullif(places, 0))"
_PLACES = {
    "postgresql": (
        "SELECT concat_ws(chr(31), "
        f"coalesce(string_agg(prison_code, '{LIST_SEPARATOR}' ORDER BY id), ''), "
        f"CASE WHEN {_ONE_SCHEDULE} THEN max(nullif(schedule, '')) ELSE '' END, "
        f"CASE WHEN {_ONE_NUMBER} THEN max(nullif(places, 0))::text ELSE '' END) "
        "FROM service_locations WHERE service_id = services.id"
    ),
    # SQLite before 3.44 has no ORDER BY inside an aggregate: it concatenates in the order
    # of the subquery.
    "sqlite": (
        f"SELECT coalesce(group_concat(prison_code, '{LIST_SEPARATOR}'), '') || char(31) || "
        f"CASE WHEN {_ONE_SCHEDULE} THEN max(nullif(schedule, '')) ELSE '' END || char(31) || "
        f"CASE WHEN {_ONE_NUMBER} THEN max(nullif(places, 0)) ELSE '' END "
        "FROM (SELECT prison_code, schedule, places FROM service_locations "
        "WHERE service_id = services.id ORDER BY id)"
    ),
}


def _places(text: str) -> tuple[str, str, int | str]:
    """(prisons, schedule, places) of the text ``_PLACES`` reads."""
    prisons, rest = text.split(PLACES_APART, 1)
    schedule, places = rest.rsplit(PLACES_APART, 1)
    return prisons, schedule, int(places) if places else ""


def _read_columns(dialect: str) -> list:
    """A service's row as the export reads it: its values in the order of COLUMNS up to the
    organisation (texts never NULL, the lists as their JSON text), its places as one text
    (``_places``) and then ``extra`` as JSON text."""
    services, organizations = Service.__table__, Organization.__table__
    columns = []
    for name in AS_STORED:
        column = services.c[name]
        if name in LISTS:
            columns.append(cast(column, Text))
        elif isinstance(column.type, String):
            columns.append(func.coalesce(column, ""))
        else:
            columns.append(column)
    places = _PLACES.get(dialect, _PLACES["sqlite"])
    return [
        *columns,
        func.coalesce(organizations.c.external_id, ""),
        literal_column(f"({places})"),
        cast(services.c.extra, Text),
    ]


_LIST_AT = [COLUMNS.index(name) for name in LISTS]
# Not texts (so read as they are): None is written "".
_MAYBE_NULL = [
    index
    for index, name in enumerate(AS_STORED)
    if name not in LISTS and not isinstance(Service.__table__.c[name].type, String)
] + [COLUMNS.index("places")]
# Always texts in a record.
_texts_of = operator.itemgetter(*(i for i in range(len(COLUMNS)) if i not in _MAYBE_NULL))


class Exported:
    """The services ``filters`` find, to be written as a file. Made, it knows the names of
    their ``extra`` fields (``columns``: COLUMNS, then those sorted, as ``extra.name``), read
    with one query of the distinct ``extra`` values; ``rows`` and ``cells`` then read the
    services in order, one row each with its places, as they are written."""

    def __init__(self, session: Session, filters: inventory.Filters) -> None:
        self.session = session
        self.conditions = finding._conditions(session, filters)
        self.order = _ordering(filters, session.get_bind().dialect.name)
        extra: set[str] = set()
        distinct = select(cast(Service.extra, Text)).where(*self.conditions).distinct()
        for fields in session.scalars(distinct.execution_options(yield_per=EXPORT_BATCH)):
            decoded = json.loads(fields) if fields else None
            if isinstance(decoded, dict):
                extra.update(decoded)
        self.extra = sorted(extra)
        self.columns = COLUMNS + [f"extra.{name}" for name in self.extra]

    def _records(self) -> Iterator[tuple[list[Any], dict[str, Any]]]:
        """Each service: its values in the order of COLUMNS (None as "") and its ``extra``."""
        services, organizations = Service.__table__, Organization.__table__
        connection = self.session.connection()
        found = (
            select(*_read_columns(connection.dialect.name))
            .select_from(
                services.outerjoin(organizations, organizations.c.id == services.c.organization_id)
            )
            .where(*self.conditions)
            .order_by(*self.order)
        )
        # Plain rows on the session's connection (the ORM's loading of rows took as long as
        # reading them), from a server-side cursor on PostgreSQL; one row at a time, so that
        # no batch of rows outlives a collection of the garbage collector's youngest
        # generation (a full collection of a worker's heap took 120 ms).
        for row in connection.execute(
            found, execution_options={"stream_results": True, "yield_per": EXPORT_BATCH}
        ):
            values = list(row)
            fields = values.pop()
            values[-1:] = _places(values[-1])
            for index in _LIST_AT:
                values[index] = _joined(values[index])
            for index in _MAYBE_NULL:
                if values[index] is None:
                    values[index] = ""
            yield values, _fields(fields)

    def rows(self) -> Iterator[dict[str, Any]]:
        """Each service as a flat row, as ``flat`` makes it of an ORM object."""
        for values, extra in self._records():
            row = dict(zip(COLUMNS, values, strict=True))
            for name, value in extra.items():
                row[f"extra.{name}"] = "" if value is None else value
            yield row

    def cells(self) -> Iterator[list[Any]]:
        """Each service's values in the order of ``columns``, made ``safe_cell``."""
        for values, extra in self._records():
            texts = list(_texts_of(values))
            for index in _MAYBE_NULL:  # numbers and booleans (a text is looked at all the same)
                if values[index].__class__ is str:
                    texts.append(values[index])
            for name in self.extra:
                value = extra.get(name)
                if value is None:
                    value = ""
                elif value.__class__ is str:
                    texts.append(value)
                values.append(value)
            yield safe_row(values, texts)


def export_rows(session: Session, filters: inventory.Filters) -> Iterator[dict[str, Any]]:
    """The services ``filters`` find as flat rows, read a batch at a time."""
    return Exported(session, filters).rows()


# --- the formats: each a stream of chunks of bytes --------------------------------------------


ROWS_PER_CHUNK = 500  # rows written out at a time


def _csv_line(values: list[Any], writer, buffer: io.StringIO) -> str:
    """The row as a line of CSV, as ``csv.writer`` writes it: a row with no comma, quote or
    line break in its cells joined as it is; another with every cell quoted (quotes doubled)
    instead of only those that need it (the csv module's cell by cell check took a third of
    the export); a row holding a NUL or a None through the csv module."""
    line = "\0".join(map(str, values))
    if line.count("\0") != len(values) - 1 or None in values:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()
    if "," in line or '"' in line or "\n" in line or "\r" in line:
        return '"' + line.replace('"', '""').replace("\0", '","') + '"\r\n'
    return line.replace("\0", ",") + "\r\n"


def csv_chunks(columns: list[str], cells: Iterable[list[Any]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    lines = ["\ufeff" + buffer.getvalue()]  # the BOM lets Excel read UTF-8
    for values in cells:
        lines.append(_csv_line(values, writer, buffer))
        if len(lines) >= ROWS_PER_CHUNK:
            yield sheets.utf8("".join(lines))
            lines.clear()
    yield sheets.utf8("".join(lines))


JSON_ROWS = 50  # rows encoded at a time: few enough to be gone before a garbage collection


def json_chunks(rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    # Without indentation: json's C encoder, three times faster than its Python one.
    encode = json.JSONEncoder(ensure_ascii=False).encode
    parts, batch, separator = ['{"services": ['], [], ""
    for row in rows:
        batch.append(row)
        if len(batch) >= JSON_ROWS:
            parts.append(separator + encode(batch)[1:-1])
            batch.clear()
            separator = ", "
            if len(parts) >= ROWS_PER_CHUNK // JSON_ROWS:
                yield "".join(parts).encode("utf-8")
                parts.clear()
    if batch:
        parts.append(separator + encode(batch)[1:-1])
    parts.append("]}")
    yield "".join(parts).encode("utf-8")


def _csv(exported: Exported) -> Iterator[bytes]:
    return csv_chunks(exported.columns, exported.cells())


def _xlsx(exported: Exported) -> Iterator[bytes]:
    return sheets.xlsx_chunks("services", exported.columns, exported.cells())


def _ods(exported: Exported) -> Iterator[bytes]:
    return sheets.ods_chunks("services", exported.columns, exported.cells())


def _json(exported: Exported) -> Iterator[bytes]:
    return json_chunks(exported.rows())


# Each format: what writes an Exported as chunks of bytes, and its media type.
FORMATS: dict[str, tuple[Callable[[Exported], Iterator[bytes]], str]] = {
    "csv": (_csv, "text/csv"),
    "xlsx": (_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "ods": (_ods, "application/vnd.oasis.opendocument.spreadsheet"),
    "json": (_json, "application/json"),
}


# --- a few rows at hand as one file (rows as ``flat`` or ``export_rows`` give them) -----------


def _cells(rows: list[dict[str, Any]], columns: list[str]) -> Iterator[list[Any]]:
    for row in rows:
        yield safe_row([row.get(name, "") for name in columns])


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    columns = _columns(rows)
    return b"".join(csv_chunks(columns, _cells(rows, columns)))


def to_xlsx(rows: list[dict[str, Any]]) -> bytes:
    columns = _columns(rows)
    return b"".join(sheets.xlsx_chunks("services", columns, _cells(rows, columns)))


def to_ods(rows: list[dict[str, Any]]) -> bytes:
    columns = _columns(rows)
    return b"".join(sheets.ods_chunks("services", columns, _cells(rows, columns)))


def to_json(rows: list[dict[str, Any]]) -> bytes:
    return b"".join(json_chunks(rows))
