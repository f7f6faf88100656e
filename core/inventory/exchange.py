"""Importing and exporting an authority's services: CSV, XLSX, JSON in; CSV, XLSX, ODS, JSON
out (HSDS is in ``hsds.py``).

An import is checked whole before anything is written: every error is reported with its
row, column and reason, and then nothing is stored. Rows are matched on the authority's own
identifier, so importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P
from openpyxl import Workbook
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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from core import jsonbody, tabular
from core.audit import services as audit
from core.audit.models import AuditEntry
from core.clock import utcnow
from core.events import changes
from core.events.models import Event
from core.inventory import generation, search
from core.inventory import services as inventory
from core.inventory.models import Service, ServiceLocation, ServiceVersion
from core.permissions import Principal
from core.validation import printable

log = logging.getLogger("concerto.import")

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_PROBLEMS = 1_000  # a file with more is checked no further: it needs fixing anyway
# Rows checked per read of the services they update; between two batches the check holds
# no transaction, so other writers go on while a long file is checked.
BATCH = 500
LIST_SEPARATOR = "|"
# The flat shape of a service in a spreadsheet: one row per service, lists joined by "|",
# the prisons with one schedule and number of places for all of them, the organisation that
# provides it by the organisation's own identifier (one of the authority's).
COLUMNS = [
    "external_id",
    "category",
    *inventory.TEXT_FIELDS,
    "target_groups",
    "languages",
    "delivery",
    "setting",
    "access",
    "free_of_charge",
    "waiting_list",
    "capacity",
    "typical_wait_days",
    "contact_name",
    "contact_email",
    "contact_phone",
    "organization",
    "prisons",
    "schedule",
    "places",
]


@dataclass
class Problem:
    row: int | None  # 1 is the first data row; None for the file itself
    column: str | None
    code: str
    value: str = ""


@dataclass
class Report:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    committed: bool = False
    # More than MAX_PROBLEMS problems: the check stopped there, and the page says so.
    truncated: bool = False


class FileProblem(Exception):
    def __init__(self, code: str, value: str = "") -> None:
        super().__init__(code)
        self.problem = Problem(None, None, code, value)


# --- reading files ---------------------------------------------------------------------------


def read_rows(data: bytes, filename: str) -> list[dict[str, Any]]:
    """The rows of an uploaded file as dicts keyed by column name, read one at a time and
    refused as soon as there is one row more than MAX_ROWS."""
    if len(data) > MAX_BYTES:
        raise FileProblem("too_large", f"{len(data) // 1024} KiB")
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    try:
        stream = _json_rows(data) if suffix == "json" else tabular.rows_of(data, suffix, MAX_ROWS)
        rows = tabular.take(stream, MAX_ROWS)
    except tabular.Unreadable as refused:
        raise FileProblem(refused.code, refused.value) from None
    if not rows:
        raise FileProblem("empty")
    return rows


_SPACE = re.compile(r"[ \t\n\r]*")


def _json_rows(data: bytes) -> Iterator[dict[str, Any]]:
    """A list of objects, or an object whose "services" is one, decoded one object at a
    time under the API's rules (core.jsonbody): no Infinity, NaN or 1e400, no lone
    surrogates, nesting at most MAX_DEPTH levels."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem("encoding") from None
    return _json_objects(text, jsonbody.strict_decoder())


def _json_objects(text: str, decoder: json.JSONDecoder) -> Iterator[dict[str, Any]]:
    def skip(position: int) -> int:
        return _SPACE.match(text, position).end()

    def expect(position: int, what: str) -> int:
        if not text.startswith(what, position):
            raise FileProblem("unreadable", f"{what} expected at character {position + 1}")
        return skip(position + len(what))

    try:
        position = skip(0)
        wrapped = text.startswith("{", position)
        if wrapped:
            position = _object_key(text, skip(position + 1), "services", decoder, skip, expect)
        if not text.startswith("[", position):
            raise FileProblem("unreadable", "a list of objects")
        position = skip(position + 1)
        while not text.startswith("]", position):
            row, position = decoder.raw_decode(text, position)
            if not isinstance(row, dict):
                raise FileProblem("unreadable", "a list of objects")
            jsonbody.check(row)
            yield row
            position = skip(position)
            if not text.startswith("]", position):
                position = expect(position, ",")
        position = skip(position + 1)
        if wrapped:
            position = _object_key(text, position, None, decoder, skip, expect)
        if position < len(text):
            raise FileProblem("unreadable", f"text after the end at character {position + 1}")
    except (jsonbody.TooDeep, RecursionError):
        raise FileProblem("nested") from None
    except ValueError as error:
        raise FileProblem("unreadable", str(error)[:80]) from None


