"""The `concerto` command as a user runs it, in separate processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request

from tests.conftest import FIVE, ROOT, free_port, run_cli, wait_for_port


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
        assert row["version"] == "1.0.0"
        assert row["api_version"] == "1.0"
        assert row["distribution"] == f"concerto-{code.replace('_', '-')}"
        assert "register_authorities" in row["hooks"]
        assert row["migration"]["at_head"] is True
        assert row["migration"]["current"] == f"{code}_0001"


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
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def test_the_demo_sets_itself_up_and_answers_in_three_languages(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCERTO_")}
    env["PYTHONPATH"] = str(ROOT)
    process = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "demo", "--port", str(port)],
        cwd=tmp_path,
        env=env,
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
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
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
