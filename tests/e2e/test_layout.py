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


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_on_a_phone_each_registration_is_a_card_with_its_cancel_button_in_view(
    browser, live_app, language
):
    """Eight columns do not fit 390 px: each row becomes a card, every value under its
    column's name, so the cancel button at the row's end needs no sideways scrolling."""
    app, base = live_app
    context = browser.new_context(locale="nl-BE", viewport={"width": 390, "height": 844})
    page = context.new_page()
    browser_login(page, live_app, "secretary")
    page.goto(f"{base}/language/{language}")
    page.goto(f"{base}/studyday/{STUDY_YEAR}/registrations")
    table = page.locator("table.registrations-list")
    scroll_width, client_width = table.locator("xpath=..").evaluate(
        "(e) => [e.scrollWidth, e.clientWidth]"
    )
    assert scroll_width <= client_width, "nothing to scroll sideways"
    width_of_page, viewport = page.evaluate(PAGE_WIDTH)
    assert width_of_page <= viewport
    row = table.locator("tbody tr").first
    cancel = row.locator(".link-button")
    box = cancel.bounding_box()
    assert box and box["x"] + box["width"] <= 390, "the row's cancel button is on the screen"
    label = row.locator("td[data-label]").first.evaluate(
        "(e) => getComputedStyle(e, '::before').content"
    )
    assert label.strip('"') == ("Organisatie" if language == "nl" else "Organisation")
    assert run_axe(page) == []
    context.close()


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_menu_is_grouped_and_works_by_keyboard(browser, live_app, language, width):
    """One row of groups on a laptop, one "Menu" button on a phone; a group opens with
    Enter, closes with Escape and gives the focus back; the current section is marked."""
    app, base = live_app
    context = browser.new_context(locale="nl-BE", viewport={"width": width, "height": 844})
    page = context.new_page()
    browser_login(page, live_app, "secretary")
    page.goto(f"{base}/language/{language}")
    page.goto(f"{base}/coverage")
    menu = page.locator(".nav-menu")
    header = page.locator(".site-header").bounding_box()
    if width == 390:
        assert not menu.evaluate("(e) => e.open"), "folded on a phone"
        assert header["height"] < 200, header
        page.locator(".nav-menu > summary").focus()
        page.keyboard.press("Enter")
        assert menu.evaluate("(e) => e.open")
    else:
        assert (
            menu.evaluate("(e) => e.open") and not page.locator(".nav-menu > summary").is_visible()
        )
        assert header["height"] < 120, "the groups fit one row"
        first = page.locator(".nav-groups > li").first.bounding_box()
        text_left = page.locator(".nav-groups > li > a").first.evaluate(
            "(e) => e.getBoundingClientRect().left + parseFloat(getComputedStyle(e).paddingLeft)"
        )
        main_left = page.locator("main h1").bounding_box()["x"]
        assert abs(text_left - main_left) <= 2 and first, "the menu starts at the content's edge"
    offer = page.locator(".nav-submenu").first
    summary = offer.locator("summary")
    assert ("Aanbod" if language == "nl" else "Offre") in summary.inner_text()
    assert "nav-current" in offer.evaluate("(e) => e.parentElement.className")
    summary.focus()
    page.keyboard.press("Enter")
    current = offer.locator('a[aria-current="page"]')
    assert current.is_visible() and current.get_attribute("href") == "/coverage"
    assert run_axe(page) == []
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    assert not offer.evaluate("(e) => e.open")
    assert summary.evaluate("(e) => e === document.activeElement")
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
