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
    # Back on the platform: the home page, or the person's own work once that is the landing.
    page.wait_for_url(lambda url: url.startswith(base) and "/auth/" not in url)
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
    page's Content-Security-Policy stays in force for everything else.

    Besides the violations, every colour-contrast check axe could not finish counts as a
    failure unless the harness measures it and finds enough contrast: axe files text it cannot
    judge under "incomplete", and that is where it put white-on-white link buttons (a 1:1 ratio
    may be deliberately hidden text, so axe only asks). Our pages have no text over images or
    gradients; what axe cannot judge by design is text inside an SVG, one-character text and
    text half hidden in a scrolling region, and those the harness measures (MEASURED_CONTRAST).
    Every node left is listed with axe's reason."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(Path(AXE).read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    found = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]
    for check in result["incomplete"]:
        if check["id"] != "color-contrast":
            continue
        nodes = [n for n in check["nodes"] if not _measured_legible(page, n)]
        if not nodes:
            continue
        found.append(
            {
                "id": "color-contrast-incomplete",
                "impact": check["impact"],
                "help": check["help"],
                "nodes": [
                    {"target": n["target"], "reason": _contrast_reason(n), "html": n["html"][:160]}
                    for n in nodes
                ][:5],
            }
        )
    return found


def _contrast_reason(node: dict) -> str:
    """axe's own words for why it could not tell the contrast (its messageKey and ratio)."""
    for result in node.get("any", []):
        data = result.get("data") or {}
        if isinstance(data, dict):
            return f"{data.get('messageKey')} (ratio {data.get('contrastRatio')})"
    return "unknown"


# What axe leaves undecided is measured here the way axe measures: the text's colour (an SVG
# text's fill) against what is painted under it (the first filled SVG shape or opaque
# background, the element's own included), at the start, middle and end of its first lines
# once scrolled into view; WCAG's formula and thresholds. A background image or gradient, or a
# colour that is not opaque, cannot be measured: null, so the node stays a failure.
MEASURED_CONTRAST = r"""(selector) => {
  const element = document.querySelector(selector);
  if (!element) return null;
  const rgb = (value) => {
    const m = /^rgba?\(([^)]*)\)$/.exec(value || "");
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return a === 1 ? [r, g, b] : null;
  };
  const luminance = (colour) => {
    const [r, g, b] = colour.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const drawn = element instanceof SVGElement;
  const style = getComputedStyle(element);
  const ink = rgb(drawn ? style.fill : style.color);
  if (!ink) return null;
  element.scrollIntoView({block: "start", inline: "center"});
  // Each line of a wrapped inline element is a box of its own: sample the first lines.
  const points = [...element.getClientRects()].slice(0, 3).flatMap((box) => {
    const left = Math.max(box.left, 0), right = Math.min(box.right, innerWidth);
    const y = box.top + box.height / 2;
    return [[left + 1, y], [(left + right) / 2, y], [right - 1, y]];
  });
  let worst = Infinity;
  for (const [x, y] of points) {
    const stack = document.elementsFromPoint(x, y);
    const at = stack.indexOf(element);
    if (at < 0) continue;
    let paper = null;
    for (const under of stack.slice(drawn ? at + 1 : at)) {
      if (under instanceof SVGGeometryElement) paper = rgb(getComputedStyle(under).fill);
      else if (!(under instanceof SVGElement)) {
        const look = getComputedStyle(under);
        if (look.backgroundImage !== "none") return null;
        paper = rgb(look.backgroundColor);
      }
      if (paper) break;
    }
    const [light, dark] = [luminance(ink), luminance(paper || [255, 255, 255])].sort(
      (a, b) => b - a
    );
    worst = Math.min(worst, (light + 0.05) / (dark + 0.05));
  }
  if (worst === Infinity) return null;
  const size = parseFloat(style.fontSize);
  const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
  return {ratio: worst, needed: large ? 3 : 4.5};
}"""


def _measured_legible(page, node: dict) -> bool:
    """A node axe left undecided (a chart's label inside an SVG, a one-character number, a
    cell half hidden in a scrolling table) that has enough contrast when measured."""
    if len(node["target"]) != 1:  # inside a frame or shadow root: not measured
        return False
    measured = page.evaluate(MEASURED_CONTRAST, node["target"][0])
    return bool(measured) and measured["ratio"] >= measured["needed"]
