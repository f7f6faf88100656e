"""Every import job ends, in a final state with its reason in the reader's language (issue 18,
point 7): nested JSON, an unexpected error, a process killed mid-run (failed at the next
start-up, or said so by the job's page at once), and at start-up only the jobs nobody runs
any more are ended.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.clock import utcnow
from core.identity.models import Identity
from core.inventory import exchange, imports
from core.inventory.models import ImportJob, Service
from tests.conftest import FIVE, ROOT, make_app
from tests.import_jobs import _count, _finished, _job, _job_id, _send
from tests.logins import login


@pytest.fixture
def imports_app(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    imports.queue_of(application).stop()
    application.extensions["concerto.db"].engine.dispose()


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
