"""Importing and exporting an authority's services: CSV, XLSX, JSON in; CSV, XLSX, ODS, JSON
out (HSDS is in ``hsds.py``).

An import is checked whole before anything is written: every error is reported with its
row, column and reason, and then nothing is stored. Rows are matched on the authority's own
identifier, so importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from core import jsonbody, tabular
from core.clock import utcnow
from core.inventory import generation
from core.inventory import services as inventory

# The shape of a service in a file and the export live in core.inventory.export; read from
# here too, the module of both directions.
from core.inventory.export import COLUMNS as COLUMNS
from core.inventory.export import FORMATS as FORMATS
from core.inventory.export import LIST_SEPARATOR as LIST_SEPARATOR
from core.inventory.export import export_rows as export_rows
from core.inventory.export import flat as flat
from core.inventory.export import safe_cell as safe_cell
from core.inventory.export import to_csv as to_csv
from core.inventory.export import to_json as to_json
from core.inventory.export import to_ods as to_ods
from core.inventory.export import to_xlsx as to_xlsx
from core.inventory.import_writes import (
    _ChangedMeanwhile,
    _fill_defaults,
    _free_ids,
    _write,
    _Writes,
)
from core.inventory.models import Service, ServiceVersion
from core.permissions import Principal
from core.validation import Invalid, Refused

log = logging.getLogger("concerto.import")

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_PROBLEMS = 1_000  # a file with more is checked no further: it needs fixing anyway
# Rows checked per read of the services they update; between two batches the check holds
# no transaction, so other writers go on while a long file is checked.
BATCH = 500


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
        # The import job's own transaction (not a request's): a refused file or a dry run
        # leaves nothing behind.
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
    session.rollback()  # the job's read transaction ends: the check holds none between batches
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
            except Invalid as invalid:
                _add_problems(report, number, row, invalid)
            except Refused as refused:
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
    except Invalid as invalid:
        raise Invalid({**invalid.errors, **errors}) from None
    if errors:
        raise Invalid(errors)
    return cleaned


def _new_values(values, authority, reference) -> dict[str, Any]:
    # The checks of inventory.create_service, but for the identifier already taken: rows are
    # matched on it, and a service created meanwhile refuses the file when it is stored.
    cleaned = _checked(values, authority, reference)
    missing = {key: "required" for key in ("external_id", "category") if not cleaned.get(key)}
    if not any(cleaned.get(f"name_{lang}") for lang in inventory.LANGS):
        missing["name_nl"] = "required"
    if missing:
        raise Invalid(missing)
    return cleaned


def _update_values(service: Service, values, authority, reference) -> dict[str, Any]:
    # The checks of inventory.update_service.
    if service.state == "withdrawn":
        raise Refused("withdrawn")
    kept = {item["prison"] for item in inventory.working_copy(service).get("locations") or []}
    cleaned = _checked(values, authority, reference, kept)
    if "external_id" in cleaned and cleaned["external_id"] != service.external_id:
        raise Invalid({"external_id": "fixed"})
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


def _add_problems(report: Report, number: int, row, invalid: Invalid) -> None:
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
        session.rollback()  # the job's own transaction: a refused import stores nothing
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
    session.rollback()  # the job's read transaction ends before the write lock is taken
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
                    raise Refused("changed_meanwhile")
                cleaned = plan.cleaned
                if not same:
                    values = _values(plan.row, extra_names)
                    cleaned = _update_values(service, values, authority, reference)
                changes = _apply_update(service, cleaned)
                if changes:
                    service.state = "draft"
                    service.updated_at = moment
                    written.append((service, "update", changes))
        except Invalid as invalid:
            _add_problems(report, plan.number, plan.row, invalid)
        except Refused as refused:
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