def _object_key(text, position, wanted, decoder, skip, expect) -> int:
    """Read an object's members from ``position`` (just after its "{" when ``wanted`` is
    given, just after a member's value when it is None) up to the value of ``wanted``,
    whose position is returned, or to the object's end, after which the position is."""
    first = wanted is not None
    while not text.startswith("}", position):
        if not first:
            position = expect(position, ",")
        first = False
        key, position = decoder.raw_decode(text, position)
        if not isinstance(key, str):
            raise FileProblem("unreadable", "a list of objects")
        position = expect(skip(position), ":")
        if key == wanted:
            return position
        value, position = decoder.raw_decode(text, position)
        jsonbody.check(value)
        position = skip(position)
    if wanted is not None:
        raise FileProblem("unreadable", "a list of objects")
    return skip(position + 1)


# --- from rows to values -------------------------------------------------------------------


def _values(row: dict[str, Any], extra_names: set[str]) -> dict[str, Any]:
    """A flat row turned into the values ``inventory.check`` takes."""
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, raw in row.items():
        value = raw.strip() if isinstance(raw, str) else raw
        if key.startswith("extra.") and key[6:] in extra_names:
            extra[key[6:]] = value
        elif key in ("target_groups", "languages") and isinstance(value, str):
            values[key] = [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]
        elif key in ("prisons", "schedule", "places", "locations"):
            continue
        elif isinstance(value, float) and value.is_integer():
            values[key] = int(value)
        elif value is not None and not isinstance(value, list | dict | bool | int):
            values[key] = str(value)
        else:
            values[key] = value
    if "locations" in row:
        values["locations"] = row["locations"]
    elif "prisons" in row:
        prisons = row["prisons"]
        codes = prisons if isinstance(prisons, list) else str(prisons or "").split(LIST_SEPARATOR)
        values["locations"] = [
            {
                "prison": code.strip(),
                "schedule": row.get("schedule") or None,
                "places": row.get("places") or None,
            }
            for code in codes
            if code.strip()
        ]
    if extra:
        values["extra"] = extra
    return values


def import_services(
    session: Session,
    authority,
    rows: list[dict[str, Any]],
    principal: Principal,
    *,
    dry_run: bool,
    progress: Callable[[int], None] | None = None,
    storing: Callable[[], None] | None = None,
) -> Report:
    """Check every row, then store all of them or none. The caller commits when the report
    says ``committed``; on any problem or a dry run everything is rolled back here.

    Two steps, so that a long file never holds the database's write lock while it is
    checked (SQLite has one writer at a time: a 19,000-row check held it 45 s and stopped
    the scheduler): first every row is checked against the services it names, read a batch
    at a time in short read transactions; then, if nothing is wrong and it is no dry run,
    everything is written at once, in a few statements, in the caller's one transaction.
    A service changed by someone else between the two steps refuses the whole file.
    ``progress`` hears each row number checked, ``storing`` when the writing begins."""
    report = Report()
    extra_names = {f.name for f in authority.service_fields}
    if not _columns_known(rows, extra_names, report):
        return report
    plans, reference = _check(session, authority, rows, extra_names, report, progress)
    report.created = [plan.key for plan in plans if plan.kind == "create"]
    report.updated = [plan.key for plan in plans if plan.kind == "update"]
    report.unchanged = [plan.key for plan in plans if plan.kind == "unchanged"]
    if report.problems or dry_run:
        session.rollback()
        return report
    if storing:
        storing()
    _store(session, authority, plans, reference, principal, report)
    return report


def _columns_known(rows: list[dict[str, Any]], extra_names: set[str], report: Report) -> bool:
    """The file's columns, identifiers and shape, before any row is checked."""
    allowed = set(COLUMNS) | {"locations", "extra"} | {f"extra.{n}" for n in extra_names}
    columns = set().union(*(row.keys() for row in rows)) - {tabular.BEYOND_COLUMNS}
    for name in sorted(columns - allowed):
        report.problems.append(Problem(None, name, "unknown_column"))
    if "external_id" not in columns:
        report.problems.append(Problem(None, "external_id", "missing_column"))
    for number, row in enumerate(rows, start=1):
        if tabular.BEYOND_COLUMNS in row:
            shown = ", ".join(str(cell) for cell in row[tabular.BEYOND_COLUMNS])
            report.problems.append(Problem(number, None, "beyond_columns", shown[:80]))
    if report.problems:
        return False
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        key = str(row.get("external_id") or "").strip()
        if key in seen:
            report.problems.append(Problem(number, "external_id", "duplicate_row", key))
        seen.setdefault(key, number)
    return not report.problems


