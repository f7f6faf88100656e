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
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.inventory import services as inventory
from core.inventory.models import Service
from core.permissions import Principal
from core.validation import printable

log = logging.getLogger("concerto.import")
RUNNING: dict[int, int] = {}  # job id -> rows checked, for jobs running in this process

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
LIST_SEPARATOR = "|"
# The flat shape of a service in a spreadsheet: one row per service, lists joined by "|",
# the prisons with one schedule and number of places for all of them.
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


class FileProblem(Exception):
    def __init__(self, code: str, value: str = "") -> None:
        super().__init__(code)
        self.problem = Problem(None, None, code, value)


# --- reading files ---------------------------------------------------------------------------


def read_rows(data: bytes, filename: str) -> list[dict[str, Any]]:
    """The rows of an uploaded file as dicts keyed by column name."""
    if len(data) > MAX_BYTES:
        raise FileProblem("too_large", f"{len(data) // 1024} KiB")
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix == "json":
        rows = _json_rows(data)
    elif suffix == "xlsx":
        rows = _xlsx_rows(data)
    elif suffix == "csv":
        rows = _csv_rows(data)
    else:
        raise FileProblem("format", suffix)
    if len(rows) > MAX_ROWS:
        raise FileProblem("too_many_rows", str(len(rows)))
    if not rows:
        raise FileProblem("empty")
    return rows


def _csv_rows(data: bytes) -> list[dict[str, Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileProblem("encoding", f"byte {error.start}") from None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    return [dict(row) for row in reader]


def _xlsx_rows(data: bytes) -> list[dict[str, Any]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds on a bad file
        raise FileProblem("unreadable", type(error).__name__) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(cell).strip() if cell is not None else "" for cell in next(rows, [])]
    found = []
    for values in rows:
        if all(value in (None, "") for value in values):
            continue
        found.append(
            {
                name: "" if value is None else value
                for name, value in zip(header, values, strict=False)
                if name
            }
        )
    workbook.close()
    return found


def _json_rows(data: bytes) -> list[dict[str, Any]]:
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise FileProblem("encoding") from None
    except ValueError as error:
        raise FileProblem("unreadable", str(error)[:80]) from None
    if isinstance(parsed, dict):
        parsed = parsed.get("services")
    if not isinstance(parsed, list) or not all(isinstance(row, dict) for row in parsed):
        raise FileProblem("unreadable", "a list of objects")
    return parsed


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
) -> Report:
    """Check every row, then store all of them or none. The caller commits when the report
    says ``committed``; on any problem or a dry run everything is rolled back here."""
    report = Report()
    extra_names = {f.name for f in authority.service_fields}
    allowed = set(COLUMNS) | {"locations", "extra"} | {f"extra.{n}" for n in extra_names}
    columns = set().union(*(row.keys() for row in rows))
    for name in sorted(columns - allowed):
        report.problems.append(Problem(None, name, "unknown_column"))
    if "external_id" not in columns:
        report.problems.append(Problem(None, "external_id", "missing_column"))
    if report.problems:
        return report
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        key = str(row.get("external_id") or "").strip()
        if key in seen:
            report.problems.append(Problem(number, "external_id", "duplicate_row", key))
        seen.setdefault(key, number)
    if report.problems:
        return report
    existing = {
        service.external_id: service
        for service in session.scalars(
            select(Service)
            .where(Service.authority_code == authority.code)
            .options(selectinload(Service.locations))
        )
    }
    reference = inventory.Reference.load(session)
    for number, row in enumerate(rows, start=1):
        values = _values(row, extra_names)
        key = str(values.get("external_id") or "")
        # Both functions check every value before they change anything, so a refused row
        # leaves nothing half-written; the whole import is rolled back below anyway.
        try:
            service = existing.get(key)
            if service is None:
                inventory.create_service(session, authority, values, principal, reference)
                report.created.append(key)
            else:
                before = service.version
                inventory.update_service(
                    session, authority, service, values, service.version, principal, reference
                )
                (report.updated if service.version != before else report.unchanged).append(key)
        except inventory.InvalidService as invalid:
            for column, code in sorted(invalid.errors.items()):
                # A prison's problem shows the file's "prisons" cell, where it was written.
                source = column.split(".")[0]
                if source == "locations" and "locations" not in row:
                    source = "prisons" if column.endswith(".prison") else column.split(".")[-1]
                shown = row.get(source, "")
                report.problems.append(Problem(number, column, code, str(shown)[:80]))
        if progress:
            progress(number)
    if report.problems or dry_run:
        session.rollback()
        return report
    report.committed = True
    return report


# --- export ------------------------------------------------------------------------------------


def flat(service: Service) -> dict[str, Any]:
    record = inventory.record_of(service)
    row = {name: record.get(name) for name in COLUMNS if name in record}
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


# --- imports in the background ---------------------------------------------------------------


def run_job(app, job_id: int) -> None:
    """Run an uploaded import: progress goes to the job's row every few rows, the report at
    the end. Any failure ends the job as failed with nothing stored, never silently."""
    from core.audit.services import acting_as
    from core.inventory.models import ImportJob

    database = app.extensions["concerto.db"]
    registry = app.extensions["concerto.registry"]

    def note(**values) -> None:
        # Its own short transaction, so the page sees progress while the import's own
        # transaction is still open.
        with database.session() as progress_session:
            job = progress_session.get(ImportJob, job_id)
            for key, value in values.items():
                setattr(job, key, value)

    with database.session() as session:
        job = session.get(ImportJob, job_id)
        data, filename, dry_run = job.data, job.filename, job.dry_run
        authority = registry.authorities.get(job.authority_code)
        principal = Principal(
            channel="page",
            label=job.actor,
            user_id=job.user_id,
            authority=job.authority_code,
            roles=frozenset({"coordinator"}),
        )
    try:
        rows = read_rows(data or b"", filename)
    except FileProblem as refused:
        note(status="done", report=asdict(Report(problems=[refused.problem])), data=None)
        return
    note(status="running", total=len(rows))
    # SQLite has one writer at a time and the import's own transaction is it, so there the
    # progress stays in this process (the demo's only one); PostgreSQL keeps it in the row,
    # where every app server sees it.
    shared = database.engine.dialect.name != "sqlite"
    step = max(1, len(rows) // 50)

    def advance(number: int) -> None:
        RUNNING[job_id] = number
        if shared and number % step == 0:
            note(done=number)

    work = database.sessions()
    try:
        with acting_as(principal):
            report = import_services(
                work, authority, rows, principal, dry_run=dry_run, progress=advance
            )
            if report.committed:
                work.commit()
    except Exception as error:  # noqa: BLE001 - the page must learn that the job failed
        work.rollback()
        log.exception("import job %s failed", job_id)
        failed = Report(problems=[Problem(None, None, "unreadable", type(error).__name__)])
        note(status="failed", report=asdict(failed), data=None)
        return
    finally:
        work.close()
        RUNNING.pop(job_id, None)
    note(status="done", done=len(rows), report=asdict(report), data=None)


def progress_of(job) -> int:
    """Rows checked so far, from this process if it runs the job, else from the row."""
    return RUNNING.get(job.id, job.done)


def start_job(app, job_id: int) -> threading.Thread:
    thread = threading.Thread(target=run_job, args=(app, job_id), daemon=True)
    thread.start()
    return thread
