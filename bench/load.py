"""Load on a served page (wrk, or a small Python load generator when wrk is missing), the
median time of an action, and the stamp of a run (date, commit, machine)."""

from __future__ import annotations

import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).with_name("latency.lua")


def load(
    url: str, seconds: float, connections: int = 8, cookie: str | None = None, fresh=False
) -> dict:
    """Requests per second and p50/p95 latency in ms; with ``cookie``, as that session;
    ``fresh``: each request a page of its own (a query value no other request has), so that
    none is answered from the cache of public pages."""
    if shutil.which("wrk"):
        header = ["-H", f"Cookie: {cookie}"] if cookie else []
        duration = f"-d{max(1, round(seconds))}s"
        result = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", duration, *header, "-s", str(LUA), url],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ | ({"BENCH_FRESH": "1"} if fresh else {}),
        )
        values = dict(re.findall(r"^(rps|p50|p95|errors) ([\d.]+)$", result.stdout, re.MULTILINE))
        return {
            "rps": float(values["rps"]),
            "p50_ms": float(values["p50"]) / 1000,
            "p95_ms": float(values["p95"]) / 1000,
            "errors": int(float(values["errors"])),
            "tool": "wrk",
        }
    return _python_load(url, seconds, connections, cookie, fresh)


def _python_load(url: str, seconds: float, connections: int, cookie, fresh: bool) -> dict:
    latencies: list[float] = []
    errors = [0]
    deadline = time.monotonic() + seconds

    def worker() -> None:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                address = f"{url}&fresh={secrets.randbelow(10**9)}" if fresh else url
                asked = urllib.request.Request(
                    address, headers={"Cookie": cookie} if cookie else {}
                )
                with urllib.request.urlopen(asked, timeout=30) as answer:
                    answer.read()
            except OSError:
                errors[0] += 1
                continue
            latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(latencies)
    return {
        "rps": len(ordered) / seconds,
        "p50_ms": ordered[len(ordered) // 2] * 1000 if ordered else None,
        "p95_ms": ordered[int(len(ordered) * 0.95)] * 1000 if ordered else None,
        "errors": errors[0],
        "tool": "python",
    }


def median_seconds(action, repeat: int = 7) -> float:
    action()  # warm caches and the query planner
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def stamp() -> dict:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
        ).stdout.strip(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.platform()}",
    }
