"""The inventory's file exports (CSV, XLSX, ODS, JSON) read plain rows and write sheets as
XML text (issue 25, exports near the fetch), on SQLite and PostgreSQL: the rows are those
the ORM gave, in the same order, for every filter; the spreadsheets read back, by openpyxl,
odfpy and the platform's own import reader, as the values that were written; the files are
streamed, a chunk of rows at a time, with the same content however they are cut."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import pytest
from odf.opendocument import load as load_ods
from odf.table import TableCell, TableRow
from openpyxl import load_workbook
from sqlalchemy import select

from core import tabular
from core.inventory import exchange, export, sheets
from core.inventory import services as inventory
from core.inventory.export import COLUMNS, Exported, _columns, safe_cell
from core.inventory.models import Service
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
        plain = list(exchange.export_rows(db, filters()))
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
        exported = Exported(db, inventory.Filters(public_only=True))
        rows = list(exported.rows())
    columns = _columns(rows)
    assert exported.columns == columns, "the columns known before the first row"
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


def test_the_export_streams_and_knows_every_extra_column_before_the_first_row(files_app):
    """Each format's answer is streamed, a chunk at a time; the ``extra.`` columns are those
    of the services exported (sorted, known before any row is read), each row holding only
    its own."""
    database = files_app.extensions["concerto.db"]
    with database.session() as db:
        found = {
            service.external_id: service
            for service in db.scalars(
                select(Service).where(Service.external_id.in_(["VG-01", "VG-07", "CF-01"]))
            )
        }
        found["VG-01"].extra = {"room": "B12", "floor": 2}
        found["VG-07"].extra = {"access_code": None}
        found["CF-01"].extra = {"room": "A1"}
    client = files_app.test_client()
    for fmt in exchange.FORMATS:
        answer = client.get(f"/services/export.{fmt}?authority=vlaams")
        assert answer.status_code == 200 and answer.is_streamed, fmt
        assert answer.get_data(), fmt  # read to its end: the session is closed after
    body = client.get("/services/export.json?authority=vlaams").get_json()
    rows = {row["external_id"]: row for row in body["services"]}
    assert rows["VG-01"]["extra.room"] == "B12" and rows["VG-01"]["extra.floor"] == 2
    assert rows["VG-07"]["extra.access_code"] == ""
    assert not any(key.startswith("extra.") for key in rows["VG-02"])
    lines = list(csv.reader(io.StringIO(client.get("/services/export.csv?authority=vlaams").text)))
    extra = ["extra.access_code", "extra.floor", "extra.room"]  # CF-01's room is another's
    assert lines[0] == [*(["\ufeffexternal_id"] + COLUMNS[1:]), *extra]
    by_id = {line[0]: dict(zip(lines[0][1:], line[1:], strict=True)) for line in lines[1:]}
    assert by_id["VG-01"]["extra.room"] == "B12" and by_id["VG-02"]["extra.room"] == ""


def test_chunks_of_a_few_rows_make_the_same_files(files_app, monkeypatch):
    """Written a few rows at a time (many zip writes of the sheet, many JSON batches), the
    files read back as when written at once."""
    with files_app.test_request_context("/"), files_app.extensions["concerto.db"].session() as db:

        def files() -> dict:
            exported = exchange.FORMATS
            return {
                fmt: list(write(Exported(db, inventory.Filters(public_only=True))))
                for fmt, (write, _type) in exported.items()
            }

        whole = files()
        monkeypatch.setattr(export, "ROWS_PER_CHUNK", 7)
        monkeypatch.setattr(export, "JSON_ROWS", 3)
        monkeypatch.setattr(sheets, "ROWS_PER_CHUNK", 7)
        pieces = files()
    for fmt in ("csv", "json"):
        assert len(pieces[fmt]) > len(whole[fmt]) and b"".join(pieces[fmt]) == b"".join(whole[fmt])
    for fmt in ("xlsx", "ods"):
        small, large = (zipfile.ZipFile(io.BytesIO(b"".join(f[fmt]))) for f in (pieces, whole))
        assert small.testzip() is None and small.namelist() == large.namelist()
        assert all(small.read(name) == large.read(name) for name in large.namelist())


def test_an_ods_package_starts_with_its_media_type_stored_as_it_is():
    """ODF: the "mimetype" member first, not compressed, its sizes in its own header (no data
    descriptor), so that the media type stands at byte 38 of the file."""
    data = sheets.ods("services", HEADER, ROWS)
    first = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert not first.flag_bits & 0x08
    assert data[30:38] == b"mimetype"
    assert data[38:84] == b"application/vnd.oasis.opendocument.spreadsheet"


def test_cells_are_made_harmless_in_every_format_however_the_row_is_written():
    """A formula behind characters XML cannot hold is still neutralised, a cell of nothing
    but those becomes empty, and those characters never reach a file; commas, quotes and line
    breaks come back from the CSV as they were."""
    row = {
        "external_id": "\x01=cmd|' /C calc'!A0",
        "name_nl": "Atelier\x0b hout, metaal",
        "name_fr": 'Dit "bien"',
        "name_en": "\x02\x03",
        "description_nl": "Eerste regel\n- tweede regel",
        "capacity": 12,
        "free_of_charge": True,
    }
    expected = {
        "external_id": "'=cmd|' /C calc'!A0",
        "name_nl": "Atelier hout, metaal",
        "name_fr": 'Dit "bien"',
        "name_en": "",
        "description_nl": "Eerste regel\n- tweede regel",
        "capacity": "12",
        "free_of_charge": "True",
    }
    plain = {**row, "name_nl": "Atelier, hout", "name_fr": "Atelier", "name_en": "+32 2 000"}
    data = exchange.to_csv([row, plain])
    assert not any(byte < 9 or byte in (11, 12) or 14 <= byte < 32 for byte in data)
    read = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert {name: read[0][name] for name in expected} == expected
    assert read[1]["name_nl"] == "Atelier, hout" and read[1]["name_en"] == "'+32 2 000"
    sheet = list(load_workbook(io.BytesIO(exchange.to_xlsx([row]))).active.values)
    cells = dict(zip(sheet[0], sheet[1], strict=True))
    assert cells["external_id"] == expected["external_id"] and cells["name_en"] is None
    assert cells["name_nl"] == expected["name_nl"] and cells["capacity"] == 12
    document = load_ods(io.BytesIO(exchange.to_ods([row])))
    table = document.spreadsheet.getElementsByType(TableRow)
    texts = dict(
        zip(
            [str(cell) for cell in table[0].getElementsByType(TableCell)],
            [str(cell) for cell in table[1].getElementsByType(TableCell)],
            strict=True,
        )
    )
    assert texts["external_id"] == expected["external_id"] and texts["name_en"] == ""


def _xlsx_values(data: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def _ods_texts(data: bytes) -> list[list[str]]:
    rows = load_ods(io.BytesIO(data)).spreadsheet.getElementsByType(TableRow)
    return [[str(cell) for cell in row.getElementsByType(TableCell)] for row in rows]


# Short texts that repeat (shared once the first rows are counted), with what XML escapes or
# cannot hold, spaces at either end and Excel's "_x0041_" escape (kept in its cell).
REPEATED = ["sport", "Atelier & co", "<b>", " los ", "a]]>b", "_x0041_", "ti\x01me"]
HEADERS = ["name", "kind", "count", "flag", "mixed"]


def _repeated_rows(count: int) -> list[list]:
    mixed = ["", None, 0, 0.0, False, True, 7, 2.5, "=1+1", "z"]
    return [
        [f"Dienst {number} <{number % 3}>", REPEATED[number % 7], number - 3, number % 2 == 0]
        + [mixed[number % 10]]
        for number in range(count)
    ]


def _as_read(value):
    """A value as openpyxl reads it back from a sheet."""
    if value == "" or value is None:
        return None
    if isinstance(value, str):
        return value.replace("\x01", "")
    return value


def test_repeated_texts_are_shared_and_read_back_as_written(monkeypatch):
    """Past the first rows, the short texts that repeat are written once, in the table of
    shared strings, and each cell names its number there; every value reads back as it was,
    by openpyxl and by the platform's own reader, whatever the shape of its row."""
    monkeypatch.setattr(sheets, "SHARE_SAMPLE", 40)
    rows = _repeated_rows(200)
    data = sheets.xlsx("services", HEADERS, rows)
    package = zipfile.ZipFile(io.BytesIO(data))
    shared = package.read("xl/sharedStrings.xml").decode()
    assert '<t xml:space="preserve">Atelier &amp; co</t>' in shared
    assert "sport" in shared and "Dienst" not in shared and "_x0041_" not in shared
    assert 'uniqueCount="6"' in shared  # all but "_x0041_"
    assert 't="s"' in package.read("xl/worksheets/sheet1.xml").decode()
    values = _xlsx_values(data)
    assert values[0] == tuple(HEADERS)
    assert values[1:] == [tuple(_as_read(value) for value in row) for row in rows]
    imported = list(tabular.xlsx_rows(data, 1000))
    assert [row["kind"] for row in imported] == [row[1].replace("\x01", "") for row in rows]
    assert imported[9]["flag"] is False and imported[5]["mixed"] is True


