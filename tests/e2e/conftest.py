"""A live server in a thread and Debian's Chromium driven by Playwright (never a downloaded
browser), with axe-core from the npm package installed by `./dev test`."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from core import create_app
from tests.conftest import ROOT, app_config, free_port
from tests.logins import ADMINISTRATOR, PEOPLE, SECRETARY, grant

AXE = ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("Debian's chromium is not installed; `./dev test` installs it.")


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, sqlite_template, providers):
    path = tmp_path_factory.mktemp("live") / "concerto.db"
    shutil.copy(sqlite_template, path)
    app = create_app(app_config(f"sqlite:///{path}", **providers.settings()))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    providers.allow(base)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, base
    server.shutdown()


@pytest.fixture(scope="session")
def live_server(live_app):
    return live_app[1]


def browser_login(page, live_app, who) -> None:
    """Log the browser in through the real provider redirects, as a person would."""
    app, base = live_app
    authority, subject = {"secretary": SECRETARY, "administrator": ADMINISTRATOR}.get(
        who, (who[0], PEOPLE[who[0]][who[1]]) if isinstance(who, tuple) else (None, None)
    )
    page.goto(f"{base}/auth/{authority}/login?login_hint={subject}")
    page.wait_for_url(f"{base}/")
    if who in ("secretary", "administrator"):
        grant(app, authority, subject, who)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


def watch(page, problems: list[str]) -> None:
    """Collect script errors and CSP violations (the console) and failing assets (responses;
    the console also reports a 404 page itself, which some tests ask for)."""
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document"
            else None
        ),
    )


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="nl-BE")
    page = context.new_page()
    page.problems = []
    watch(page, page.problems)
    yield page
    context.close()


def run_axe(page) -> list[dict]:
    """WCAG 2.0 and 2.1, levels A and AA. Evaluated through the DevTools protocol, so the
    page's Content-Security-Policy stays in force for everything else."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(Path(AXE).read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]
