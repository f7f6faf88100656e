"""Imports cost little before they are refused and run from a bounded queue (issue 18,
point 7).

A 265 KB workbook can hold half a million rows: the reader stops at the row after the
limit, for workbooks, JSON, CSV and a plan's goal file alike. A full queue refuses an upload
(503) rather than starting another thread. The jobs' ends are in test_imports_endings.py,
the write lock in test_imports_writes.py.
"""

from __future__ import annotations

import io
import re
import threading
import zipfile

import pytest
from openpyxl import Workbook
from openpyxl.worksheet import _read_only

from core import jsonbody, tabular
from core.inventory import exchange, imports
from core.inventory.models import ImportJob
from tests.conftest import make_app
from tests.import_jobs import _count, _finished, _job, _job_id, _send
from tests.logins import csrf_token, login, login_as

# --- reading stops at the limit ----------------------------------------------------------------


def _workbook_of(rows: int) -> bytes:
    """A workbook written by openpyxl (write-only) whose data row is then repeated ``rows``
    times: identical rows zip to almost nothing, as in the report (265 KB, 500,000 rows)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("services")
    sheet.append(["external_id", "category"])
    sheet.append(["VG-1", "sport"])
    written = io.BytesIO()
    book.save(written)
    source = zipfile.ZipFile(io.BytesIO(written.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                xml = content.decode()
                row = re.search(r'<row r="2">.*?</row>', xml).group(0)
                unnumbered = re.sub(r' r="[A-Z]*\d+"', "", row)
                content = xml.replace(row, unnumbered * rows).encode()
            target.writestr(item.filename, content)
    return out.getvalue()


class _Counting:
    """Counts what each reader produced (rows of openpyxl, rows and elements of the scan)."""

    def __init__(self, monkeypatch) -> None:
        self.openpyxl_rows = 0
        self.scans: list[tabular.SheetScan] = []
        counting = self
        cells_by_row = _read_only.ReadOnlyWorksheet._cells_by_row

        def counted_rows(sheet, *args, **kwargs):
            for row in cells_by_row(sheet, *args, **kwargs):
                counting.openpyxl_rows += 1
                yield row

        class CountedScan(tabular.SheetScan):
            def __init__(self, limit):
                super().__init__(limit)
                counting.scans.append(self)

        monkeypatch.setattr(_read_only.ReadOnlyWorksheet, "_cells_by_row", counted_rows)
        monkeypatch.setattr(tabular, "SheetScan", CountedScan)


def test_a_workbook_of_half_a_million_rows_is_refused_at_the_row_after_the_limit(
    app, client, monkeypatch
):
    data = _workbook_of(500_000)
    assert len(data) < 400_000, "a small file, as the report's"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    assert sheet.count(b"<row") == 500_001
    counting = _Counting(monkeypatch)

    with pytest.raises(exchange.FileProblem) as refused:
        exchange.read_rows(data, "half-a-million.xlsx")

    assert refused.value.problem.code == "too_many_rows"
    (scan,) = counting.scans
    # The header and at most one row past the limit were read; the rest never was.
    assert scan.filled <= exchange.MAX_ROWS + 2
    assert scan.rows <= exchange.MAX_ROWS + 2
    assert counting.openpyxl_rows == 0, "openpyxl never parsed the sheet"

    # Through the page: the job ends refused, with the reason in the reader's language.
    login(client, "vlaams", "vlaams-lotte")
    client.get("/language/fr")
    sent = _send(client, data, "half-a-million.xlsx")
    page = _finished(client, sent.location)
    assert page.status_code == 422
    assert "Le fichier compte plus de 20 000 lignes" in page.get_data(as_text=True)
    job = _job(app, _job_id(sent.location))
    assert job.status == "refused" and job.data is None


def test_a_sheet_of_empty_rows_json_and_csv_past_the_limit_are_refused_as_soon_as_passed(
    monkeypatch,
):
    # A sheet whose second row is its last possible one: openpyxl fills a million empty rows.
    book = Workbook()
    book.active["A1"] = "external_id"
    book.active["A1048576"] = "VG-1"
    buffer = io.BytesIO()
    book.save(buffer)
    counting = _Counting(monkeypatch)
    with pytest.raises(exchange.FileProblem) as refused:
        exchange.read_rows(buffer.getvalue(), "far.xlsx")
    assert refused.value.problem.code == "too_many_rows"
    assert counting.openpyxl_rows <= 2 * exchange.MAX_ROWS + 2

    # JSON: a list of a million objects is decoded object by object, and stops.
    checked = []
    check = jsonbody.check
    monkeypatch.setattr(jsonbody, "check", lambda value: checked.append(1) or check(value))
    with pytest.raises(exchange.FileProblem) as refused:
        exchange.read_rows(b"[" + b"{}," * 1_000_000 + b"{}]", "many.json")
    assert refused.value.problem.code == "too_many_rows"
    assert len(checked) <= exchange.MAX_ROWS + 1

    # CSV: the same, line by line.
    produced = []
    csv_rows = tabular.csv_rows

    def counted_csv(data):
        for row in csv_rows(data):
            produced.append(1)
            yield row

    monkeypatch.setattr(tabular, "csv_rows", counted_csv)
    with pytest.raises(exchange.FileProblem) as refused:
        exchange.read_rows(b"external_id\n" + b"VG-1\n" * 600_000, "many.csv")
    assert refused.value.problem.code == "too_many_rows"
    assert len(produced) <= exchange.MAX_ROWS + 1


def test_a_plans_goal_file_past_its_limit_is_refused_without_reading_the_rest(
    app, client, monkeypatch
):
    counting = _Counting(monkeypatch)
    login_as(client, app, "secretary")
    client.get("/language/nl")
    form = {
        "csrf_token": csrf_token(client, "/plans/brussels_2014_2019/import"),
        "file": (io.BytesIO(_workbook_of(500_000)), "doelen.xlsx"),
    }
    answer = client.post(
        "/plans/brussels_2014_2019/import", data=form, content_type="multipart/form-data"
    )
    assert answer.status_code == 422
    assert "meer dan 1.000 rijen" in answer.get_data(as_text=True)
    assert counting.scans[0].filled <= 1_000 + 2
    # A file that is no workbook at all is a clear 422 too (it was a 500).
    form = {
        "csrf_token": csrf_token(client, "/plans/brussels_2014_2019/import"),
        "file": (io.BytesIO(b"PK\x03\x04 broken"), "doelen.xlsx"),
    }
    answer = client.post(
        "/plans/brussels_2014_2019/import", data=form, content_type="multipart/form-data"
    )
    assert answer.status_code == 422


# --- the queue -----------------------------------------------------------------------------------


def test_a_full_queue_refuses_an_upload_instead_of_starting_a_thread(
    sqlite_url, providers, monkeypatch
):
    app = make_app(sqlite_url, import_workers=1, import_backlog=1, **providers.settings())
    release = threading.Event()
    read_rows = exchange.read_rows

    def held(data, filename):
        release.wait(60)
        return read_rows(data, filename)

    monkeypatch.setattr(exchange, "read_rows", held)
    client = app.test_client()
    login(client, "vlaams", "vlaams-lotte")
    client.get("/language/fr")
    good = b"external_id,category,name_nl,name_fr,prisons\nVG-80,sport,Yoga,Yoga,haren\n"
    try:
        first = _send(client, good, "een.csv")
        second = _send(client, good, "twee.csv")
        assert first.status_code == second.status_code == 302
        workers = [t for t in threading.enumerate() if t.name == "import-worker"]
        refused = _send(client, good, "drie.csv")
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "60"
        assert "imports sont en cours de vérification" in refused.get_data(as_text=True)
        assert _count(app, ImportJob) == 2, "nothing stored for the refused upload"
        assert [t for t in threading.enumerate() if t.name == "import-worker"] == workers
    finally:
        release.set()
    for sent in (first, second):
        _finished(client, sent.location)
        assert _job(app, _job_id(sent.location)).status == "done"
    # The places are free again.
    assert _send(client, good, "vier.csv").status_code == 302
    imports.queue_of(app).stop()
    app.extensions["concerto.db"].engine.dispose()
