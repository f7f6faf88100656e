"""Test set-up: real SQLite and a real PostgreSQL server started here on loopback.

Each test gets a database of its own, cloned from a template that was migrated and seeded
once per run (a file copy for SQLite, CREATE DATABASE ... TEMPLATE for PostgreSQL), so the
tests are isolated and still fast.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from core import create_app
from core.cli import seed_everything, upgrade_all
from tests.postgres import PostgresServer, free_port

ROOT = Path(__file__).resolve().parent.parent
FIVE = ["cocom", "vlaams", "federatie_wb", "cocof", "justitie"]
# The demo's study day falls sixteen days after the day it is seeded (core.studyday.demo);
# its six sessions come first (ids 1-6), then the year before's (7-12, two with reports).
STUDY_YEAR = (date.today() + timedelta(days=16)).year
# Every page the platform renders, with who must be logged in to see it (None: anybody;
# "secretary", "administrator" or (authority, role), see tests/logins.py). The HTTP tests
# and the axe checks in Chromium both walk this list, so a new page is checked in three
# languages once it is added here.
PAGES = [
    ("/", None),
    ("/authorities", None),
    ("/reference", None),
    ("/plans", None),
    ("/plans/brussels_2014_2019", None),
    ("/login", None),
    ("/services", None),
    ("/services?q=drug&prison=haren&per_page=5", None),
    ("/services/1", None),
    ("/coverage", None),
    ("/organizations", None),
    ("/coverage?target_group=women&language=ar", None),
    ("/coverage?year=2021", None),  # Vorst and Berkendael open, Haren not yet
    ("/snapshots?from=2025&to=2026", None),
    ("/logged-out", None),
    *[(f"/authorities/{code}", None) for code in FIVE],
    *[(f"/{code}/", None) for code in FIVE],
    ("/account", ("vlaams", "coordinator")),
    # Changes as a feed (issue 23): a member keeps a private feed; a coordinator may not.
    ("/account/feed", ("cocof", "member")),
    ("/account/feed", ("vlaams", "coordinator")),
    # How a person is told (issue 21), from the account (a tampered settings link's page is
    # checked in tests/test_notifications.py and tests/e2e/test_notification_settings.py).
    ("/notifications/settings", ("cocof", "member")),
    # My work, as each role sees it (issue 21).
    ("/work", ("vlaams", "coordinator")),
    ("/work", ("cocof", "member")),
    ("/work", ("vlaams", "viewer")),
    ("/work", "secretary"),
    ("/work", "administrator"),
    ("/authorities/vlaams", ("vlaams", "coordinator")),
    ("/authorities/vlaams/edit", ("vlaams", "coordinator")),
    ("/services/new", ("vlaams", "coordinator")),
    ("/services/1/edit", ("vlaams", "coordinator")),
    ("/services/1/history", ("vlaams", "coordinator")),
    ("/services/review", ("cocof", "member")),
    # Keeping the inventory true (issue 23): the demo's bicycle repair training submitted by
    # the Flemish Community (62) and by COCOF (64), side by side; two published services of
    # Haren's social aid compared by anyone; what is still to confirm; reported errors.
    ("/services/62/compare/64", ("cocof", "member")),
    ("/services/1/compare/2", None),
    ("/services/1/reported", None),
    ("/services/verification", ("vlaams", "coordinator")),
    ("/services/verification", ("cocof", "member")),
    ("/services/verification?authority=cocof", "secretary"),
    ("/services/error-reports", ("vlaams", "coordinator")),
    ("/services/error-reports", "secretary"),
    ("/services/import", ("vlaams", "coordinator")),
    ("/organizations/new", ("vlaams", "coordinator")),
    ("/organizations/1/edit", ("vlaams", "coordinator")),
    ("/needs", ("vlaams", "viewer")),
    ("/needs/1", ("vlaams", "viewer")),
    ("/needs/new", ("cocof", "member")),
    ("/needs/1", "secretary"),
    # Signals and recommendations (issue 24): the demo's answered and published signal (1),
    # the one sent about housing (2), the draft (3); read-only for a member, kept by COCOM's
    # coordinator and the secretariat; the published summaries for anyone.
    ("/signals", ("vlaams", "viewer")),
    ("/signals", "secretary"),
    ("/signals/new", ("vlaams", "coordinator")),
    ("/signals/1", ("cocof", "member")),
    ("/signals/1", "secretary"),
    ("/signals/2", ("cocom", "coordinator")),
    ("/signals/public", None),
    ("/snapshots", "secretary"),
    ("/audit/", "secretary"),
    ("/admin/plugins", "administrator"),
    ("/admin/users", "administrator"),
    ("/meetings", ("cocof", "viewer")),
    ("/meetings/1", ("cocof", "viewer")),
    ("/meetings/1", "secretary"),
    ("/meetings/1/minutes", "secretary"),
    ("/meetings/1/edit", "secretary"),
    # The round of remarks on draft minutes (issue 21): the demo's working-group draft is the
    # first minutes; Lotte and Julien were present, the secretary reads what they see.
    ("/minutes/1/remarks", ("vlaams", "coordinator")),
    ("/minutes/1/remarks", ("cocof", "member")),
    ("/minutes/1/remarks", "secretary"),
    ("/agenda/1", "secretary"),
    ("/bodies/1", ("justitie", "member")),
    ("/bodies/1", "secretary"),
    ("/bodies/new", "secretary"),
    ("/bodies/1/edit", "secretary"),
    ("/bodies/1/members/new", "secretary"),
    ("/memberships/1", "secretary"),
    ("/bodies/1/series/new", "secretary"),
    ("/bodies/1/meetings/new", "secretary"),
    ("/meetings/new", "secretary"),
    ("/bodies/1/attendance", ("vlaams", "viewer")),
    # Bodies owned by an authority (issue 24): the Flemish plugin's Gemengde Commissie (4) and
    # the local policy team in Haren (8), kept by the Flemish coordinator, read by others.
    ("/bodies/4", ("vlaams", "coordinator")),
    ("/bodies/8", "secretary"),
    ("/bodies/new", ("vlaams", "coordinator")),
    ("/bodies/4/edit", ("vlaams", "coordinator")),
    ("/bodies/4/members/new", ("vlaams", "coordinator")),
    ("/actions", ("federatie_wb", "member")),
    ("/actions?status=overdue", "secretary"),
    ("/actions/1", ("vlaams", "coordinator")),
    ("/outbox", "secretary"),
    # Rooms in the prisons (issue 24, goal 6.3): the demo's five rooms in Haren (1-3) and
    # Saint-Gilles (4-5); read by everyone logged in, kept by the secretariat and coordinators.
    ("/rooms", ("vlaams", "viewer")),
    ("/rooms", "secretary"),
    ("/rooms/1", ("cocof", "member")),
    ("/rooms/1", ("vlaams", "coordinator")),
    ("/rooms/new", "secretary"),
    ("/rooms/4/edit", ("vlaams", "coordinator")),
    ("/rooms/1/book", ("vlaams", "coordinator")),
    ("/rooms/4/book", "secretary"),
    ("/rooms/prisons/haren", ("justitie", "viewer")),
    ("/rooms/prisons/sint_gillis", "secretary"),
    # Outside partners (issue 24, goal 5.2): the demo's five (1: the OCMW/CPAS, in the health
    # working group; 3: VDAB, in Dutch only); read by everyone logged in, kept by the
    # secretariat and the coordinators.
    ("/partners", ("vlaams", "viewer")),
    ("/partners", "secretary"),
    ("/partners/new", ("vlaams", "coordinator")),
    ("/partners/1/edit", "secretary"),
    ("/partners/3/edit", ("cocof", "coordinator")),
    ("/goals/1", None),
    ("/goals/7", None),
    ("/goals/7", ("cocof", "coordinator")),
    ("/plans/brussels_2014_2019/dashboard", None),
    ("/plan-actions/1", None),
    ("/plan-actions/1", ("vlaams", "coordinator")),
    ("/goals/7/actions/new", ("cocof", "coordinator")),
    ("/goals/9", "secretary"),
    ("/plans/brussels_2014_2019/years/2026", None),
    ("/plans/brussels_2014_2019/years/2026", "secretary"),
    ("/plans/new", "secretary"),
    ("/plans/brussels_2014_2019/import", "secretary"),
    # The Flemish plan 2015-2020 its plugin ships (issue 24), in Dutch only and flat: goals
    # 22 to 31 are its strategic options, 32 its goal 1 (contributing to Brussels 3.2); its
    # steps come first (45: goal 8's first step, with a milestone).
    ("/plans/vlaams_2015_2020", None),
    ("/plans/vlaams_2015_2020/dashboard", ("cocof", "member")),
    ("/goals/32", ("vlaams", "coordinator")),
    ("/goals/12", "secretary"),
    ("/plan-actions/45", ("vlaams", "coordinator")),
    ("/plans/new", ("vlaams", "coordinator")),
    ("/plans/vlaams_2015_2020/import", ("vlaams", "coordinator")),
    ("/plans/vlaams_2015_2020/years/2026", ("vlaams", "coordinator")),
    # Its local action plans, one a prison (flat, in Dutch, tied to the prison).
    ("/plans/vlaams_lap_haren_2017_2020", None),
    ("/plans/vlaams_lap_haren_2017_2020/dashboard", ("vlaams", "coordinator")),
    ("/plans/vlaams_lap_haren_2017_2020/years/2026", ("vlaams", "coordinator")),
    ("/plans/vlaams_lap_haren_2017_2020/import", ("vlaams", "coordinator")),
    ("/plans/vlaams_lap_sint_gillis_2017_2020", None),
    ("/plans/vlaams_lap_sint_gillis_2017_2020/dashboard", ("vlaams", "coordinator")),
    ("/plans/vlaams_lap_sint_gillis_2017_2020/years/2026", ("vlaams", "coordinator")),
    ("/plans/vlaams_lap_sint_gillis_2017_2020/import", ("vlaams", "coordinator")),
    # Events (issue 24): the demo's study day of STUDY_YEAR is event 1, the year before's 2;
    # then its trainings: 4 last year's, 5 the Flemish coordinator's, 6 soon and full.
    ("/events", None),
    ("/events?kind=training", ("vlaams", "coordinator")),
    ("/events/1", None),
    ("/events/1", ("vlaams", "coordinator")),
    ("/events/1", "secretary"),
    ("/events/2", None),
    ("/events/6", None),
    ("/events/5", ("vlaams", "coordinator")),
    ("/events/statistics", None),
    ("/events/1/participants", ("cocof", "viewer")),
    ("/events/1/registrations", "secretary"),
    ("/events/5/registrations", ("vlaams", "coordinator")),
    ("/events/1/check-in", "secretary"),
    ("/events/1/check-in?q=an", "secretary"),
    ("/events/new?kind=study_day", "secretary"),
    ("/events/new?kind=training", ("vlaams", "coordinator")),
    ("/events/1/edit", "secretary"),
    ("/events/5/edit", ("vlaams", "coordinator")),
    ("/events/1/sessions/new", "secretary"),
    ("/workshops/2/edit", "secretary"),
    ("/workshops/8/report", "secretary"),
    ("/links/search?q=overleg", ("vlaams", "coordinator")),
    ("/reports", ("vlaams", "coordinator")),
    ("/reports?year=2001", "administrator"),
    ("/authorities/vlaams/figures/staffing/2026", ("vlaams", "coordinator")),
    ("/authorities/justitie/figures/prison_statistics/2026", "secretary"),
    ("/authorities/federatie_wb/figures/activities/2026", ("cocom", "member")),
    ("/authorities/vlaams/figures/staffing/2014", ("vlaams", "coordinator")),
    ("/authorities/vlaams/figures/reach/2026", ("vlaams", "coordinator")),
    ("/authorities/vlaams/figures/budget/2026", ("vlaams", "coordinator")),
    ("/authorities/justitie/figures/prison_statistics/2013", ("justitie", "coordinator")),
    ("/authorities/cocom/figures/subsidies/2026", ("cocom", "coordinator")),
    # Webhooks (issue 23): the list, the form and the demo's webhook, as its authority's
    # coordinator and as an administrator.
    ("/webhooks", ("vlaams", "coordinator")),
    ("/webhooks", "administrator"),
    ("/webhooks/new", ("vlaams", "coordinator")),
    ("/webhooks/new", "administrator"),
    ("/webhooks/1", ("vlaams", "coordinator")),
    ("/webhooks/1/edit", "administrator"),
    ("/vlaams/placement-sites/apply", None),
    ("/vlaams/placement-sites", ("vlaams", "coordinator")),
    ("/vlaams/placement-sites", ("vlaams", "network_manager")),
]
BACKENDS = [b for b in os.environ.get("CONCERTO_TEST_DATABASES", "sqlite,postgresql").split(",")]


class EnglishClient(FlaskClient):
    """A test client whose browser asks for English, the language of the messages the tests
    read, unless a test picks another language or the person logged in has their own."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")


