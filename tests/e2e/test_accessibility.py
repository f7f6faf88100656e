"""Every page, in each language, has zero WCAG 2.1 AA violations according to axe-core, and
works from the keyboard."""

from __future__ import annotations

import pytest

from tests.conftest import PAGES
from tests.e2e.conftest import browser_login, run_axe, watch

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_every_page_has_no_wcag_violations(browser, live_app, language):
    live_server = live_app[1]
    failures = {}
    problems = []
    # One browser context per person, so each page is seen as its reader sees it.
    for who in dict.fromkeys(who for _path, who in PAGES):
        context = browser.new_context(locale="nl-BE")
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
