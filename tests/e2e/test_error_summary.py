"""A form sent back with errors, in the browser: the error summary has the focus, its first link
takes the keyboard to the field, and the page passes axe, on a wide screen and on a phone."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import browser_login, run_axe

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("language", "width"), [("fr", 1280), ("nl", 390)])
def test_an_invalid_services_form_focuses_its_summary_whose_links_reach_the_fields(
    browser, live_app, language, width
):
    app, base = live_app
    context = browser.new_context(locale=f"{language}-BE", viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        browser_login(page, live_app, ("vlaams", "coordinator"))
        page.goto(f"{base}/language/{language}")
        page.goto(f"{base}/services/new")
        page.fill("#f-name_nl", "Yoga in de cel")
        page.check("#loc-haren")
        page.fill("#loc-haren-places", "-3")
        page.click("form.form button[type=submit]")
        page.wait_for_selector("[data-error-summary]")
        page.wait_for_load_state("load")
        focused = page.evaluate("() => document.activeElement.matches('[data-error-summary]')")
        assert focused, "the summary has the focus"
        summary = page.inner_text("[data-error-summary]")
        assert "external_id" not in summary and "locations." not in summary
        first = page.locator("[data-error-summary] a").first
        target = first.get_attribute("href")[1:]
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.getAttribute('href')") == f"#{target}"
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == target
        assert page.get_attribute(f"#{target}", "aria-invalid") == "true"
        # the label of the field reached is on the screen, not scrolled away above it
        label = page.locator(f"label[for='{target}']")
        box = label.bounding_box()
        assert box is not None and -1 <= box["y"] < 900
        # the row link goes to that row's input
        page.click("[data-error-summary] a[href='#loc-haren-places']")
        assert page.evaluate("() => document.activeElement.id") == "loc-haren-places"
        assert page.input_value("#loc-haren-places") == "-3"
        assert page.input_value("#f-name_nl") == "Yoga in de cel"
        page.evaluate("() => window.scrollTo(0, 0)")
        assert run_axe(page) == []
    finally:
        context.close()