def test_a_full_table_of_shared_strings_leaves_the_other_texts_in_their_cells(monkeypatch):
    monkeypatch.setattr(sheets, "SHARE_SAMPLE", 40)
    monkeypatch.setattr(sheets, "SHARED_STRINGS", 2)
    rows = _repeated_rows(200)
    data = sheets.xlsx("services", HEADERS, rows)
    shared = zipfile.ZipFile(io.BytesIO(data)).read("xl/sharedStrings.xml").decode()
    assert shared.count("<si>") == 2
    assert _xlsx_values(data)[1:] == [tuple(_as_read(value) for value in row) for row in rows]


def test_rows_of_every_shape_read_back_as_when_written_cell_by_cell():
    """Rows written through the markup of their shape read back as those written one cell
    at a time: texts (escaped), empty cells, numbers (0 too), booleans and other values."""
    day = date(2026, 12, 4)  # a value of another class: written as its text
    rows = [*_repeated_rows(30), ["a", day, 1, True, "b"], [], ["x&y", "", None]]
    values = _xlsx_values(sheets.xlsx("services", HEADERS, rows))
    assert values[31:] == [("a", "2026-12-04", 1, True, "b"), (None,) * 5, ("x&y", *(None,) * 4)]
    assert values[1:31] == [tuple(_as_read(value) for value in row) for row in rows[:30]]
    texts = _ods_texts(sheets.ods("services", HEADERS, rows))
    expected = [
        ["" if value is None else str(value).replace("\x01", "") for value in row] for row in rows
    ]
    assert texts[1:] == expected
    number = load_ods(io.BytesIO(sheets.ods("s", HEADERS, rows))).spreadsheet
    cell = number.getElementsByType(TableRow)[1].getElementsByType(TableCell)[2]
    assert cell.getAttribute("valuetype") == "float" and cell.getAttribute("value") == "-3"


def test_what_xml_cannot_hold_is_left_out_of_a_chunk_of_rows_of_one_shape():
    """A chunk whose values hold nothing XML cannot hold is only encoded; one that does is
    cleaned, markup and all (a text in the middle of a chunk of rows of the same shape)."""
    rows = [[f"rij {number}", "vrij"] for number in range(40)]
    rows[17][0] = "rij\x0b 17\ufffe"
    values = _xlsx_values(sheets.xlsx("s", ["a", "b"], rows))
    assert values[18] == ("rij 17", "vrij") and values[40] == ("rij 39", "vrij")
    assert _ods_texts(sheets.ods("s", ["a", "b"], rows))[18] == ["rij 17", "vrij"]
