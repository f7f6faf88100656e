"""The writes of an import, prepared before the first one: new services and places get
their ids at once (from the tables' sequences on PostgreSQL, after the highest on SQLite),
and every insert and update goes to the driver as one statement with its rows, so that
storing 100,000 rows takes the write lock for seconds, not minutes. ``exchange._store``
runs them in the import's own transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    bindparam,
    case,
    delete,
    func,
    inspect,
    null,
    select,
    text,
    update,
)

from core.audit import services as audit
from core.audit.models import AuditEntry
from core.events import changes
from core.events.models import Event
from core.inventory import search
from core.inventory import services as inventory
from core.inventory.models import Service, ServiceLocation, ServiceVersion


class _ChangedMeanwhile(Exception):
    pass


def _free_ids(connection, written) -> tuple[list[int], list[int]]:
    """Ids for the new services and places. On PostgreSQL they are taken from the tables'
    sequences, no one else's; on SQLite they are those after the highest, read again once
    the write lock is held (``_store``)."""
    services = [service for service, action, _changes in written if action == "create"]
    places = [place for service, _a, _c in written for place in service.locations]
    count = sum(1 for place in places if inspect(place).key is None)
    return (
        _new_ids(connection, Service.__table__, len(services)),
        _new_ids(connection, ServiceLocation.__table__, count),
    )


def _new_ids(connection, table, count: int) -> list[int]:
    if not count:
        return []
    if connection.dialect.name == "sqlite":
        start = (connection.scalar(select(func.max(table.c.id))) or 0) + 1
        return list(range(start, start + count))
    found = connection.scalars(
        text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
        {"table": table.name, "n": count},
    )
    return sorted(found)


def _columns_of(model) -> list[tuple[str, str]]:
    """(attribute, column) of each of ``model``'s columns."""
    return [(prop.key, prop.columns[0].key) for prop in inspect(model).column_attrs]


def _changed_columns(record) -> list[str]:
    state = inspect(record)
    return [
        key for key, _column in _columns_of(type(record)) if state.attrs[key].history.has_changes()
    ]


_Insert = tuple[str, list[tuple]]  # a statement for the driver and its rows, ready to send


@dataclass
class _Writes:
    """What an import writes, prepared before its first write, down to the values the
    database driver is given: from the first write to the commit only the statements run
    (turning 100,000 rows' values into JSON and the like took seconds)."""

    services: _Insert | None = None
    places: _Insert | None = None
    audit: _Insert | None = None
    versions: _Insert | None = None
    events: _Insert | None = None  # the change log's (core.events.changes)
    removed_places: list[int] = field(default_factory=list)
    # Changed services and places: the columns any of them changed, and a row each.
    service_columns: list[str] = field(default_factory=list)
    service_updates: list[dict] = field(default_factory=list)
    place_columns: list[str] = field(default_factory=list)
    place_updates: list[dict] = field(default_factory=list)
    documents: list[tuple[int, str]] = field(default_factory=list)  # search.document_rows

    @classmethod
    def prepare(cls, written, numbers: dict[int, int], moment, principal, ids, dialect) -> _Writes:
        writes = cls()
        service_ids, place_ids = iter(ids[0]), iter(ids[1])
        new_services: list[Service] = []
        new_places: list[ServiceLocation] = []
        changed: list[Service | ServiceLocation] = []
        for service, action, _changes in written:
            if action == "create":
                service.id = next(service_ids)
                new_services.append(service)
            else:
                changed.append(service)
                removed = inspect(service).attrs.locations.history.deleted
                writes.removed_places += [place.id for place in removed if place.id is not None]
            for place in service.locations:
                if inspect(place).key is None:  # not in the database yet
                    place.id = next(place_ids)
                    place.service_id = service.id
                    new_places.append(place)
                else:
                    changed.append(place)
        writes.services = _insert(dialect, Service.__table__, map(_row, new_services))
        writes.places = _insert(dialect, ServiceLocation.__table__, map(_row, new_places))
        # The audit entries the listener would write at a flush, the same for the same writes.
        entries = audit.entries(created=[*new_services, *new_places], changed=changed)
        writes.audit = _insert(dialect, AuditEntry.__table__, [e | {"at": moment} for e in entries])
        # The change events the log's listener would write at a flush, likewise.
        events = changes.rows(
            created=[*new_services, *new_places],
            changed=changed,
            principal=principal,
            moment=moment,
        )
        writes.events = _insert(dialect, Event.__table__, events)
        services = [item for item in changed if isinstance(item, Service)]
        places = [item for item in changed if isinstance(item, ServiceLocation)]
        writes.service_columns, writes.service_updates = _updates(services, versioned=True)
        writes.place_columns, writes.place_updates = _updates(places, versioned=False)
        versions = [
            {
                "service_id": service.id,
                "number": numbers.get(service.id, 0) + 1,
                "at": moment,
                "actor": principal.label[:200],
                "user_id": principal.user_id,
                "action": action,
                "changes": changes,
                "record": inventory.working_copy(service),
            }
            for service, action, changes in written
        ]
        writes.versions = _insert(dialect, ServiceVersion.__table__, versions)
        writes.documents = search.document_rows(
            (service.id, search.document(service)) for service, _a, _c in written
        )
        return writes


