"""docs/deployment.md, run as written: every `$ concerto` line of the guide, in order, from
the demo's SQLite database to PostgreSQL, with a server and a scheduler that make /readyz
answer "ready", a backup, an upgrade of the core and of one plugin, a plugin taken back, and
a rollback by restore."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.request

from tests.conftest import (
    FIVE,
    ROOT,
    _empty_database,
    _fresh_database,
    free_port,
    run_cli,
    wait_for_port,
)

GUIDE = ROOT / "docs" / "deployment.md"
# What ./dev does on every machine before the tests run (a venv, the core and the plugins).
INSTALL = {
    "python3 -m venv /opt/concerto",
    "/opt/concerto/bin/pip install ./concerto ./concerto/plugins/*",
}


def guide_commands() -> list[str]:
    blocks = re.findall(r"```console\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    return [
        line[2:].strip() for block in blocks for line in block.splitlines() if line.startswith("$ ")
    ]


def _ready(port: int) -> dict:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as error:
        return json.load(error)


def test_the_deployment_guide_runs_as_written(request, tmp_path):
    commands = guide_commands()
    assert len(commands) >= 10
    assert {c for c in commands if not c.startswith(("concerto", "export"))} == INSTALL
    variables = {
        "DEMO_DATABASE": _fresh_database("sqlite", request, tmp_path),
        "PRODUCTION_DATABASE": _empty_database("postgresql", request, tmp_path),
        "ROLLBACK_DATABASE": _empty_database("postgresql", request, tmp_path),
    }
    env = {"CONCERTO_PLUGINS": ",".join(FIVE), "CONCERTO_SECRET_KEY": "s" * 64}
    served = []
    for command in commands:
        if command in INSTALL:
            continue
        words = shlex.split(command)
        if words[0] == "export":
            name, _, value = words[1].partition("=")
            env[name] = variables[value.removeprefix("$")]
            continue
        assert words[0] == "concerto", command
        if words[1] in ("serve", "scheduler"):
            served.append(_start(words[1:], env, tmp_path))
            continue
        result = run_cli(*words[1:], env=env, cwd=tmp_path, timeout=300)
        assert result.returncode == 0, f"{command}: {result.stderr[-2000:]}"
        if words[1:] == ["plugins", "--json"]:
            states = {p["name"]: p for p in json.loads(result.stdout)}
            assert {code: states[code]["status"] for code in FIVE} == dict.fromkeys(FIVE, "enabled")
            assert all(states[code]["migration"]["at_head"] for code in FIVE), result.stdout
        if len(served) == 2:
            _check_ready_then_stop(served)
            served = []
    assert served == []


def _start(arguments: list[str], env: dict, tmp_path) -> tuple[subprocess.Popen, int | None]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CONCERTO_")}
    environment |= env | {"PYTHONPATH": str(ROOT)}
    port = None
    if arguments[0] == "serve":
        port = free_port()
        environment["CONCERTO_PORT"] = str(port)
    process = subprocess.Popen(
        [sys.executable, "-m", "core.cli", *arguments],
        env=environment,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return process, port


def _check_ready_then_stop(served) -> None:
    try:
        port = next(port for _process, port in served if port)
        wait_for_port(port, timeout=60)
        deadline = time.monotonic() + 60
        while (state := _ready(port))["status"] != "ready":
            assert time.monotonic() < deadline, state
            time.sleep(0.5)
        assert state["migrations"] == "ok" and state["scheduler"] == "ok"
    finally:
        for process, _port in served:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
