"""Every page, in each language, has zero WCAG 2.1 AA violations according to axe-core, and
works from the keyboard."""

from __future__ import annotations

import pytest

from tests.conftest import PAGES
from tests.e2e.conftest import browser_login, run_axe, watch

pytestmark = pytest.mark.browser


# A desktop and a phone: contrast, reflow and hidden controls differ between the two layouts.
WIDTHS = {1280: 800, 390: 844}


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: f"{width}px")
@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_every_page_has_no_wcag_violations(browser, live_app, language, width):
    live_server = live_app[1]
    failures = {}
    problems = []
    # One browser context per person, so each page is seen as its reader sees it.
    for who in dict.fromkeys(who for _path, who in PAGES):
        context = browser.new_context(
            locale="nl-BE", viewport={"width": width, "height": WIDTHS[width]}
        )
        page = context.new_page()
        watch(page, problems)
        if who:
            browser_login(page, live_app, who)
        page.goto(f"{live_server}/language/{language}")
        paths = [path for path, reader in PAGES if reader == who]
        for path in paths + (["/no-such-page"] if who is None else []):
            page.goto(f"{live_server}{path}")
            assert page.locator("html").get_attribute("lang") == f"{language}-BE"
            violations = run_axe(page)
            if violations:
                failures[f"{path} ({who})"] = violations
        context.close()
    assert failures == {}
    assert problems == [], "no script error, CSP violation or missing asset"


def test_the_skip_link_is_first_and_moves_focus_to_the_main_content(page, live_server):
    page.goto(f"{live_server}/reference")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.getAttribute('href')")
    assert focused == "#main"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_the_language_switch_works_from_the_keyboard(page, live_server):
    page.goto(f"{live_server}/authorities")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.getAttribute('hreflang')") == "fr":
            break
    else:
        pytest.fail("the French link of the language switch was never reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.url.endswith("/authorities")
    assert page.locator("html").get_attribute("lang") == "fr-BE"
    assert page.locator("h1").inner_text() == "Autorités"


def test_focus_is_visible_on_links(page, live_server):
    page.goto(f"{live_server}/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_the_axe_harness_does_catch_a_violation(page, live_server):
    """Guards the checks above against passing vacuously."""
    page.goto(f"{live_server}/")
    page.evaluate(
        "() => { const i = document.createElement('img'); i.src = '/static/x.png';"
        " document.querySelector('main').appendChild(i); }"
    )
    assert "image-alt" in [violation["id"] for violation in run_axe(page)]


def test_the_axe_harness_catches_a_white_on_white_button(page, live_server):
    """axe files a 1:1 contrast under "incomplete", not under violations; the harness counts
    it all the same (the link buttons of the study day were white on white)."""
    page.goto(f"{live_server}/")
    page.evaluate(
        "() => { const b = document.createElement('button'); b.className = 'link-button';"
        " b.textContent = 'Annuleren'; b.style.color = '#fff'; b.style.background = 'none';"
        " document.querySelector('main').appendChild(b); }"
    )
    found = {problem["id"]: problem for problem in run_axe(page)}
    assert "color-contrast-incomplete" in found
    nodes = found["color-contrast-incomplete"]["nodes"]
    assert any(node["html"].startswith('<button class="link-button"') for node in nodes), nodes


def test_the_harness_measures_chart_labels_axe_leaves_undecided(page, live_server):
    """axe does not judge text inside an SVG; the harness measures it: a dark label passes, a
    pale one is caught."""
    page.goto(f"{live_server}/")
    page.evaluate(
        """() => {
          const ns = 'http://www.w3.org/2000/svg';
          const svg = document.createElementNS(ns, 'svg');
          svg.setAttribute('role', 'img'); svg.setAttribute('aria-label', 'chart');
          svg.setAttribute('width', '300'); svg.setAttribute('height', '60');
          for (const [y, fill, words] of [[20, '#1b1f24', 'Dark label'], [50, '#bbbbbb', 'Pale label']]) {
            const text = document.createElementNS(ns, 'text');
            text.setAttribute('x', '0'); text.setAttribute('y', String(y));
            text.setAttribute('fill', fill); text.textContent = words;
            svg.appendChild(text);
          }
          document.querySelector('main').appendChild(svg);
        }"""
    )
    found = {problem["id"]: problem for problem in run_axe(page)}
    labels = [node["html"] for node in found["color-contrast-incomplete"]["nodes"]]
    assert len(labels) == 1 and "Pale label" in labels[0], labels
