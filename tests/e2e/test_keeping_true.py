"""Keeping the inventory true (issue 23) in the browser, by keyboard, in nl and fr, on a wide
screen and a phone: a reader opens the form to report an error, sends it empty and lands on the
error summary, then sends the report and reads the thank-you page; a coordinator confirms a
service in one click from her list; a reviewer reads two services side by side. Every page
passes axe and none scrolls sideways."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.inventory.models import Service
from tests.e2e.conftest import browser_login, run_axe, watch

pytestmark = pytest.mark.browser


def _id(app, external_id: str) -> int:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(Service.id).where(Service.external_id == external_id))


def _fits(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize(("language", "width"), [("fr", 1280), ("nl", 390)])
def test_a_reader_reports_an_error_by_keyboard(browser, live_app, language, width):
    app, base = live_app
    context = browser.new_context(locale=f"{language}-BE", viewport={"width": width, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    watch(page, problems)
    try:
        page.goto(f"{base}/language/{language}")
        page.goto(f"{base}/services/{_id(app, 'VG-13')}")
        summary = page.locator("details.report-error > summary")
        summary.focus()
        page.keyboard.press("Enter")  # a summary opens its form from the keyboard
        assert page.locator("#f-text").is_visible()
        page.locator("details.report-error button[type=submit]").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_selector("[data-error-summary]")
        page.wait_for_load_state("load")
        assert page.evaluate("() => document.activeElement.matches('[data-error-summary]')")
        assert page.get_attribute("#f-text", "aria-invalid") == "true"
        assert run_axe(page) == [] and _fits(page)
        page.fill("#f-text", "Het uurrooster klopt niet meer: de sessies zijn nu op woensdag.")
        page.locator("details.report-error button[type=submit]").focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/reported")
        assert run_axe(page) == [] and _fits(page)
        assert problems == []
    finally:
        context.close()


@pytest.mark.parametrize(("language", "width"), [("nl", 1280), ("fr", 390)])
def test_a_coordinator_confirms_and_a_reviewer_compares(browser, live_app, language, width):
    app, base = live_app
    for who, path in (
        (("vlaams", "coordinator"), "/services/verification"),
        (("cocof", "member"), f"/services/{_id(app, 'VG-21')}/compare/{_id(app, 'CF-13')}"),
    ):
        context = browser.new_context(
            locale=f"{language}-BE", viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        try:
            browser_login(page, live_app, who)
            page.goto(f"{base}/language/{language}")
            page.goto(f"{base}{path}")
            assert run_axe(page) == [] and _fits(page), path
            if who[1] == "coordinator":
                first = page.locator("ul.results > li").first
                card = first.get_attribute("id")
                first.locator("form button[type=submit]").focus()
                with page.expect_navigation():
                    page.keyboard.press("Enter")
                assert page.locator(f"#{card}").count() == 0, "confirmed: off the list"
                assert page.locator(".messages").count() >= 1
        finally:
            context.close()