def ctrl_c_stops() -> None:
    """For ``subprocess.Popen(preexec_fn=ctrl_c_stops)`` of a server a test stops with
    SIGINT: Ctrl+C ends it as at a terminal, also when the suite itself runs in the
    background, where the shell has every child ignore SIGINT (the demo then never stops)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def free_ports(count: int) -> list[int]:
    """``count`` consecutive free ports (the demo puts its providers on consecutive ports)."""
    for _ in range(50):
        first = free_port()
        ports = list(range(first, first + count))
        if all(_is_free(port) for port in ports) and ports[-1] < 65536:
            return ports
    raise RuntimeError(f"no {count} consecutive free ports")


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def make_app(database_url: str, **extra):
    application = create_app(app_config(database_url, **extra))
    application.test_client_class = EnglishClient
    return application


def app_config(database_url: str, **extra) -> dict:
    return {
        "database_url": database_url,
        "plugins": FIVE,
        "secret_key": "test-secret",
        "development": True,
        # Tests log in far more often than people; the limit itself has its own test.
        "login_rate_limit": "1000 per minute",
        "anonymous_form_rate_limit": "1000 per minute",
    } | extra


# --- PostgreSQL --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres():
    server = PostgresServer()
    server.start()
    yield server
    server.stop()


# --- databases ---------------------------------------------------------------------------


def _migrate_and_seed(url: str) -> None:
    app = create_app(app_config(url))
    upgrade_all(app)
    seed_everything(app)
    app.extensions["concerto.db"].engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _migrate_and_seed(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres) -> str:
    postgres.execute("CREATE DATABASE concerto_template")
    _migrate_and_seed(postgres.url("concerto_template"))
    return "concerto_template"


def _fresh_database(backend: str, request, tmp_path) -> str:
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "concerto.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    server = request.getfixturevalue("postgres")
    template = request.getfixturevalue("postgres_template")
    name = f"test_{uuid.uuid4().hex[:12]}"
    server.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    return server.url(name)


def _empty_database(backend: str, request, tmp_path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    server = request.getfixturevalue("postgres")
    name = f"empty_{uuid.uuid4().hex[:12]}"
    server.execute(f"CREATE DATABASE {name}")
    return server.url(name)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(backend, request, tmp_path) -> str:
    """A migrated, seeded database of its own, on each backend in turn."""
    return _fresh_database(backend, request, tmp_path)


@pytest.fixture
def empty_database_url(backend, request, tmp_path) -> str:
    """An empty database (no tables), on each backend in turn."""
    return _empty_database(backend, request, tmp_path)


@pytest.fixture
def sqlite_url(request, tmp_path) -> str:
    """A migrated, seeded SQLite database, for tests about pages rather than storage."""
    return _fresh_database("sqlite", request, tmp_path)


@pytest.fixture(scope="session")
def providers():
    """A development OpenID provider per authority, for tests that need someone logged in."""
    from tests.logins import Providers

    running = Providers(FIVE, free_port)
    yield running
    running.stop()


@pytest.fixture
def app(sqlite_url, providers):
    application = make_app(sqlite_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def any_app(database_url, providers):
    """The application on SQLite and on PostgreSQL in turn, with the development providers:
    for what the database decides (storage, matching, counts)."""
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


@pytest.fixture
def receiver():
    """A webhook receiver on loopback (tests/test_webhooks_*.py)."""
    from tests.webhook_receiver import Receiver

    running = Receiver()
    yield running
    running.stop()


@pytest.fixture
def hook_app(database_url, providers):
    """An application allowed to send webhooks over plain HTTP to loopback."""
    from core.inventory import imports
    from tests.webhook_receiver import LOOPBACK

    application = make_app(
        database_url,
        webhook_allow_http=True,
        webhook_allowed_networks=LOOPBACK,
        **providers.settings(),
    )
    yield application
    imports.queue_of(application).stop()  # the import's worker, before its database goes
    application.extensions["concerto.db"].engine.dispose()


@pytest.fixture
def feeds_app(database_url, providers):
    """The change log's application (tests/test_changes_*.py), with two plugins that hear of
    every event, one of which always fails."""
    from core.inventory import imports

    application = make_app(
        database_url,
        plugins=[*FIVE, "zz_heard", "zz_failing"],
        extra_plugins=[
            "zz_heard = tests.fixture_plugins.events_heard",
            "zz_failing = tests.fixture_plugins.events_failing",
        ],
        metrics_token="metrics-secret",
        **providers.settings(),
    )
    yield application
    imports.queue_of(application).stop()
    application.extensions["concerto.db"].engine.dispose()


# --- the command line --------------------------------------------------------------------


def run_cli(
    *args: str, env: dict | None = None, cwd: Path | None = None, timeout: int = 120
) -> subprocess.CompletedProcess:
    """Run `concerto` as a user would, in a separate process."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CONCERTO_")}
    environment["PYTHONPATH"] = str(ROOT)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "core.cli", *args],
        env=environment,
        # Never the checkout itself: an instance/ folder left there by `concerto demo` would
        # lend the test its configuration.
        cwd=cwd or tempfile.mkdtemp(prefix="concerto-cli-"),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def shorten_long_terms(engine) -> None:
    """Going back below revision 0016 needs every plan step's term within the 100 characters
    0015 held, and the migration refuses to cut one (it would lose what was typed); the
    Flemish plan ships three longer terms as its seed wrote them, so a test that goes back
    that far shortens them first, as a person downgrading would."""
    from sqlalchemy import text

    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE plan_actions SET term_text = SUBSTR(term_text, 1, 100) "
                "WHERE LENGTH(term_text) > 100"
            )
        )


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


# tests/plugin_dist holds a plugin's distribution with its own tests; they run installed,
# from tests/test_plugin_lifecycle.py, never collected as part of the core's suite.
collect_ignore = ["plugin_dist"]
