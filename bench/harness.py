"""Benchmarks of the inventory at scale, as ratios against their floors.

For each database (SQLite, PostgreSQL) and each size (1,000, 10,000, 50,000 services) the
harness seeds a fresh database with `seed synthetic`, starts `concerto serve` (gunicorn, 2
workers) on loopback, drives it with wrk (or a small Python load generator when wrk is
missing) and measures:

1. a filtered inventory page of 25 (API and HTML) against /healthz of the same server;
2. full-text search, the same way: a plain word ("atelier") in the API and the page, and a
   word the synonyms widen ("emploi": 40 terms, a domain and categories) in the page;
3. the coverage matrix against the same SQL aggregate run directly;
4. the full HSDS export and each file export (CSV, XLSX, ODS, JSON) against a plain SQL
   fetch of the same rows, with the peak memory of the exporting process;
5. SQL statements per request for pages of 25 and of 250;
6. how each figure grows from 1k to 10k to 50k (the growth exponent).

A second case, "burst", starts `concerto demo` (SQLite, its own server) on loopback and sends
200 new visitors at once to the study day's page, each on its own connection without a
cookie, as a crowd following a link would: every one must get its page (no error), and the
figures are how long they waited and how many session rows they cost.

Run with `concerto bench` (or `./dev bench`, which also installs wrk and PostgreSQL);
`--cases burst` runs the burst alone and keeps the other figures of the last run.
Results: bench/RESULTS.md and bench/results.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

# bench/ is run as a script: its folder is on the path.
from burst import BURST_VISITORS, demo_burst
from load import load, median_seconds, stamp
from peer import peer_figures
from report import markdown
from sqlalchemy import event, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import create_app  # noqa: E402
from core.cli import seed_everything, upgrade_all  # noqa: E402
from core.identity.models import BrowserSession  # noqa: E402
from core.identity.oidc import VerifiedLogin  # noqa: E402
from core.identity.services import sign_in  # noqa: E402
from core.inventory.synthetic import seed_synthetic  # noqa: E402
from tests.postgres import PostgresServer, free_port  # noqa: E402

FIVE = ["cocom", "vlaams", "federatie_wb", "cocof", "justitie"]
COORDINATOR = ("vlaams", "vlaams-lotte")
PAGE_FILTER = "domain=sport&prison=haren&per_page=25"


# --- one database, one size -------------------------------------------------------------------


def prepare(url: str, size: int) -> None:
    app = create_app({"database_url": url, "plugins": FIVE, "secret_key": "bench"})
    upgrade_all(app)
    seed_everything(app)  # the demo inventory: 62 services
    with app.extensions["concerto.db"].session() as session:
        seed_synthetic(session, app.extensions["concerto.registry"], max(0, size - 62))
    app.extensions["concerto.db"].engine.dispose()


def coordinator_cookie(url: str) -> str:
    """The session cookie of a Flemish coordinator (the demo's Lotte), as a login through
    her authority's provider leaves it: her identity signed in with the claims the plugin's
    demo provider gives, and a server-side session row naming her."""
    app = create_app({"database_url": url, "plugins": FIVE, "secret_key": "bench"})
    authority, subject = COORDINATOR
    claims = next(
        person
        for person in app.extensions["concerto.registry"]
        .authorities[authority]
        .oidc_defaults["demo_users"]
        if person["sub"] == subject
    )
    login = VerifiedLogin(authority, f"https://{authority}.bench.invalid", subject, claims, "")
    session_id = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with app.extensions["concerto.db"].session() as db:
        user, identity = sign_in(db, app.extensions["concerto.registry"], login)
        data = {"user_id": user.id, "identity_id": identity.id, "logged_in_at": time.time()}
        db.add(
            BrowserSession(
                id_hash=hashlib.sha256(session_id.encode()).hexdigest(),
                data=json.dumps(data),
                user_id=user.id,
                created_at=now,
                last_seen_at=now,
            )
        )
    app.extensions["concerto.db"].engine.dispose()
    return f"{app.config['SESSION_COOKIE_NAME']}={session_id}"


def serve(url: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCERTO_")}
    env |= {
        "PYTHONPATH": str(ROOT),
        "CONCERTO_DATABASE_URL": url,
        "CONCERTO_PLUGINS": ",".join(FIVE),
        "CONCERTO_SECRET_KEY": "bench-secret",
        "CONCERTO_PORT": str(port),
        "CONCERTO_WORKERS": "2",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "serve"],
        env=env,
        cwd=tempfile.mkdtemp(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                return process, base
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("concerto serve did not start")


def statements(url: str) -> dict:
    """SQL statements per request, for pages of 25 and of 250."""
    app = create_app({"database_url": url, "plugins": FIVE, "secret_key": "bench"})
    client = app.test_client()
    engine = app.extensions["concerto.db"].engine
    counted: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: counted.append(args[2]))
    found = {}
    for path in ("/services", "/api/v1/services", "/hsds/services"):
        for size in (25, 250):
            client.get(f"{path}?per_page={size}&fresh=1")  # warm
            counted.clear()
            # A page made anew (another query value), not one the cache of pages answers.
            client.get(f"{path}?per_page={size}&fresh=2")
            found[f"{path}?per_page={size}"] = len(counted)
    engine.dispose()
    return found


def coverage_figures(url: str, base: str) -> dict:
    app = create_app({"database_url": url, "plugins": FIVE, "secret_key": "bench"})
    engine = app.extensions["concerto.db"].engine
    aggregate = text(
        "SELECT l.prison_code, s.domain_code, COUNT(*) FROM service_locations l "
        "JOIN services s ON s.id = l.service_id "
        "WHERE s.published_at IS NOT NULL AND s.active "
        "GROUP BY l.prison_code, s.domain_code"
    )

    def direct() -> None:
        with engine.connect() as connection:
            connection.execute(aggregate).all()

    def page() -> None:
        with urllib.request.urlopen(f"{base}/api/v1/coverage", timeout=60) as answer:
            answer.read()

    sql, http = _alternated(direct, page, repeat=7)
    engine.dispose()
    return {"sql_ms": sql * 1000, "api_ms": http * 1000, "ratio": http / sql}


# The peak is read from VmHWM, the high-water mark of this process's own memory. Linux's
# ru_maxrss carries the parent's resident size over fork and exec, so a parent that had just
# fetched 50,000 rows made the export look as if it grew with the inventory.
WRITE_SCRIPT = """
import resource, sys
sys.path.insert(0, {root!r})
from core import create_app
{imports}
app = create_app({{"database_url": {url!r}, "plugins": {five!r}, "secret_key": "bench"}})
with app.extensions["concerto.db"].session() as session:
    size = 0
    for chunk in {chunks}:
        size += len(chunk)
try:
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(size, peak)
"""


def _written(url: str, imports: str, chunks: str) -> tuple[int, float]:
    """The bytes ``chunks`` (an expression of ``session`` and ``app``) add up to, written in
    a process of its own, and that process's peak memory in MiB."""
    script = WRITE_SCRIPT.format(root=str(ROOT), url=url, five=FIVE, imports=imports, chunks=chunks)
    process = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    size, peak_kib = process.stdout.split()
    return int(size), int(peak_kib) / 1024


def _plain_fetch(url: str, condition: str):
    """A plain fetch of the services ``condition`` keeps, with their places: what an export
    of them costs at least (a callable), and the engine to dispose of afterwards."""
    app = create_app({"database_url": url, "plugins": FIVE, "secret_key": "bench"})
    engine = app.extensions["concerto.db"].engine
    plain = text(
        "SELECT s.*, l.* FROM services s LEFT JOIN service_locations l "
        f"ON l.service_id = s.id WHERE {condition} ORDER BY s.id"
    )

    def fetch() -> None:
        with engine.connect() as connection:
            for _row in connection.execute(plain):
                pass

    return fetch, engine


def _downloader(address: str):
    def download() -> None:
        with urllib.request.urlopen(address, timeout=600) as answer:
            while answer.read(1 << 16):
                pass

    return download


def _alternated(fetch, download, repeat: int = 5) -> tuple[float, float]:
    """The least time of the fetch and of the download, each timed ``repeat`` times in
    turn after one of each to warm up. This machine's speed drifts by a third between
    minutes (the same fetch: 415 then 675 ms): two medians taken a minute apart made the
    ratio drift as much; taken in turn, both see the same machine, and the least time is
    the one least disturbed (as timeit reports)."""
    fetch()
    download()
    fetched, downloaded = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        fetch()
        fetched.append(time.perf_counter() - started)
        started = time.perf_counter()
        download()
        downloaded.append(time.perf_counter() - started)
    return min(fetched), min(downloaded)


def export_figures(url: str, base: str) -> dict:
    fetch, engine = _plain_fetch(url, "s.published_at IS NOT NULL")
    try:
        sql, http = _alternated(fetch, _downloader(f"{base}/hsds/export.json?lang=nl"))
    finally:
        engine.dispose()
    size, peak = _written(
        url,
        "from core.inventory import hsds",
        'hsds.export(session, app.extensions["concerto.registry"], "nl")',
    )
    return {
        "sql_ms": sql * 1000,
        "export_ms": http * 1000,
        "ratio": http / sql,
        "bytes": size,
        "peak_rss_mib": peak,
    }


FILE_FORMATS = ("csv", "xlsx", "ods", "json")


def file_export_figures(url: str, base: str) -> dict:
    """Each file export (/services/export.<fmt>: every published service) against a plain
    SQL fetch of the same rows (the published, active services and their places), with the
    peak memory of a process that writes it."""
    fetch, engine = _plain_fetch(url, "s.published_at IS NOT NULL AND s.active")
    figures: dict = {"formats": {}}
    try:
        for fmt in FILE_FORMATS:
            sql, http = _alternated(fetch, _downloader(f"{base}/services/export.{fmt}"))
            size, peak = _written(
                url,
                "from core.inventory.export import FORMATS, Exported\n"
                "from core.inventory.services import Filters",
                f"FORMATS[{fmt!r}][0](Exported(session, Filters(public_only=True)))",
            )
            figures["formats"][fmt] = {
                "ms": http * 1000,
                "fetch_ms": sql * 1000,
                "ratio": http / sql,
                "bytes": size,
                "peak_rss_mib": peak,
            }
    finally:
        engine.dispose()
    figures["sql_ms"] = min(m["fetch_ms"] for m in figures["formats"].values())
    return figures


def first_search_figures(base: str) -> dict:
    """The everyday searches (tests/search_queries.toml, Dutch and French), each asked once
    on the search page, one after the other: what a search costs the first time anyone asks
    it after a change (the full-text index asked, what it found ordered and counted), not
    the kept answer a repeated search gets."""
    queries = tomllib.loads((ROOT / "tests" / "search_queries.toml").read_text())
    times = []
    for language in ("nl", "fr"):
        for item in queries[language]:
            address = f"{base}/services?" + urllib.parse.urlencode({"q": item["q"], "per_page": 25})
            asked = urllib.request.Request(address, headers={"Accept-Language": language})
            started = time.perf_counter()
            with urllib.request.urlopen(asked, timeout=60) as answer:
                answer.read()
            times.append((time.perf_counter() - started) * 1000)
    ordered = sorted(times)
    return {
        "searches": len(ordered),
        "p50_ms": ordered[len(ordered) // 2],
        "p90_ms": ordered[int(len(ordered) * 0.9)],
        "max_ms": ordered[-1],
    }


BAD_INPUT = {
    "q of 10,000 characters": "q=" + "werk+" * 2000,
    "200 filter values": "&".join(f"domain=d{i}" for i in range(200)),
    "page 10^9": "page=1000000000&per_page=250",
    "unknown sort": "sort=nonsense",
}


def bad_input_figures(base: str) -> dict:
    """Each crafted query on the filtered page and its API: the status and the median time
    of five requests, one after the other (a crafted request must cost no more than a page)."""
    figures = {}
    for name, query in BAD_INPUT.items():
        for path in ("/services", "/api/v1/services"):
            statuses: list[int] = []

            def ask(address=f"{base}{path}?{query}", statuses=statuses) -> None:
                try:
                    with urllib.request.urlopen(address, timeout=60) as answer:
                        answer.read()
                        statuses.append(answer.status)
                except urllib.error.HTTPError as error:
                    statuses.append(error.code)

            figures[f"{path} {name}"] = {
                "ms": median_seconds(ask, repeat=5) * 1000,
                "status": statuses[-1],
            }
    return figures


def measure(url: str, size: int, seconds: float) -> dict:
    started = time.perf_counter()
    prepare(url, size)
    seeded = time.perf_counter() - started
    cookie = coordinator_cookie(url)
    process, base = serve(url)
    try:
        floor = load(f"{base}/healthz", seconds)
        page_api = load(f"{base}/api/v1/services?{PAGE_FILTER}", seconds)
        page_html = load(f"{base}/services?{PAGE_FILTER}", seconds)
        # Before any of the searches below is asked (and kept): each everyday search once.
        first_searches = first_search_figures(base)
        # The same pages made anew for every request: what the cache saves, and whether
        # making one stays flat with size.
        page_api_fresh = load(f"{base}/api/v1/services?{PAGE_FILTER}", seconds, fresh=True)
        page_html_fresh = load(f"{base}/services?{PAGE_FILTER}", seconds, fresh=True)
        search_html_fresh = load(f"{base}/services?q=atelier&per_page=25", seconds, fresh=True)
        # A coordinator's page is never served from the cache of public pages.
        coordinator_html = load(f"{base}/services?{PAGE_FILTER}", seconds, cookie=cookie)
        search_api = load(f"{base}/api/v1/services?q=atelier&per_page=25", seconds)
        search_html = load(f"{base}/services?q=atelier&per_page=25", seconds)
        synonyms_html = load(f"{base}/services?q=emploi&per_page=25", seconds)
        coverage = coverage_figures(url, base)
        export = export_figures(url, base)
        file_exports = file_export_figures(url, base)
        bad_input = bad_input_figures(base)
    finally:
        process.terminate()
        process.wait(timeout=30)
    # The peer alone on the machine, as Concerto was: same filter, page size and load.
    peer = peer_figures(url, Path(tempfile.mkdtemp()), free_port(), load, seconds)
    if peer is not None:
        peer["concerto_ratio"] = page_api["rps"] / peer["rps"]
    return {
        "size": size,
        "seed_seconds": seeded,
        "healthz": floor,
        "page_api": page_api | {"ratio": page_api["rps"] / floor["rps"]},
        "page_html": page_html | {"ratio": page_html["rps"] / floor["rps"]},
        "page_api_fresh": page_api_fresh | {"ratio": page_api_fresh["rps"] / floor["rps"]},
        "page_html_fresh": page_html_fresh | {"ratio": page_html_fresh["rps"] / floor["rps"]},
        "search_html_fresh": search_html_fresh | {"ratio": search_html_fresh["rps"] / floor["rps"]},
        "coordinator_html": coordinator_html | {"ratio": coordinator_html["rps"] / floor["rps"]},
        "first_searches": first_searches,
        "search_api": search_api | {"ratio": search_api["rps"] / floor["rps"]},
        "search_html": search_html | {"ratio": search_html["rps"] / floor["rps"]},
        "synonyms_html": synonyms_html | {"ratio": synonyms_html["rps"] / floor["rps"]},
        "coverage": coverage,
        "export": export,
        "file_exports": file_exports,
        "peer": peer,
        "bad_input": bad_input,
        "statements": statements(url),
    }


# --- the whole run ---------------------------------------------------------------------------


def growth(runs: list[dict], pick) -> float | None:
    """The exponent k in time ~ size^k between the two largest sizes."""
    if len(runs) < 2:
        return None
    small, large = runs[-2], runs[-1]
    a, b = pick(small), pick(large)
    if not a or not b:
        return None
    return math.log(b / a) / math.log(large["size"] / small["size"])


def run(sizes: list[int], backends: list[str], seconds: float) -> dict:
    results: dict = stamp() | {
        "load_tool": "wrk" if shutil.which("wrk") else "python",
        "seconds_per_load": seconds,
        "backends": {},
    }
    postgres = None
    try:
        for backend in backends:
            runs = []
            for size in sizes:
                if backend == "sqlite":
                    folder = Path(tempfile.mkdtemp(prefix="concerto-bench-"))
                    url = f"sqlite:///{folder / 'bench.db'}"
                else:
                    if postgres is None:
                        postgres = PostgresServer()
                        postgres.start()
                    name = f"bench_{size}"
                    postgres.execute(f"DROP DATABASE IF EXISTS {name}")
                    postgres.execute(f"CREATE DATABASE {name}")
                    url = postgres.url(name)
                print(f"{backend} {size} services ...", flush=True)
                runs.append(measure(url, size, seconds))
            results["backends"][backend] = {
                "runs": runs,
                "growth": {
                    "page_api_p50": growth(runs, lambda r: r["page_api"]["p50_ms"]),
                    "page_html_p50": growth(runs, lambda r: r["page_html"]["p50_ms"]),
                    "page_api_fresh_p50": growth(runs, lambda r: r["page_api_fresh"]["p50_ms"]),
                    "page_html_fresh_p50": growth(runs, lambda r: r["page_html_fresh"]["p50_ms"]),
                    "search_html_fresh_p50": growth(
                        runs, lambda r: r["search_html_fresh"]["p50_ms"]
                    ),
                    "coordinator_html_p50": growth(runs, lambda r: r["coordinator_html"]["p50_ms"]),
                    "first_searches_p50": growth(runs, lambda r: r["first_searches"]["p50_ms"]),
                    "peer_p50": growth(runs, lambda r: (r.get("peer") or {}).get("p50_ms")),
                    "search_html_p50": growth(runs, lambda r: r["search_html"]["p50_ms"]),
                    "synonyms_html_p50": growth(runs, lambda r: r["synonyms_html"]["p50_ms"]),
                    "coverage": growth(runs, lambda r: r["coverage"]["api_ms"]),
                    "export": growth(runs, lambda r: r["export"]["export_ms"]),
                    "export_peak_rss": growth(runs, lambda r: r["export"]["peak_rss_mib"]),
                    **{
                        f"{fmt}_export_peak_rss": growth(
                            runs,
                            lambda r, fmt=fmt: r["file_exports"]["formats"][fmt]["peak_rss_mib"],
                        )
                        for fmt in FILE_FORMATS
                    },
                },
            }
    finally:
        if postgres is not None:
            postgres.stop()
    return results


def main(argv: list[str] | None = None) -> None:

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--output", default=str(Path(__file__).parent))
    parser.add_argument(
        "--cases",
        default="inventory,burst",
        help="inventory (the pages at scale), burst (new visitors on the demo), or both",
    )
    parser.add_argument("--visitors", type=int, default=BURST_VISITORS)
    args = parser.parse_args(argv)
    cases = set(args.cases.split(","))
    out = Path(args.output)
    # A case not run keeps the figures of the last run that measured it.
    saved = out / "results.json"
    results = json.loads(saved.read_text(encoding="utf-8")) if saved.exists() else {}
    if "inventory" in cases:
        burst_before = results.get("burst")
        results = run(
            [int(s) for s in args.sizes.split(",")], args.backends.split(","), args.seconds
        )
        if burst_before is not None:
            results["burst"] = burst_before
    if "burst" in cases:
        print(f"burst of {args.visitors} new visitors on the demo ...", flush=True)
        results["burst"] = demo_burst(args.visitors)
    (out / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    (out / "RESULTS.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))


if __name__ == "__main__":
    main()
