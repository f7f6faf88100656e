"""The inventory's file exports (CSV, XLSX, ODS, JSON) read plain rows and write sheets as
XML text (issue 25, exports near the fetch), on SQLite and PostgreSQL: the rows are those
the ORM gave, in the same order, for every filter; the spreadsheets read back, by openpyxl,
odfpy and the platform's own import reader, as the values that were written."""

from __future__ import annotations

import io

import pytest
from odf.opendocument import load as load_ods
from odf.table import TableCell, TableRow
from openpyxl import load_workbook

from core import tabular
from core.inventory import exchange, sheets
from core.inventory import services as inventory
from core.inventory.export import COLUMNS, _columns, safe_cell
from tests.conftest import make_app


@pytest.fixture
def files_app(database_url):
    application = make_app(database_url)
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _flat_as_before(service) -> dict:
    """How a service was flattened before issue 25: through ``record_of``."""
    record = inventory.record_of(service)
    row = {name: record.get(name) for name in COLUMNS if name in record}
    row["organization"] = service.organization.external_id if service.organization_id else None
    row["target_groups"] = "|".join(record.get("target_groups") or [])
    row["languages"] = "|".join(record.get("languages") or [])
    row["prisons"] = "|".join(item["prison"] for item in record["locations"])
    schedules = {item["schedule"] for item in record["locations"] if item["schedule"]}
    row["schedule"] = schedules.pop() if len(schedules) == 1 else ""
    places = {item["places"] for item in record["locations"] if item["places"]}
    row["places"] = places.pop() if len(places) == 1 else ""
    for name, value in (record.get("extra") or {}).items():
        row[f"extra.{name}"] = value
    return {key: "" if value is None else value for key, value in row.items()}


def _through_the_orm(session, filters: inventory.Filters) -> list[dict]:
    """What export_rows gave before: ORM objects, flattened through record_of."""
    filters.page, filters.per_page = 1, 1_000_000
    found, _total = inventory.find(session, filters)
    rows = [_flat_as_before(service) for service in found]
    assert rows == [exchange.flat(service) for service in found]  # flat takes either
    return rows


@pytest.mark.parametrize(
    "arguments",
    [
        {},
        {"authority": "vlaams"},
        {"domain": "sport"},
        {"prison": "haren"},
        {"sort": "updated"},
        {"sort": "authority"},
        {"reading": "fr"},
        {"query": "atelier"},
    ],
)
def test_the_rows_read_without_the_orm_are_those_the_orm_gave(files_app, arguments):
    def filters() -> inventory.Filters:
        return inventory.Filters(public_only=True, **arguments)

    with files_app.test_request_context("/"), files_app.extensions["concerto.db"].session() as db:
        plain = exchange.export_rows(db, filters())
        orm = _through_the_orm(db, filters())
    assert plain, "the filter finds services in the demo"
    if "query" in arguments:  # ranked on the search page, by name in a file
        key = lambda row: row["external_id"]  # noqa: E731
        assert sorted(plain, key=key) == sorted(orm, key=key)
    else:
        assert plain == orm
    if not arguments:  # an organisation by its own identifier, read in the same query
        assert any(row["organization"] for row in plain)


HEADER = ["text", "number", "decimal", "flag", "empty", "formula"]
ROWS = [
    ["Atelier <hout> & metaal", 12, 2.5, True, "", safe_cell("=HYPERLINK(1)")],
    ["Bibliothèque « Haren »", 0, 0.0, False, "", safe_cell("@SUM(A1)")],
]


def test_an_xlsx_sheet_reads_back_as_written():
    data = sheets.xlsx("services", HEADER, ROWS)
    values = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert values[0] == tuple(HEADER)
    assert values[1] == ("Atelier <hout> & metaal", 12, 2.5, True, None, "'=HYPERLINK(1)")
    assert values[2] == ("Bibliothèque « Haren »", 0, 0, False, None, "'@SUM(A1)")
    imported = list(tabular.xlsx_rows(data, 10))
    assert imported[0]["text"] == "Atelier <hout> & metaal" and imported[0]["flag"] is True
    assert imported[1]["formula"] == "'@SUM(A1)"


def test_an_ods_sheet_reads_back_as_written():
    document = load_ods(io.BytesIO(sheets.ods("services", HEADER, ROWS)))
    rows = document.spreadsheet.getElementsByType(TableRow)
    cells = [[str(cell) for cell in row.getElementsByType(TableCell)] for row in rows]
    assert cells[0] == HEADER
    assert cells[1] == ["Atelier <hout> & metaal", "12", "2.5", "True", "", "'=HYPERLINK(1)"]
    number = rows[1].getElementsByType(TableCell)[1]
    assert number.getAttribute("valuetype") == "float" and number.getAttribute("value") == "12"


def test_the_exported_files_hold_every_row_and_column(files_app):
    client = files_app.test_client()
    with files_app.test_request_context("/"), files_app.extensions["concerto.db"].session() as db:
        rows = exchange.export_rows(db, inventory.Filters(public_only=True))
    columns = _columns(rows)
    workbook = load_workbook(io.BytesIO(client.get("/services/export.xlsx").data))
    values = list(workbook.active.iter_rows(values_only=True))
    assert list(values[0]) == columns and len(values) == len(rows) + 1
    by_id = {row["external_id"]: row for row in rows}
    for line in values[1:]:
        expected = [safe_cell(by_id[line[0]].get(name, "")) for name in columns]
        assert [("" if cell is None else cell) for cell in line] == expected
    document = load_ods(io.BytesIO(client.get("/services/export.ods").data))
    table = document.spreadsheet.getElementsByType(TableRow)
    assert len(table) == len(rows) + 1
    for line in table[1:]:
        cells = [str(cell) for cell in line.getElementsByType(TableCell)]
        assert cells == [str(safe_cell(by_id[cells[0]].get(name, ""))) for name in columns]
