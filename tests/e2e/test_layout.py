"""What fits on the screen: nothing runs out of its box or makes the page scroll sideways, on
a phone (390 px) and on a laptop (1280 px), in Dutch and French (the longer words)."""

from __future__ import annotations

import pytest

from tests.conftest import STUDY_YEAR
from tests.e2e.conftest import browser_login, run_axe

pytestmark = pytest.mark.browser

# Elements whose content is wider than their own box, and the page's own sideways scroll.
OVERFLOWING = """(selector) => [...document.querySelectorAll(selector)]
    .filter((e) => e.clientWidth > 0 && e.scrollWidth > e.clientWidth)
    .map((e) => `${e.tagName} "${e.textContent.trim().slice(0, 40)}" ${e.scrollWidth}>${e.clientWidth}`)"""
PAGE_WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_authority_cards_on_the_home_page_hold_their_names(page, live_server, language, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server}/language/{language}")
    page.goto(f"{live_server}/")
    assert page.locator(".card").count() >= 5
    assert page.evaluate(OVERFLOWING, ".card, .card *") == []
    # The link itself ends inside the card (text can spill out of a box without widening it).
    spilled = page.evaluate(
        """() => [...document.querySelectorAll('.card h3 a')].filter((a) => {
             const card = a.closest('.card').getBoundingClientRect();
             return [...a.getClientRects()].some((r) => r.right > card.right || r.left < card.left);
           }).map((a) => a.textContent)"""
    )
    assert spilled == []
    width_of_page, viewport = page.evaluate(PAGE_WIDTH)
    assert width_of_page <= viewport


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_registrations_table_fits_a_laptop_screen(browser, live_app, language):
    app, base = live_app
    context = browser.new_context(locale="nl-BE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    browser_login(page, live_app, "secretary")
    page.goto(f"{base}/language/{language}")
    page.goto(f"{base}/studyday/{STUDY_YEAR}/registrations")
    table = page.locator("table.registrations-list")
    assert table.locator("tbody tr").count() >= 10
    region = table.locator("xpath=..")
    scroll_width, client_width = region.evaluate("(e) => [e.scrollWidth, e.clientWidth]")
    assert scroll_width <= client_width, "the whole table is visible without scrolling"
    width_of_page, viewport = page.evaluate(PAGE_WIDTH)
    assert width_of_page <= viewport, "the page does not scroll sideways"
    context.close()


def test_on_a_phone_the_registrations_table_scrolls_in_a_labelled_region(browser, live_app):
    app, base = live_app
    context = browser.new_context(locale="nl-BE", viewport={"width": 390, "height": 844})
    page = context.new_page()
    browser_login(page, live_app, "secretary")
    page.goto(f"{base}/language/nl")
    page.goto(f"{base}/studyday/{STUDY_YEAR}/registrations")
    region = page.get_by_role("region", name="Inschrijvingen")
    assert region.locator("table.registrations-list").count() == 1
    width_of_page, viewport = page.evaluate(PAGE_WIDTH)
    assert width_of_page <= viewport, "only the region scrolls, not the page"
    # A keyboard user reaches the region and scrolls it with the arrow keys.
    region.focus()
    assert region.evaluate("(e) => e === document.activeElement && e.tabIndex === 0")
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("(e) => e.scrollLeft > 0", arg=region.element_handle(), timeout=5000)
    context.close()


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_link_buttons_can_be_seen_in_tables_and_on_the_check_in_page(browser, live_app, language):
    """The organiser's cancel buttons in the table rows and the undo of a check-in were white
    on white; axe filed them as "incomplete" and the harness now counts that."""
    app, base = live_app
    context = browser.new_context(locale="nl-BE", viewport={"width": 390, "height": 844})
    page = context.new_page()
    browser_login(page, live_app, "secretary")
    page.goto(f"{base}/language/{language}")
    page.goto(f"{base}/studyday/{STUDY_YEAR}/check-in")
    page.locator("#q").fill("a")
    page.keyboard.press("Enter")
    person = (
        page.locator(".checkin-list li").filter(has=page.locator("button:not(.link-button)")).first
    )
    name = person.locator("strong").inner_text()
    person.locator("button").click()
    undo = page.locator(".checkin-list li").filter(has_text=name).locator(".link-button")
    assert undo.is_visible()
    assert run_axe(page) == []
    colour, background = undo.evaluate(
        "(e) => [getComputedStyle(e).color, getComputedStyle(document.body).backgroundColor]"
    )
    assert colour != background
    undo.click()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/studyday/{STUDY_YEAR}/registrations")
    assert page.locator("table .link-button").count() >= 10
    assert run_axe(page) == []
    context.close()


@pytest.mark.parametrize("path", ["/authorities", "/reference", "/organizations"])
def test_on_a_phone_a_wide_table_scrolls_in_its_own_labelled_region(page, live_server, path):
    """Tables the templates did not put in a region get one from core/static/js/tables.js."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/language/fr")
    page.goto(f"{live_server}{path}")
    width_of_page, viewport = page.evaluate(PAGE_WIDTH)
    assert width_of_page <= viewport, "the page does not scroll sideways"
    regions = page.evaluate(
        """() => [...document.querySelectorAll('.table-scroll')]
             .filter((r) => r.scrollWidth > r.clientWidth)
             .map((r) => [r.tabIndex, r.getAttribute('role'), r.getAttribute('aria-label')])"""
    )
    assert regions, "a table is wider than a phone here"
    for tab_index, role, name in regions:
        assert tab_index == 0 and role == "region" and name