@dataclass
class _Plan:
    """What the import does with one row, as its check found it."""

    number: int
    key: str
    row: dict[str, Any]
    cleaned: dict[str, Any]  # the row's values as inventory.check returns them
    kind: str  # create, update or unchanged
    service_id: int | None = None
    version: int | None = None  # the service's version when it was checked


def _check(session, authority, rows, extra_names, report, progress):
    """The plan of every row, and the reference the rows were checked against."""
    reference = inventory.Reference.load(session)
    session.rollback()
    plans: list[_Plan] = []
    for start in range(0, len(rows), BATCH):
        batch = [(row, _values(row, extra_names)) for row in rows[start : start + BATCH]]
        known = _services_named(session, authority, {_key(values) for _row, values in batch})
        # Detached from the session, the services are only read and changed in memory
        # below to see what the row would change; the read transaction ends here.
        session.expunge_all()
        session.rollback()
        for number, (row, values) in enumerate(batch, start=start + 1):
            try:
                service = known.get(_key(values))
                plans.append(_plan(number, row, values, service, authority, reference))
            except inventory.InvalidService as invalid:
                _add_problems(report, number, row, invalid)
            except inventory.NotAllowedNow as refused:
                report.problems.append(Problem(number, "external_id", refused.code, _key(values)))
            if progress:
                progress(number)
            if len(report.problems) >= MAX_PROBLEMS:
                report.truncated = True
                return plans, reference
    return plans, reference


def _key(values: dict[str, Any]) -> str:
    return str(values.get("external_id") or "")


def _services_named(session: Session, authority, keys: Iterable[str]) -> dict[str, Service]:
    found: dict[str, Service] = {}
    keys = sorted(keys)
    for start in range(0, len(keys), BATCH):
        for service in session.scalars(
            select(Service)
            .where(
                Service.authority_code == authority.code,
                Service.external_id.in_(keys[start : start + BATCH]),
            )
            .options(selectinload(Service.locations))
        ):
            found[service.external_id] = service
    return found


def _versions_named(session: Session, authority, keys: list[str]) -> dict[str, tuple[int, int]]:
    found: dict[str, tuple[int, int]] = {}
    for start in range(0, len(keys), BATCH):
        for key, service_id, version in session.execute(
            select(Service.external_id, Service.id, Service.version).where(
                Service.authority_code == authority.code,
                Service.external_id.in_(keys[start : start + BATCH]),
            )
        ):
            found[key] = (service_id, version)
    return found


def _plan(number: int, row, values, service: Service | None, authority, reference) -> _Plan:
    """Check a row as inventory.create_service or update_service would (raising what they
    raise), without writing anything; ``service`` is changed in memory."""
    key = _key(values)
    if service is None:
        return _Plan(number, key, row, _new_values(values, authority, reference), "create")
    version = service.version
    cleaned = _update_values(service, values, authority, reference)
    kind = "update" if _apply_update(service, cleaned) else "unchanged"
    return _Plan(number, key, row, cleaned, kind, service.id, version)


def _checked(values, authority, reference, kept: set[str] | None = None) -> dict[str, Any]:
    """inventory.check, the organisation named by its identifier (an empty cell: none)
    taken for its id first; every problem of the row is raised together."""
    values = dict(values)
    errors = {}
    if "organization" in values:
        key = str(values.pop("organization") or "")
        found = reference.organization_keys.get(authority.code, {}).get(key)
        if key and found is None:
            errors["organization"] = "unknown"
        else:
            values["organization_id"] = found
    try:
        cleaned = inventory.check(values, authority, reference, kept)
    except inventory.InvalidService as invalid:
        raise inventory.InvalidService({**invalid.errors, **errors}) from None
    if errors:
        raise inventory.InvalidService(errors)
    return cleaned


def _new_values(values, authority, reference) -> dict[str, Any]:
    # The checks of inventory.create_service, but for the identifier already taken: rows are
    # matched on it, and a service created meanwhile refuses the file when it is stored.
    cleaned = _checked(values, authority, reference)
    missing = {key: "required" for key in ("external_id", "category") if not cleaned.get(key)}
    if not any(cleaned.get(f"name_{lang}") for lang in inventory.LANGS):
        missing["name_nl"] = "required"
    if missing:
        raise inventory.InvalidService(missing)
    return cleaned


