"""The notification settings (issue 21) in the browser: chosen with the keyboard from the
account's page, and the page a tampered settings link opens; both pass axe, in Dutch and
French, on a wide screen and on a phone."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import browser_login, run_axe

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("language", "width"), [("fr", 390), ("nl", 1280)])
def test_settings_by_keyboard_and_a_broken_link(browser, live_app, language, width):
    app, base = live_app
    context = browser.new_context(locale=f"{language}-BE", viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{base}/language/{language}")
        response = page.goto(f"{base}/notifications/not-a-signed-link")
        assert response.status == 404
        assert page.locator("h1").count() == 1
        assert run_axe(page) == []
        browser_login(page, live_app, ("cocof", "member"))
        page.goto(f"{base}/language/{language}")
        page.goto(f"{base}/notifications/settings")
        assert run_axe(page) == []
        page.locator("#how-service_submitted-daily").focus()
        page.keyboard.press("ArrowDown")  # radios: the arrow moves the choice
        assert page.locator("#how-service_submitted-weekly").is_checked()
        page.locator("form.form button[type=submit]").focus()
        page.keyboard.press("Enter")
        page.wait_for_selector(".messages")
        assert page.locator("#how-service_submitted-weekly").is_checked()
        assert run_axe(page) == []
    finally:
        context.close()
