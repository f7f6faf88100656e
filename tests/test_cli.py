"""The `concerto` command as a user runs it, in separate processes."""

from __future__ import annotations

import html
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request

import requests

from tests.conftest import (
    FIVE,
    ROOT,
    ctrl_c_stops,
    free_port,
    free_ports,
    run_cli,
    wait_for_port,
)


def test_plugins_json_lists_the_five_enabled_at_head(database_url):
    result = run_cli(
        "plugins",
        "--json",
        env={"CONCERTO_DATABASE_URL": database_url, "CONCERTO_PLUGINS": ",".join(FIVE)},
    )
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert sorted(rows) == sorted(FIVE)
    for code in FIVE:
        row = rows[code]
        assert row["status"] == "enabled"
        assert row["version"] == {"vlaams": "1.2.0"}.get(code, "1.0.0")
        # The two that ship data (hook shipped_data) target API 1.2, the others 1.0.
        assert row["api_version"] == {"vlaams": "1.2", "justitie": "1.2"}.get(code, "1.0")
        assert row["distribution"] == f"concerto-{code.replace('_', '-')}"
        assert "register_authorities" in row["hooks"]
        assert row["migration"]["at_head"] is True
        heads = {"vlaams": "vlaams_0004", "justitie": "justitie_0002"}
        assert row["migration"]["current"] == heads.get(code, f"{code}_0001")


def test_serve_refuses_a_database_that_is_behind_and_names_the_command(empty_database_url):
    result = run_cli(
        "serve",
        env={
            "CONCERTO_DATABASE_URL": empty_database_url,
            "CONCERTO_PLUGINS": ",".join(FIVE),
            "CONCERTO_SECRET_KEY": "x" * 32,
        },
    )
    assert result.returncode == 1
    assert "The database is behind" in result.stderr
    assert "concerto db upgrade" in result.stderr


def test_serve_refuses_to_run_without_a_secret_key(database_url):
    result = run_cli(
        "serve",
        env={"CONCERTO_DATABASE_URL": database_url, "CONCERTO_PLUGINS": ",".join(FIVE)},
        timeout=20,
    )
    assert result.returncode == 1
    assert "secret_key" in result.stderr


def test_serve_runs_gunicorn_on_an_upgraded_database(database_url, tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCERTO_")}
    env |= {
        "PYTHONPATH": str(ROOT),
        "CONCERTO_DATABASE_URL": database_url,
        "CONCERTO_PLUGINS": ",".join(FIVE),
        "CONCERTO_SECRET_KEY": "x" * 32,
        "CONCERTO_PORT": str(port),
        "CONCERTO_WORKERS": "2",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "serve"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            body = json.load(answer)
        assert body["status"] == "ok"
        assert answer.headers["Strict-Transport-Security"].startswith("max-age=")
        # Production starts no development provider: nobody is configured, nobody offered.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10) as answer:
            page = answer.read().decode()
        assert "login_hint" not in page and "/auth/vlaams/login" not in page
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=90)  # a job running at the stop (the notifier, webhooks) ends first


def test_the_demo_sets_itself_up_and_answers_in_three_languages(tmp_path):
    port, first_provider_port = free_ports(1)[0], free_ports(5)[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCERTO_")}
    env["PYTHONPATH"] = str(ROOT)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "core.cli",
            "demo",
            "--port",
            str(port),
            "--providers-port",
            str(first_provider_port),
        ],
        cwd=tmp_path,
        env=env,
        preexec_fn=ctrl_c_stops,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, timeout=60)
        for language, phrase in [
            ("nl", "Vijf overheden"),
            ("fr", "Cinq autorités"),
            ("en", "Five authorities"),
        ]:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/", headers={"Accept-Language": language}
            )
            with urllib.request.urlopen(request, timeout=10) as answer:
                assert phrase in answer.read().decode()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            health = json.load(answer)
        assert health["scheduler"] == "running"
        assert all(health["plugins"][code]["status"] == "enabled" for code in FIVE)
        # A newcomer logs in as a Flemish coordinator and as a COCOF member, each through
        # their own authority's provider, and sees different rights.
        base = f"http://127.0.0.1:{port}"
        login_page = requests.get(f"{base}/login", headers={"Accept-Language": "en"}).text
        rights = {}
        for subject in ("vlaams-lotte", "cocof-julien"):
            link = re.search(rf'href="(/auth/\w+/login\?[^"]*login_hint={subject})"', login_page)
            browser = requests.Session()
            browser.headers["Accept-Language"] = "en"
            browser.get(f"{base}/language/en")
            landed = browser.get(base + html.unescape(link.group(1)))
            assert landed.url == f"{base}/work", landed.text[:500]  # My work after a login
            account = browser.get(f"{base}/account")
            assert account.url == f"{base}/account", account.text[:500]
            issuer = re.search(r"<code>(http://127.0.0.1:\d+)</code>", account.text).group(1)
            profile = browser.get(f"{base}/authorities/{subject.split('-')[0]}").text
            rights[subject] = (issuer, "Edit the profile" in profile)
        assert rights["vlaams-lotte"][1] is True and rights["cocof-julien"][1] is False
        assert rights["vlaams-lotte"][0] != rights["cocof-julien"][0], "two issuers"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=90)  # a job running at the stop (the notifier, webhooks) ends first
    assert (tmp_path / "instance" / "demo.db").exists()
    # The configuration the demo wrote serves the other commands run from the same folder.
    result = run_cli("plugins", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert all(row["status"] == "enabled" and row["migration"]["at_head"] for row in rows)
    assert sorted(row["name"] for row in rows) == sorted(FIVE)


def test_seed_demo_refuses_a_database_that_is_behind(empty_database_url):
    result = run_cli(
        "seed",
        "demo",
        env={"CONCERTO_DATABASE_URL": empty_database_url, "CONCERTO_PLUGINS": ",".join(FIVE)},
    )
    assert result.returncode == 1
    assert "concerto db upgrade" in result.stderr