def _update_values(service: Service, values, authority, reference) -> dict[str, Any]:
    # The checks of inventory.update_service.
    if service.state == "withdrawn":
        raise inventory.NotAllowedNow("withdrawn")
    kept = {item["prison"] for item in inventory.working_copy(service).get("locations") or []}
    cleaned = _checked(values, authority, reference, kept)
    if "external_id" in cleaned and cleaned["external_id"] != service.external_id:
        raise inventory.InvalidService({"external_id": "fixed"})
    return cleaned


def _apply_update(service: Service, cleaned: dict[str, Any]) -> dict[str, list]:
    """Apply checked values to ``service`` as inventory.update_service does (once
    published, the columns stay and the changes wait in ``pending``) and return what
    changed, field by field."""
    before = inventory.working_copy(service)
    if service.published_at is None:
        inventory._apply(service, cleaned)
        after = inventory.record_of(service)
    else:
        after = {**before, **cleaned}
        service.pending = inventory.diff_values(inventory.record_of(service), after) or None
    return inventory.diff(before, after)


def _add_problems(report: Report, number: int, row, invalid: inventory.InvalidService) -> None:
    for column, code in sorted(invalid.errors.items()):
        # A prison's problem shows the file's "prisons" cell, where it was written.
        source = column.split(".")[0]
        if source == "locations" and "locations" not in row:
            source = "prisons" if column.endswith(".prison") else column.split(".")[-1]
        shown = row.get(source, "")
        report.problems.append(Problem(number, column, code, str(shown)[:80]))


def _store(session: Session, authority, plans: list[_Plan], checked, principal, report) -> None:
    """Write the checked rows, as inventory.create_service and update_service would, in
    the caller's transaction. Everything is read and prepared first, in memory: the new
    services' rows, the changed columns, the audit entries, the versions and the search
    documents. Only then does the write begin, in a dozen statements whatever the number of
    rows (``_write``): SQLite takes its write lock at the first write and holds it until
    the commit, and a flush of 20,000 services held it 10 s (13 s for 20,000 updates), most
    of it Python (the unit of work, the audit listener), as long as another writer waits."""
    versions = _versions_named(session, authority, [plan.key for plan in plans])
    for plan in plans:
        seen = versions.get(plan.key)
        if seen != (None if plan.kind == "create" else (plan.service_id, plan.version)):
            report.problems.append(
                Problem(plan.number, "external_id", "changed_meanwhile", plan.key)
            )
    if report.problems:
        session.rollback()
        return
    # The prisons, groups and organisations the rows were checked against may have changed
    # since (rarely): then the rows are checked again, still before anything is written.
    reference = inventory.Reference.load(session)
    same = reference == checked
    extra_names = {f.name for f in authority.service_fields}
    now = _services_named(session, authority, [p.key for p in plans if p.kind == "update"])
    numbers = _last_versions(session, [service.id for service in now.values()])
    # Detached, the services are changed in memory only; statements write them below.
    session.expunge_all()
    session.rollback()
    moment = utcnow()
    written: list[tuple[Service, str, dict]] = []  # service, action, changes
    for plan in plans:
        if plan.kind == "unchanged":
            continue
        try:
            if plan.kind == "create":
                cleaned = plan.cleaned
                if not same:
                    values = _values(plan.row, extra_names)
                    cleaned = _new_values(values, authority, reference)
                service = Service(
                    authority_code=authority.code,
                    state="draft",
                    target_groups=[],
                    languages=[],
                    extra={},
                    updated_at=moment,
                )
                inventory._apply(service, cleaned)
                _fill_defaults(service)
                written.append(
                    (service, "create", inventory.diff({}, inventory.record_of(service)))
                )
            else:
                service = now[plan.key]
                if service.version != plan.version:
                    raise inventory.NotAllowedNow("changed_meanwhile")
                cleaned = plan.cleaned
                if not same:
                    values = _values(plan.row, extra_names)
                    cleaned = _update_values(service, values, authority, reference)
                changes = _apply_update(service, cleaned)
                if changes:
                    service.state = "draft"
                    service.updated_at = moment
                    written.append((service, "update", changes))
        except inventory.InvalidService as invalid:
            _add_problems(report, plan.number, plan.row, invalid)
        except inventory.NotAllowedNow as refused:
            report.problems.append(Problem(plan.number, "external_id", refused.code, plan.key))
    if report.problems:
        return
    if not written:  # every row as stored already: nothing to write
        report.committed = True
        return
    connection = session.connection()
    ids = _free_ids(connection, written)
    writes = _Writes.prepare(written, numbers, moment, principal, ids, connection.dialect)
    sqlite = connection.dialect.name == "sqlite"
    try:
        if sqlite:
            generation.bump(session)  # the first write: SQLite takes its write lock here
            fresh = _free_ids(connection, written)
            if fresh != ids:
                # Someone added a service or a place since the ids were read: number again.
                writes = _Writes.prepare(
                    written, numbers, moment, principal, fresh, connection.dialect
                )
        _write(connection, writes)
        if not sqlite:
            # PostgreSQL locks the counter's row until the commit, and every other write
            # to services counts it up: last, so that they wait for the commit only.
            generation.bump(session)
    except (_ChangedMeanwhile, IntegrityError):
        # Someone wrote one of these services after the reads above (PostgreSQL lets them
        # in): its version or the unique identifier says so, and nothing of the import stays.
        session.rollback()
        report.problems.append(Problem(None, "external_id", "changed_meanwhile"))
        return
    report.committed = True


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


