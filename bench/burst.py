"""A burst of new visitors on the demo: `concerto demo` (SQLite, its own server) on loopback,
200 new visitors at once on the study day's page, each on its own connection without a
cookie: every one must get its page, and the figures are how long they waited and how many
session rows they cost."""

from __future__ import annotations

import collections
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from load import ROOT, stamp

BURST_VISITORS = 200


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def burst(url: str, visitors: int) -> dict:
    """``visitors`` requests released at the same moment, each on a new connection without a
    cookie; every status, and the latency of each in ms."""
    statuses: list = []
    latencies: list[float] = []
    barrier = threading.Barrier(visitors)

    def visit() -> None:
        barrier.wait()
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=180) as answer:
                answer.read()
                statuses.append(answer.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
        except OSError as error:  # refused, reset, timed out
            statuses.append(type(error).__name__)
        latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    threads = [threading.Thread(target=visit) for _ in range(visitors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(latencies)
    counted = collections.Counter(str(status) for status in statuses)
    return {
        "visitors": visitors,
        "statuses": dict(sorted(counted.items())),
        "errors": visitors - counted.get("200", 0),
        "p50_ms": ordered[len(ordered) // 2],
        "p95_ms": ordered[int(len(ordered) * 0.95)],
        "max_ms": ordered[-1],
        "wall_seconds": time.perf_counter() - started,
    }


def _consecutive_ports(count: int) -> int:
    """The first of ``count`` free consecutive ports (the demo's five identity providers)."""

    for _ in range(50):
        first = free_port()
        try:
            probes = []
            for port in range(first, first + count):
                probe = socket.socket()
                probes.append(probe)
                probe.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
    raise RuntimeError(f"no {count} consecutive free ports")


def demo_burst(visitors: int = BURST_VISITORS) -> dict:
    """Start `concerto demo` in a folder of its own, send the burst to this year's study day,
    count the session rows it left, stop the demo."""
    folder = Path(tempfile.mkdtemp(prefix="concerto-bench-demo-"))
    first_provider = _consecutive_ports(5)
    port = free_port()
    while first_provider <= port < first_provider + 5:
        port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCERTO_")}
    env["PYTHONPATH"] = str(ROOT)
    log = (folder / "demo.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "demo", "--port", str(port)]
        + ["--providers-port", str(first_provider)],
        env=env,
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1200):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("concerto demo did not start")
        database = folder / "instance" / "demo.db"
        with sqlite3.connect(database) as db:
            # The latest study day (issue 24: events by id; several trainings a year).
            event_id = db.execute(
                "SELECT id FROM study_days WHERE kind = 'study_day' ORDER BY year DESC LIMIT 1"
            ).fetchone()[0]
            before = db.execute("SELECT count(*) FROM browser_sessions").fetchone()[0]
        figures = burst(f"{base}/events/{event_id}", visitors)
        with sqlite3.connect(database) as db:
            after = db.execute("SELECT count(*) FROM browser_sessions").fetchone()[0]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        log.close()
    return (
        stamp() | {"page": f"/events/{event_id}", "session_rows_written": after - before} | figures
    )
