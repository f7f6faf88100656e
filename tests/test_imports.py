"""Imports cost little before they are refused, run from a bounded queue, always end, and do
not hold the database's write lock while a file is checked (issue 18, points 7 and 3).

A 265 KB workbook can hold half a million rows: the reader stops at the row after the
limit. Nested JSON, an unexpected error or a process killed mid-run end the job in a final
state with its reason in the reader's language. A full queue refuses an upload (503) rather
than starting another thread. While one import checks its rows, another writer goes on; the
import then writes in a few statements, and refuses the file if a service it checked was
changed meanwhile. On SQLite and PostgreSQL where the database matters.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import zipfile
from datetime import timedelta

import pytest
from openpyxl import Workbook
from openpyxl.worksheet import _read_only
from sqlalchemy import create_engine, event, func, select, text

from core import jsonbody, tabular
from core.audit.models import AuditEntry
from core.clock import utcnow
from core.identity.models import Identity
from core.inventory import exchange, imports
from core.inventory.models import ImportJob, Service
from core.permissions import Principal
from tests.conftest import FIVE, ROOT, make_app
from tests.logins import csrf_token, login, login_as


@pytest.fixture
def imports_app(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    imports.queue_of(application).stop()
    application.extensions["concerto.db"].engine.dispose()


def _send(client, data: bytes, name: str, dry_run: bool = True):
    form = {"csrf_token": csrf_token(client, "/services/import"), "file": (io.BytesIO(data), name)}
    if dry_run:
        form["dry_run"] = "1"
    return client.post("/services/import", data=form, content_type="multipart/form-data")


def _finished(client, location: str):
    """The job's page once the job has ended (its page no longer polls)."""
    for _ in range(600):
        page = client.get(location)
        if "hx-trigger" not in page.get_data(as_text=True):
            return page
        time.sleep(0.05)
    raise AssertionError("the job never ended")


def _job(app, job_id: int) -> ImportJob:
    with app.extensions["concerto.db"].session() as db:
        return db.get(ImportJob, job_id)


def _job_id(location: str) -> int:
    return int(location.rstrip("/").rsplit("/", 1)[-1])


def _count(app, model) -> int:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(func.count()).select_from(model))


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


# --- every job ends ------------------------------------------------------------------------------


def test_deeply_nested_json_ends_the_job_with_its_reason(imports_app):
    app = imports_app
    client = app.test_client()
    login(client, "vlaams", "vlaams-lotte")
    client.get("/language/fr")
    nested = b'{"services": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}"
    sent = _send(client, nested, "nested.json")
    page = _finished(client, sent.location)
    assert page.status_code == 422
    assert "plus de 32 niveaux" in page.get_data(as_text=True)
    job = _job(app, _job_id(sent.location))
    assert job.status == "refused"
    assert job.report["problems"][0]["code"] == "nested"
    # One row too deep among good ones: the same.
    deep_row = {"external_id": "VG-90", "extra": json.loads('{"a":' * 40 + "1" + "}" * 40)}
    sent = _send(client, json.dumps([deep_row]).encode(), "deep.json")
    assert "plus de 32 niveaux" in _finished(client, sent.location).get_data(as_text=True)


def test_an_unexpected_error_ends_the_job_failed_with_its_reason(imports_app, monkeypatch):
    app = imports_app
    client = app.test_client()
    login(client, "vlaams", "vlaams-lotte")
    client.get("/language/nl")

    def broken(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(exchange, "import_services", broken)
    before = _count(app, Service)
    sent = _send(client, b"external_id,category\nVG-1,sport\n", "fout.csv", dry_run=False)
    page = _finished(client, sent.location)
    assert "Het importeren stopte door een fout in het platform" in page.get_data(as_text=True)
    job = _job(app, _job_id(sent.location))
    assert job.status == "failed" and job.data is None
    assert job.report["problems"][0]["code"] == "failed"
    assert _count(app, Service) == before


def _lotte(app) -> int:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(Identity.user_id).where(Identity.subject == "vlaams-lotte"))