def _last_versions(session: Session, ids: list[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for start in range(0, len(ids), BATCH):
        for service_id, number in session.execute(
            select(ServiceVersion.service_id, func.max(ServiceVersion.number))
            .where(ServiceVersion.service_id.in_(ids[start : start + BATCH]))
            .group_by(ServiceVersion.service_id)
        ):
            found[service_id] = number
    return found


# --- export ------------------------------------------------------------------------------------


def flat(service: Service) -> dict[str, Any]:
    record = inventory.record_of(service)
    row = {name: record.get(name) for name in COLUMNS if name in record}
    row["organization"] = service.organization.external_id if service.organization_id else None
    row["target_groups"] = LIST_SEPARATOR.join(record.get("target_groups") or [])
    row["languages"] = LIST_SEPARATOR.join(record.get("languages") or [])
    row["prisons"] = LIST_SEPARATOR.join(item["prison"] for item in record["locations"])
    schedules = {item["schedule"] for item in record["locations"] if item["schedule"]}
    row["schedule"] = schedules.pop() if len(schedules) == 1 else ""
    places = {item["places"] for item in record["locations"] if item["places"]}
    row["places"] = places.pop() if len(places) == 1 else ""
    for name, value in (record.get("extra") or {}).items():
        row[f"extra.{name}"] = value
    return {key: "" if value is None else value for key, value in row.items()}


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas: a text starting with =, +, - or @ (or a tab or
    carriage return) is prefixed with an apostrophe, so a spreadsheet shows it as text.
    What XML cannot hold is left out."""
    value = printable(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    extra = sorted({key for row in rows for key in row if key.startswith("extra.")})
    return COLUMNS + extra


def export_rows(session: Session, filters: inventory.Filters) -> list[dict[str, Any]]:
    filters.page, filters.per_page = 1, 1_000_000
    found, _total = inventory.find(session, filters)
    return [flat(service) for service in found]


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_columns(rows), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: safe_cell(value) for key, value in row.items()})
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM lets Excel read UTF-8


def to_xlsx(rows: list[dict[str, Any]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("services")
    columns = _columns(rows)
    sheet.append(columns)
    for row in rows:
        sheet.append([safe_cell(row.get(name, "")) for name in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_ods(rows: list[dict[str, Any]]) -> bytes:
    document = OpenDocumentSpreadsheet()
    table = Table(name="services")
    columns = _columns(rows)

    def add(values: Iterable[Any]) -> None:
        line = TableRow()
        for value in values:
            if isinstance(value, bool) or not isinstance(value, int | float):
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=str(safe_cell(value))))
            else:
                cell = TableCell(valuetype="float", value=value)
                cell.addElement(P(text=str(value)))
            line.addElement(cell)
        table.addElement(line)

    add(columns)
    for row in rows:
        add(row.get(name, "") for name in columns)
    document.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def to_json(rows: list[dict[str, Any]]) -> bytes:
    return json.dumps({"services": rows}, ensure_ascii=False, indent=1).encode("utf-8")


FORMATS = {
    "csv": (to_csv, "text/csv"),
    "xlsx": (to_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "ods": (to_ods, "application/vnd.oasis.opendocument.spreadsheet"),
    "json": (to_json, "application/json"),
}