def _insert(dialect, table, rows) -> _Insert | None:
    """An INSERT of ``rows`` (dicts with the same keys) for the driver itself, with every
    value already converted as SQLAlchemy would convert it (JSON, dates, booleans)."""
    rows = list(rows)
    if not rows:
        return None
    names = list(rows[0])
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    statement = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in names)}) "
        f"VALUES ({', '.join([mark] * len(names))})"
    )
    convert = [
        (name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names
    ]
    return statement, [
        tuple(process(row[name]) if process else row[name] for name, process in convert)
        for row in rows
    ]


def _row(record) -> dict[str, Any]:
    """A new record's row. A JSON column never set is SQL NULL, as a flush leaves it (None
    would be stored as the JSON text 'null')."""
    table, given = type(record).__table__, inspect(record).dict
    row = {}
    for key, column in _columns_of(type(record)):
        value = getattr(record, key)
        if value is None and key not in given and isinstance(table.c[column].type, JSON):
            value = null()
        row[column] = value
    return row


def _updates(records, *, versioned: bool) -> tuple[list[str], list[dict]]:
    """One statement's columns and rows for changed records: every column any of them
    changed, and per row which of those it sets (``s_``) to what (``v_``); the others keep
    what the database holds."""
    changed = [(record, _changed_columns(record)) for record in records]
    changed = [(record, set(columns)) for record, columns in changed if columns]
    names = sorted(set().union(*(columns for _record, columns in changed)))
    rows = []
    for record, columns in changed:
        row = {"v_id": record.id}
        for name in names:
            row[f"s_{name}"] = name in columns
            row[f"v_{name}"] = getattr(record, name) if name in columns else None
        if versioned:
            row["v_version"] = record.version
            row["v_new_version"] = record.version + 1
        rows.append(row)
    return names, rows


def _update(table, names: list[str], *, versioned: bool):
    """UPDATE ``table`` by id, setting each of ``names`` where the row says so, the version
    checked and counted up for a versioned table."""
    values = {
        table.c[name]: case(
            (
                bindparam(f"s_{name}", type_=Boolean),
                bindparam(f"v_{name}", type_=table.c[name].type),
            ),
            else_=table.c[name],
        )
        for name in names
    }
    statement = update(table).where(table.c.id == bindparam("v_id"))
    if versioned:
        statement = statement.where(table.c.version == bindparam("v_version"))
        values[table.c.version] = bindparam("v_new_version")
    return statement.values(values)


def _write(connection, writes: _Writes) -> None:
    """The import's writes, a statement per kind of row whatever their number."""
    if writes.services:
        connection.exec_driver_sql(*writes.services)
    if writes.removed_places:
        places = ServiceLocation.__table__
        result = connection.execute(
            delete(places).where(places.c.id == bindparam("v_id")),
            [{"v_id": place_id} for place_id in writes.removed_places],
        )
        if result.rowcount != len(writes.removed_places):
            raise _ChangedMeanwhile
    for table, names, rows, versioned in (
        (Service.__table__, writes.service_columns, writes.service_updates, True),
        (ServiceLocation.__table__, writes.place_columns, writes.place_updates, False),
    ):
        if rows:
            result = connection.execute(_update(table, names, versioned=versioned), rows)
            if result.rowcount != len(rows):
                raise _ChangedMeanwhile
    for prepared in (writes.places, writes.audit, writes.versions, writes.events):
        if prepared:
            connection.exec_driver_sql(*prepared)
    search.store_rows(connection, writes.documents)


def _fill_defaults(service: Service) -> None:
    # The columns' own defaults (delivery, setting, free of charge, version...), which an
    # insert with every column would not fill.
    for column in Service.__table__.columns:
        default = column.default
        if default is not None and default.is_scalar and getattr(service, column.key) is None:
            setattr(service, column.key, default.arg)
