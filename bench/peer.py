"""A peer side by side: Datasette serving the same services, driven through its JSON API with
the same filter and page size as Concerto's filtered API page.

Datasette reads SQLite only, so for either database under test the published services are
copied, with their prisons, into one SQLite table indexed for the filter and the order; that
is the best case for the peer (one table, no rights, no languages, no facets). It runs from
its own virtual environment (`./dev bench` makes it: `.venv-bench-peer`), so that its
dependencies never mix with the platform's lock."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
PEER_VENV = Path(os.environ.get("BENCH_PEER_VENV", ROOT / ".venv-bench-peer"))
PEER_FILTER = "domain_code=sport&prison_code=haren&_size=25&_sort=name_nl&_shape=objects"

ROWS = text(
    "SELECT s.id, s.name_nl, s.name_fr, s.name_en, s.domain_code, l.prison_code, "
    "s.authority_code FROM services s JOIN service_locations l ON l.service_id = s.id "
    "WHERE s.published_at IS NOT NULL AND s.active"
)


def datasette() -> Path | None:
    program = PEER_VENV / "bin" / "datasette"
    return program if program.exists() else None


def copy_for_peer(url: str, folder: Path) -> Path:
    """The published services with their prisons as one SQLite table, indexed for the page."""
    path = folder / "peer.db"
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(ROWS).all()
    engine.dispose()
    with sqlite3.connect(path) as peer:
        peer.execute(
            "CREATE TABLE services (id INTEGER, name_nl TEXT, name_fr TEXT, name_en TEXT, "
            "domain_code TEXT, prison_code TEXT, authority_code TEXT)"
        )
        peer.executemany("INSERT INTO services VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        peer.execute("CREATE INDEX services_page ON services (domain_code, prison_code, name_nl)")
        peer.execute("ANALYZE")
    return path


def serve_peer(path: Path, port: int) -> tuple[subprocess.Popen, str]:
    program = datasette()
    process = subprocess.Popen(
        [str(program), "serve", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2):
                return process, base
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("datasette did not start")


def peer_figures(url: str, folder: Path, port: int, load, seconds: float) -> dict | None:
    """The peer's filtered page of 25 under the same load as Concerto's (``load`` is the
    harness's), or None when the peer is not installed."""
    if datasette() is None:
        print(f"no Datasette in {PEER_VENV}: the peer is left out (./dev bench makes it)")
        return None
    process, base = serve_peer(copy_for_peer(url, folder), port)
    try:
        address = f"{base}/peer/services.json?{PEER_FILTER}"
        with urllib.request.urlopen(address, timeout=30) as answer:
            answer.read()  # warm, and fail here rather than measure error pages
        return load(address, seconds) | {"tool_version": _version(base)}
    finally:
        process.terminate()
        process.wait(timeout=30)


def _version(base: str) -> str:
    with urllib.request.urlopen(f"{base}/-/versions.json", timeout=5) as answer:
        return json.load(answer)["datasette"]["version"]


if __name__ == "__main__":  # copy a database for a look at the peer by hand
    print(copy_for_peer(sys.argv[1], Path(sys.argv[2])))
