"""Issue 18, point 11: a burst of new visitors broke the demo server. 60 anonymous visitors
opening the study day at once got 43 answers of 500 after 60 s: Werkzeug's development
server gave each a thread, each new visitor's CSRF token wrote a session row through a second
database connection while the page held its first, and the pool of 15 ran dry.

Now an anonymous visit keeps its session in a signed cookie (no row until someone logs in),
SQLite takes its write lock at the first write (BEGIN IMMEDIATE) and gives up on it before a
request would give up on the pool, and the demo serves with a fixed pool of threads."""

from __future__ import annotations

import collections
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.orm import sessionmaker

from core.db import Database, make_engine
from core.identity.models import BrowserSession
from core.studyday.models import Registration, StudyDay
from tests.conftest import ROOT, ctrl_c_stops, free_ports, make_app, wait_for_port
from tests.logins import csrf_token, login


def _rows(app) -> int:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(func.count()).select_from(BrowserSession))


def _event(app) -> int:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(
            select(StudyDay.id).where(StudyDay.kind == "study_day").order_by(StudyDay.year.desc())
        )


@pytest.fixture
def visitor_app(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


# --- no row for an anonymous visit ---------------------------------------------------------


def test_an_anonymous_visit_to_public_pages_writes_no_session_row(visitor_app):
    client = visitor_app.test_client()
    event_id = _event(visitor_app)
    for path in ("/", f"/events/{event_id}", "/services", "/coverage"):
        assert client.get(path).status_code == 200, path
    # The study day's page holds the registration form, so the visitor now has a CSRF
    # token; it is kept in a signed cookie, not in a row.
    assert _rows(visitor_app) == 0
    assert "." in _cookie(client)
    # The language choice is kept the same way, for the next pages.
    assert client.get("/language/fr").status_code == 302
    assert "Journée d" in client.get(f"/events/{event_id}").get_data(as_text=True)
    assert _rows(visitor_app) == 0


def test_the_public_registration_form_works_with_the_token_of_the_signed_cookie(visitor_app):
    event_id = _event(visitor_app)
    visitor = visitor_app.test_client()
    token = csrf_token(visitor, f"/events/{event_id}")
    sent = {"name": "Inès Dubois", "email": "ines.burst@example.be", "language": "fr"}
    answer = visitor.post(f"/events/{event_id}/register", data={"csrf_token": token, **sent})
    assert answer.status_code == 201, answer.get_data(as_text=True)[:500]
    with visitor_app.extensions["concerto.db"].session() as db:
        stored = db.scalar(select(Registration).where(Registration.email == sent["email"]))
        assert stored is not None and stored.name == "Inès Dubois"
    assert _rows(visitor_app) == 0

    # Another visitor's token, or the right token with another cookie, is refused.
    stranger = visitor_app.test_client()
    stranger.get(f"/events/{event_id}")
    other = {"name": "Iemand", "email": "iemand.burst@example.be", "language": "nl"}
    refused = stranger.post(f"/events/{event_id}/register", data={"csrf_token": token, **other})
    assert refused.status_code == 400
    # A cookie changed by hand is no cookie: the token does not match a fresh visit either.
    forger = visitor_app.test_client()
    forger.set_cookie("session", _cookie(visitor)[:-4] + "AAAA")
    refused = forger.post(f"/events/{event_id}/register", data={"csrf_token": token, **other})
    assert refused.status_code == 400
    with visitor_app.extensions["concerto.db"].session() as db:
        assert db.scalar(select(Registration).where(Registration.email == other["email"])) is None


def test_a_signed_cookie_never_logs_anyone_in_and_a_login_moves_the_session_to_a_row(
    sqlite_url, providers
):
    app = make_app(sqlite_url, **providers.settings())
    client = app.test_client()
    client.get("/language/fr")
    signed = _cookie(client)
    assert "." in signed and _rows(app) == 0

    # Signed with the real key but holding a user: refused, since the cookie may only carry
    # what an anonymous visit keeps.
    interface = app.session_interface
    forged = interface._signer(app).dumps({"language": "fr", "user_id": 1, "identity_id": 1})
    intruder = app.test_client()
    intruder.set_cookie("session", forged)
    assert intruder.get("/account").status_code == 302

    login(client, "vlaams", "vlaams-lotte", language=None)
    value = _cookie(client)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", value), "a random id once logged in"
    assert _rows(app) == 1
    assert "Votre compte" in client.get("/account").get_data(as_text=True), "language kept"
    # The cookie from before the login gives nothing after it.
    stale = app.test_client()
    stale.set_cookie("session", signed)
    assert stale.get("/account").status_code == 302
    app.extensions["concerto.db"].engine.dispose()


def test_the_signed_cookie_has_the_same_strict_flags_as_a_session_id(sqlite_url):
    app = make_app(sqlite_url, development=False)
    answer = app.test_client().get(f"/events/{_event(app)}", base_url="https://localhost")
    header = answer.headers["Set-Cookie"]
    assert header.startswith("session=") and "." in header.split(";")[0]
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    assert "Cookie" in answer.headers["Vary"]
    app.extensions["concerto.db"].engine.dispose()


# --- short SQLite writes -------------------------------------------------------------------


def test_sqlite_takes_the_write_lock_at_the_first_write_and_waits_less_than_the_pool(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'locks.db'}")
    statements: list[str] = []
    event.listen(
        engine, "connect", lambda dbapi, _record: dbapi.set_trace_callback(statements.append)
    )
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    with engine.connect() as connection:
        busy_ms = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert 0 < busy_ms / 1000 < engine.pool.timeout()

    # A unit of work reads, then writes: the transaction starts at the write, immediate.
    statements.clear()
    Session = sessionmaker(bind=engine)
    with Session() as db:
        db.execute(text("SELECT n FROM counter")).scalar()
        db.execute(text("UPDATE counter SET n = n + 1"))
        db.commit()
    begins = [s for s in statements if s.startswith("BEGIN")]
    assert begins == ["BEGIN IMMEDIATE"]
    assert (
        statements.index("BEGIN IMMEDIATE") == statements.index("UPDATE counter SET n = n + 1") - 1
    )

    # While another writer holds the lock, readers go on and a writer waits its turn.
    holder = sqlite3.connect(tmp_path / "locks.db", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE counter SET n = n + 10")
    threading.Timer(1.0, lambda: holder.execute("COMMIT")).start()
    started = time.monotonic()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM counter")).scalar() == 1
        assert time.monotonic() - started < 0.5, "a reader is not held up by the writer"
        connection.execute(text("UPDATE counter SET n = n + 100"))
        connection.commit()
    assert time.monotonic() - started >= 0.9
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM counter")).scalar() == 111
    holder.close()
    engine.dispose()


def test_a_page_that_finds_every_connection_taken_answers_503(sqlite_url):
    app = make_app(sqlite_url)
    usual = app.extensions["concerto.db"].engine
    # A pool of one connection, taken: the page waits for it a moment, then gives up.
    engine = create_engine(usual.url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    app.extensions["concerto.db"] = Database(engine, sessionmaker(bind=engine))
    with engine.connect():
        answer = app.test_client().get("/services")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "60"
    assert "try again in a minute" in answer.get_data(as_text=True)
    engine.dispose()
    usual.dispose()


# --- the demo server under a burst ---------------------------------------------------------


def _visit(url: str, results: list, barrier: threading.Barrier) -> None:
    barrier.wait()
    try:
        with urllib.request.urlopen(url, timeout=120) as answer:
            answer.read()
            results.append(answer.status)
    except urllib.error.HTTPError as error:
        results.append(error.code)
    except OSError as error:
        results.append(type(error).__name__)


def test_a_burst_of_new_visitors_on_the_demo_all_get_their_page(tmp_path):
    port, first_provider_port = free_ports(1)[0], free_ports(5)[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCERTO_")}
    env["PYTHONPATH"] = str(ROOT)
    log = tmp_path / "demo.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "core.cli", "demo", "--port", str(port)]
            + ["--providers-port", str(first_provider_port)],
            cwd=tmp_path,
            env=env,
            preexec_fn=ctrl_c_stops,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    database = tmp_path / "instance" / "demo.db"
    try:
        wait_for_port(port, timeout=120)
        with sqlite3.connect(database) as db:
            event_id = db.execute(
                "SELECT id FROM study_days WHERE kind = 'study_day' ORDER BY year DESC LIMIT 1"
            ).fetchone()[0]
        # 120 new visitors at once, each on its own connection without a cookie, on the
        # page that broke: the study day with its registration form.
        visitors = 120
        results: list = []
        barrier = threading.Barrier(visitors)
        url = f"http://127.0.0.1:{port}/events/{event_id}"
        threads = [
            threading.Thread(target=_visit, args=(url, results, barrier)) for _ in range(visitors)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert collections.Counter(results) == {200: visitors}
        with sqlite3.connect(database) as db:
            assert db.execute("SELECT count(*) FROM browser_sessions").fetchone()[0] == 0
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=90)  # a job running at the stop (the notifier, webhooks) ends first
    assert "Traceback" not in log.read_text()
