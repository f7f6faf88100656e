"""Exporting services as a file (CSV, XLSX, ODS or JSON), in the flat shape an import reads:
one row per service, lists joined by "|", the prisons with one schedule and number of places
for all of them, the organisation by its own identifier. Cells that a spreadsheet would run
as a formula are made harmless."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P
from openpyxl import Workbook
from sqlalchemy.orm import Session

from core.inventory import services as inventory
from core.inventory.models import SERVICE_FACTS, Service
from core.validation import printable

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
