"""Production on PostgreSQL with several app servers: two `concerto serve` processes (each
with two gunicorn workers) on loopback against one database serve the same people. A login
on one is honoured by the other, a form read on one is accepted by the other, and when one
dies the other goes on. Metrics add up across the workers of a server."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import pytest
import requests

from tests.conftest import FIVE, ROOT, _fresh_database, free_port, wait_for_port


def _serve(url: str, port: int, providers, tmp_path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCERTO_")}
    env |= {
        "PYTHONPATH": str(ROOT),
        "CONCERTO_DATABASE_URL": url,
        "CONCERTO_PLUGINS": ",".join(FIVE),
        "CONCERTO_SECRET_KEY": "one-secret-for-every-app-server-" * 2,
        "CONCERTO_PORT": str(port),
        "CONCERTO_WORKERS": "2",
        # Plain http on loopback: the session cookie may not be marked Secure here.
        "CONCERTO_DEVELOPMENT": "1",
        "CONCERTO_AUTHORITIES": json.dumps(providers.settings()["authorities"]),
        "CONCERTO_METRICS_TOKEN": "scrape",
    }
    folder = tmp_path / f"server-{port}"
    folder.mkdir()
    return subprocess.Popen(
        [sys.executable, "-m", "core.cli", "serve"],
        env=env,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def two_servers(request, tmp_path, providers):
    url = _fresh_database("postgresql", request, tmp_path)
    ports = [free_port(), free_port()]
    processes = [_serve(url, port, providers, tmp_path) for port in ports]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    for base in bases:
        providers.allow(base)
    try:
        for port in ports:
            wait_for_port(port, timeout=60)
        yield bases, processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)


def test_two_app_servers_serve_the_same_people(two_servers):
    (first, second), processes = two_servers
    browser = requests.Session()
    browser.headers["Accept-Language"] = "en"
    landed = browser.get(
        f"{first}/auth/cocof/login?login_hint=cocof-camille&next=/account", timeout=30
    )
    assert landed.status_code == 200 and landed.url == f"{first}/account"
    # The next request goes to the other server: same session, same person.
    account = browser.get(f"{second}/account", timeout=30)
    assert account.status_code == 200 and account.url == f"{second}/account"
    name = re.search(r'<a href="/account">([^<]+)<span', account.text).group(1)
    assert name in landed.text
    # A form read from one server is sent to the other (CSRF and session are shared).
    page = browser.get(f"{first}/account", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    made = browser.post(
        f"{second}/account/tokens",
        data={
            "csrf_token": token,
            "name": "from-two-servers",
            "roles": "coordinator",
            "expires_days": "3",
        },
        timeout=30,
    )
    assert made.status_code == 200 and "cct_" in made.text
    # One server dies; the other goes on with the same session.
    processes[0].kill()
    processes[0].wait(timeout=30)
    again = browser.get(f"{second}/account", timeout=30)
    assert again.status_code == 200 and "from-two-servers" in again.text
    metrics = requests.get(
        f"{second}/metrics", headers={"Authorization": "Bearer scrape"}, timeout=30
    ).text
    served = sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith(
            'concerto_http_requests_total{method="GET",route="/account",status="200"}'
        )
    )
    assert served >= 2  # counted by whichever worker answered, added up
