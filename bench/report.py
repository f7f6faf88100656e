"""RESULTS.md from the figures of a bench run (bench/harness.py): the targets the figures are
held to, and a table per database."""

from __future__ import annotations

TARGETS = {
    "page_throughput_ratio": 0.5,  # at least half of /healthz
    "page_p95_ms": 50,
    "coordinator_ratio": 0.2,  # a logged-in coordinator's page, never cached
    "growth_exponent": 0.1,  # p50 ~ size^k from 10,000 to 50,000 services
    "coverage_ratio": 2.0,  # at most 2x the SQL aggregate
    "export_ratio": 3.0,  # at most 3x the plain fetch
    "search_p50_ms": 20,  # a search, p50
}


def _f(value, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def markdown(results: dict) -> str:
    lines = ["# Benchmark results"]
    if "backends" in results:
        lines += inventory_markdown(results)
    if "burst" in results:
        lines += burst_markdown(results["burst"])
    return "\n".join(lines) + "\n"


def burst_markdown(b: dict) -> list[str]:
    statuses = ", ".join(f"{status}: {count}" for status, count in b["statuses"].items())
    return [
        "",
        "## A burst of new visitors on the demo",
        "",
        f"Machine: {b['machine']}. Date: {b['date']}. Commit: `{b['commit']}`. "
        f"`concerto demo` (SQLite) on loopback; {b['visitors']} requests for `{b['page']}` "
        "released at the same moment, each on a new connection without a cookie.",
        "",
        "| visitors | answers by status | errors | p50 / p95 / max ms | all answered in s "
        "| session rows written |",
        "|---:|---|---:|---|---:|---:|",
        f"| {b['visitors']} | {statuses} | {b['errors']} | {_f(b['p50_ms'], 0)} / "
        f"{_f(b['p95_ms'], 0)} / {_f(b['max_ms'], 0)} | {_f(b['wall_seconds'])} | "
        f"{b['session_rows_written']} |",
    ]


def inventory_markdown(results: dict) -> list[str]:
    lines = [
        "",
        f"Machine: {results['machine']}. Date: {results['date']}. Commit: "
        f"`{results['commit']}`. Load: {results['load_tool']}, "
        f"{results['seconds_per_load']} s per figure, 8 connections, `concerto serve` with 2 "
        "gunicorn workers on loopback. Produced by `concerto bench`; the JSON beside this file "
        "holds every figure.",
        "",
        f"Targets at 50,000 services (issue 25): public pages ≥ "
        f"{TARGETS['page_throughput_ratio']} × /healthz throughput; a coordinator's filtered "
        f"page ≥ {TARGETS['coordinator_ratio']} × and p95 < {TARGETS['page_p95_ms']} ms; the "
        f"p50 of pages made anew growing with an exponent ≤ {TARGETS['growth_exponent']} from "
        f"10,000 to 50,000; coverage ≤ {TARGETS['coverage_ratio']} × the SQL aggregate; "
        f"exports ≤ {TARGETS['export_ratio']} × the plain fetch, peak memory flat; a search's "
        f"p50 < {TARGETS['search_p50_ms']} ms; the filtered API page at least as fast as the "
        "peer.",
        "",
        "What was measured before, what changed, and the gaps that remain: "
        "[HISTORY.md](HISTORY.md).",
    ]
    for backend, data in results["backends"].items():
        lines += [
            "",
            f"## {backend}",
            "",
            "| services | /healthz rps | page API rps (ratio) p50/p95 ms | page HTML rps (ratio) "
            "p50/p95 ms | search HTML rps (ratio) p50/p95 ms | search with synonyms HTML rps "
            "(ratio) p50/p95 ms | coverage API / SQL ms (ratio) | HSDS export / SQL ms (ratio) "
            "| export peak MiB | statements of a page made anew, 25 → 250 |",
            "|---:|---:|---|---|---|---|---|---|---:|---|",
        ]
        for r in data["runs"]:
            counts = r["statements"]
            same = all(
                counts[f"{p}?per_page=25"] == counts[f"{p}?per_page=250"]
                for p in ("/services", "/api/v1/services", "/hsds/services")
            )

            def cell(m: dict | None) -> str:
                if m is None:  # a run from before the figure was measured
                    return "–"
                return (
                    f"{_f(m['rps'], 0)} ({_f(m['ratio'], 2)}) {_f(m['p50_ms'])}/{_f(m['p95_ms'])}"
                )

            lines.append(
                f"| {r['size']:,} | {_f(r['healthz']['rps'], 0)} | {cell(r['page_api'])} | "
                f"{cell(r['page_html'])} | {cell(r['search_html'])} | "
                f"{cell(r.get('synonyms_html'))} | "
                f"{_f(r['coverage']['api_ms'])} / {_f(r['coverage']['sql_ms'])} "
                f"({_f(r['coverage']['ratio'], 1)}) | {_f(r['export']['export_ms'], 0)} / "
                f"{_f(r['export']['sql_ms'], 0)} ({_f(r['export']['ratio'], 1)}) | "
                f"{_f(r['export']['peak_rss_mib'], 0)} | "
                f"{counts['/services?per_page=25']} → {counts['/services?per_page=250']}"
                f"{' (equal everywhere)' if same else ' (NOT equal)'} |"
            )
        lines += file_export_markdown(data["runs"])
        lines += fresh_markdown(data["runs"])
        lines += peer_markdown(data["runs"])
        lines += bad_input_markdown(data["runs"])
        growth_text = ", ".join(f"{k} {_f(v, 2)}" for k, v in data["growth"].items())
        lines += ["", f"Growth exponents between the two largest sizes: {growth_text}."]
    return lines


def file_export_markdown(runs: list[dict]) -> list[str]:
    """The file exports (/services/export.<fmt>, every published service) against the plain
    fetch of the same rows, and the peak memory of a process that writes each."""
    measured = [r for r in runs if r.get("file_exports")]
    if not measured:
        return []
    lines = [
        "",
        f"File exports: the whole file over HTTP against the plain SQL fetch of the same rows, "
        f"each the least of five timed in turn (target ≤ {TARGETS['export_ratio']} ×), and the "
        "peak memory of a process writing it.",
        "",
        "| services | format | export ms | fetch ms | ratio | MiB written | peak MiB |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in measured:
        figures = r["file_exports"]
        for fmt, m in figures["formats"].items():
            lines.append(
                f"| {r['size']:,} | {fmt} | {_f(m['ms'], 0)} | {_f(m.get('fetch_ms', figures['sql_ms']), 0)} | "
                f"{_f(m['ratio'], 1)} | {_f(m['bytes'] / 2**20)} | {_f(m['peak_rss_mib'], 0)} |"
            )
    return lines


def fresh_markdown(runs: list[dict]) -> list[str]:
    """The pages made anew for every request (a query value of their own: never from the
    cache of public pages) and a logged-in coordinator's filtered page."""
    measured = [r for r in runs if r.get("coordinator_html")]
    if not measured:
        return []
    lines = [
        "",
        "Pages made for every request (the table above reads the same page again, which the "
        "cache of public pages answers): rps (ratio to /healthz) p50/p95 ms.",
        "",
        "| services | page API made anew | page HTML made anew | search HTML made anew "
        "| a coordinator's filtered page (logged in) "
        "| everyday searches asked once each: p50 / p90 / max ms (n) |",
        "|---:|---|---|---|---|---|",
    ]
    for r in measured:
        cells = [
            f"{_f(m['rps'], 0)} ({_f(m['ratio'], 2)}) {_f(m['p50_ms'])}/{_f(m['p95_ms'])}"
            for m in (
                r["page_api_fresh"],
                r["page_html_fresh"],
                r["search_html_fresh"],
                r["coordinator_html"],
            )
        ]
        first = r.get("first_searches")
        cells.append(
            f"{_f(first['p50_ms'])} / {_f(first['p90_ms'])} / {_f(first['max_ms'], 0)} "
            f"({first['searches']})"
            if first
            else "–"
        )
        lines.append(f"| {r['size']:,} | " + " | ".join(cells) + " |")
    return lines


def peer_markdown(runs: list[dict]) -> list[str]:
    """Concerto's filtered API page beside Datasette's JSON API on the same rows."""
    measured = [r for r in runs if r.get("peer")]
    if not measured:
        return ["", "The Datasette peer was not measured in this run."]
    lines = [
        "",
        f"Beside a peer: Datasette {measured[0]['peer'].get('tool_version', '')} serving the "
        "same published services as one indexed SQLite table, the same filter (domain and "
        "prison), order and page size through its JSON API, under the same load.",
        "",
        "| services | Concerto page API rps, p50/p95 ms | Datasette rps, p50/p95 ms "
        "| Concerto ÷ Datasette |",
        "|---:|---|---|---:|",
    ]
    for r in measured:
        ours, peer = r["page_api"], r["peer"]
        lines.append(
            f"| {r['size']:,} | {_f(ours['rps'], 0)}, {_f(ours['p50_ms'])}/{_f(ours['p95_ms'])} "
            f"| {_f(peer['rps'], 0)}, {_f(peer['p50_ms'])}/{_f(peer['p95_ms'])} "
            f"| {_f(peer['concerto_ratio'], 2)} |"
        )
    return lines


def bad_input_markdown(runs: list[dict]) -> list[str]:
    """Crafted queries: each one's status and median time, per size."""
    measured = [r for r in runs if r.get("bad_input")]
    if not measured:
        return []
    cases = list(measured[0]["bad_input"])
    lines = [
        "",
        "Crafted input on the filtered page: status and median ms of five requests.",
        "",
        "| services | " + " | ".join(cases) + " |",
        "|---:|" + "---|" * len(cases),
    ]
    for r in measured:
        cells = [f"{r['bad_input'][c]['status']}, {_f(r['bad_input'][c]['ms'])}" for c in cases]
        lines.append(f"| {r['size']:,} | " + " | ".join(cells) + " |")
    return lines