RUNNER = """
import sys, threading, time
from core import create_app
from core.inventory import exchange, imports
from core.inventory.models import ImportJob

app = create_app({"database_url": sys.argv[1], "plugins": sys.argv[3].split(","),
                  "secret_key": "test", "development": True})
reading = threading.Event()

def stuck(data, filename):
    reading.set()
    time.sleep(3600)

exchange.read_rows = stuck

def create():
    with app.extensions["concerto.db"].session() as db:
        job = ImportJob(authority_code="vlaams", user_id=int(sys.argv[2]), actor="Lotte",
                        filename="lang.csv", data=b"external_id\\nVG-1\\n", dry_run=True,
                        status="waiting", done=0, total=0, report=imports.stamp())
        db.add(job)
        db.flush()
        return job.id

job_id = imports.queue_of(app).submit(create)
reading.wait(60)
print(job_id, flush=True)
time.sleep(3600)
"""


def test_a_job_whose_process_was_killed_is_failed_at_start_up(database_url, providers):
    first = make_app(database_url, **providers.settings())
    client = first.test_client()
    login(client, "vlaams", "vlaams-lotte")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCERTO_")}
    env["PYTHONPATH"] = str(ROOT)
    runner = subprocess.Popen(
        [sys.executable, "-c", RUNNER, database_url, str(_lotte(first)), ",".join(FIVE)],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        job_id = int(runner.stdout.readline())
        assert _job(first, job_id).status == "running"
    finally:
        runner.send_signal(signal.SIGKILL)
        runner.wait()
    make_app(database_url).extensions["concerto.db"].engine.dispose()  # a start-up
    job = _job(first, job_id)
    assert job.status == "failed" and job.report["problems"][0]["code"] == "interrupted"
    assert job.data is None
    client.get("/language/fr")
    page = client.get(f"/services/import/{job_id}")
    assert "hx-trigger" not in page.get_data(as_text=True)
    assert "redémarré" in page.get_data(as_text=True)
    first.extensions["concerto.db"].engine.dispose()


def test_the_page_of_a_job_whose_process_ended_says_so_without_a_restart(imports_app):
    app = imports_app
    client = app.test_client()
    login(client, "vlaams", "vlaams-lotte")
    here = __import__("socket").gethostname()
    with app.extensions["concerto.db"].session() as db:
        job_id = _stamped(db, timedelta(seconds=1), here, 2**22 + 17)
        db.get(ImportJob, job_id).user_id = _lotte(app)
    page = client.get(f"/services/import/{job_id}")
    assert "hx-trigger" not in page.get_data(as_text=True)
    assert "the platform was restarted" in page.get_data(as_text=True)
    assert _job(app, job_id).status == "failed"


def _stamped(db, heartbeat_age: timedelta, host: str, pid: int, status: str = "running") -> int:
    job = ImportJob(
        authority_code="vlaams",
        user_id=None,
        actor="test",
        filename="x.csv",
        data=b"x",
        dry_run=True,
        status=status,
        done=0,
        total=0,
        report={
            "runner": {"host": host, "boot": imports.BOOT, "pid": pid},
            "heartbeat": (utcnow() - heartbeat_age).isoformat(),
        },
    )
    db.add(job)
    db.flush()
    return job.id


def test_at_start_up_only_jobs_nobody_runs_are_ended(database_url):
    first = make_app(database_url)
    here = __import__("socket").gethostname()
    with first.extensions["concerto.db"].session() as db:
        elsewhere_alive = _stamped(db, timedelta(seconds=20), "other-server", 4242)
        elsewhere_silent = _stamped(db, timedelta(minutes=10), "other-server", 4242, "waiting")
        here_ended = _stamped(db, timedelta(seconds=5), here, 2**22 + 17)  # no such process
        old_style = ImportJob(
            authority_code="vlaams",
            actor="test",
            filename="old.csv",
            dry_run=True,
            status="waiting",
            done=0,
            total=0,
            created_at=utcnow() - timedelta(hours=2),
        )
        db.add(old_style)
        db.flush()
        old_style = old_style.id
        finished = _stamped(db, timedelta(hours=3), "other-server", 1, "done")
    first.extensions["concerto.db"].engine.dispose()

    started = make_app(database_url)  # start-up
    with started.extensions["concerto.db"].session() as db:
        status = dict(db.execute(select(ImportJob.id, ImportJob.status)).all())
    assert status[elsewhere_alive] == "running", "another server's job, still beating"
    assert status[elsewhere_silent] == "failed"
    assert status[here_ended] == "failed"
    assert status[old_style] == "failed", "left waiting by a version without heartbeats"
    assert status[finished] == "done"
    started.extensions["concerto.db"].engine.dispose()


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


# --- checking holds no write lock ------------------------------------------------------------


def _other_writer(url: str):
    """A second connection that does not wait for a lock: it writes at once or fails."""
    if url.startswith("sqlite"):
        return create_engine(url, connect_args={"timeout": 0})
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _no_waiting(connection, _record):
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        connection.commit()

    return engine


def test_another_writer_goes_on_while_an_import_is_checked(database_url):
    app = make_app(database_url)
    database = app.extensions["concerto.db"]
    authority = app.extensions["concerto.registry"].authorities["vlaams"]
    with database.session() as db:
        known = db.scalars(
            select(Service)
            .where(Service.authority_code == "vlaams", Service.state != "withdrawn")
            .order_by(Service.id)
        ).first()
        known_id, known_key = known.id, known.external_id
    lines = [f"{known_key},sport,Gewijzigd,Modifié,haren"]
    lines += [f"VG-{n},sport,Sport {n},Sport {n},haren" for n in range(5000, 6199)]
    rows = exchange.read_rows(
        ("external_id,category,name_nl,name_fr,prisons\n" + "\n".join(lines)).encode(), "x.csv"
    )
    principal = Principal(
        channel="page", label="Lotte", user_id=None, authority="vlaams", roles=frozenset()
    )
    phase = ["check"]
    writes = {"check": 0, "store": 0}

    @event.listens_for(database.engine, "before_cursor_execute")
    def _count_writes(_connection, _cursor, statement, *_args):
        if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes[phase[0]] += 1

    other = _other_writer(database_url)

    def write_meanwhile(number: int) -> None:
        if number == 700:  # past the first batch of the check
            with other.begin() as connection:
                connection.execute(
                    text(
                        "UPDATE services SET contact_phone = '02 555 01 01', "
                        "version = version + 1 WHERE id = :id"
                    ),
                    {"id": known_id},
                )

    def storing() -> None:
        phase[0] = "store"

    before = _count(app, Service)
    session = database.sessions()
    report = exchange.import_services(
        session, authority, rows, principal, dry_run=False, progress=write_meanwhile,
        storing=storing,
    )  # fmt: skip
    session.close()
    assert writes["check"] == 0, "nothing is written while the rows are checked"
    assert not report.committed
    assert [(p.row, p.code) for p in report.problems] == [(1, "changed_meanwhile")]
    assert _count(app, Service) == before, "all or nothing"

    # Sent again, the file is stored at once: a handful of statements for 1,200 rows.
    phase[0], writes["store"] = "check", 0
    session = database.sessions()
    report = exchange.import_services(
        session, authority, rows, principal, dry_run=False, storing=storing
    )
    assert report.committed and not report.problems
    session.commit()
    session.close()
    assert writes["check"] == 0
    assert 0 < writes["store"] <= 40
    assert _count(app, Service) == before + 1199
    with database.session() as db:
        kept = db.get(Service, known_id)
        assert kept.contact_phone == "02 555 01 01", "the other writer's change stays"
        assert "Gewijzigd" in json.dumps([kept.name_nl, kept.pending])
    other.dispose()
    database.engine.dispose()


def test_an_imports_write_takes_as_many_statements_for_500_rows_as_for_50(database_url):
    """SQLite has one writer at a time, from an import's first write to its commit. Written
    with a flush, 20,000 services held that lock 10 s (13 s for 20,000 changed ones: one
    UPDATE each, the audit listener, the unit of work), as long as another writer waits for
    it. Everything is prepared before the first write, which then takes a statement per kind
    of row, whatever the number of rows: created, changed, places added, removed and changed.
    """
    app = make_app(database_url)
    database = app.extensions["concerto.db"]
    authority = app.extensions["concerto.registry"].authorities["vlaams"]
    principal = Principal(
        channel="page", label="Lotte", user_id=None, authority="vlaams", roles=frozenset()
    )
    counting = [False]
    statements: list[str] = []

    @event.listens_for(database.engine, "before_cursor_execute")
    def _count(_connection, _cursor, statement, *_args):
        if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            counting[0] = True
        if counting[0]:
            statements.append(statement)

    def write(lines: list[str], header: str) -> list[str]:
        counting[0] = False
        statements.clear()
        rows = exchange.read_rows((header + "\n" + "\n".join(lines)).encode(), "x.csv")
        session = database.sessions()
        report = exchange.import_services(session, authority, rows, principal, dry_run=False)
        assert report.committed and not report.problems
        written = list(statements)
        session.commit()
        session.close()
        return written

    counts = {}
    for size in (50, 500):
        keys = [f"VG-S{size}-{n}" for n in range(size)]
        created = write(
            [f"{key},sport,Sport {key},Sport {key},haren" for key in keys],
            "external_id,category,name_nl,name_fr,prisons",
        )
        # Every row changed: half move to another prison (one place removed, one added),
        # half add one and change the schedule of the one they had.
        changed = write(
            [
                f"{key},sport,Nieuw {key},Sport {key},"
                + ("sint_gillis," if n % 2 else "haren|sint_gillis,FREQ=WEEKLY;BYDAY=MO")
                for n, key in enumerate(keys)
            ],
            "external_id,category,name_nl,name_fr,prisons,schedule",
        )
        counts[size] = (len(created), len(changed))
        with database.session() as db:
            stored = db.scalars(select(Service).where(Service.external_id.in_(keys))).all()
            assert len(stored) == size
            assert {s.name_nl for s in stored} == {f"Nieuw {key}" for key in keys}
            places = {s.external_id: sorted(p.prison_code for p in s.locations) for s in stored}
            assert places[keys[1]] == ["sint_gillis"]
            assert places[keys[0]] == ["haren", "sint_gillis"]
            renamed = db.scalars(
                select(AuditEntry.after).where(
                    AuditEntry.table_name == "services",
                    AuditEntry.action == "update",
                    AuditEntry.record_id.in_([str(s.id) for s in stored]),
                )
            ).all()
            assert sorted(after["name_nl"] for after in renamed) == sorted(
                f"Nieuw {key}" for key in keys
            ), "each change is audited"
    assert counts[50] == counts[500], counts
    assert max(counts[500]) <= 12, counts
    database.engine.dispose()


def test_a_service_added_while_an_import_prepares_its_write_leaves_both_stored(sqlite_url):
    """On SQLite the new services' ids are those after the highest, read before the write
    lock is taken and again once it is held: a service someone adds in between moves the
    import's new services on, instead of refusing the file."""
    app = make_app(sqlite_url)
    database = app.extensions["concerto.db"]
    authority = app.extensions["concerto.registry"].authorities["vlaams"]
    principal = Principal(
        channel="page", label="Lotte", user_id=None, authority="vlaams", roles=frozenset()
    )
    other = _other_writer(sqlite_url)
    prepare = exchange._Writes.prepare
    calls = []

    def prepare_with_someone_else(*args, **kwargs):
        if not calls:
            with other.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO services (authority_code, external_id, category, "
                        "domain_code, state, active, name_nl, target_groups, languages, "
                        "delivery, setting, access, free_of_charge, waiting_list, extra, "
                        "updated_at, version) SELECT authority_code, 'VG-ELSE', category, "
                        "domain_code, state, active, 'Iemand anders', target_groups, "
                        "languages, delivery, setting, access, free_of_charge, waiting_list, "
                        "extra, updated_at, 1 FROM services ORDER BY id LIMIT 1"
                    )
                )
        calls.append(args)
        return prepare(*args, **kwargs)

    rows = exchange.read_rows(
        b"external_id,category,name_nl,name_fr,prisons\n"
        + b"\n".join(f"VG-N{n},sport,Sport {n},Sport {n},haren".encode() for n in range(20)),
        "x.csv",
    )
    session = database.sessions()
    try:
        exchange._Writes.prepare = prepare_with_someone_else
        report = exchange.import_services(session, authority, rows, principal, dry_run=False)
    finally:
        exchange._Writes.prepare = prepare
    assert report.committed and not report.problems
    session.commit()
    session.close()
    assert len(calls) == 2, "prepared again with the ids after the other service's"
    with database.session() as db:
        names = dict(db.execute(select(Service.external_id, Service.name_nl)).all())
        assert names["VG-ELSE"] == "Iemand anders"
        assert all(names[f"VG-N{n}"] == f"Sport {n}" for n in range(20))
        created = db.scalars(
            select(AuditEntry.after).where(
                AuditEntry.table_name == "services", AuditEntry.action == "create"
            )
        ).all()
        ids = {after["external_id"]: after["id"] for after in created}
        stored = dict(db.execute(select(Service.external_id, Service.id)).all())
        assert all(ids[f"VG-N{n}"] == stored[f"VG-N{n}"] for n in range(20))
    other.dispose()
    database.engine.dispose()
