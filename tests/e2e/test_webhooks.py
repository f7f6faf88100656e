"""Registering a webhook in the browser (issue 23) as a coordinator: a mistaken address and no
kind chosen come back with the error summary and the field's message, what was typed kept; put
right, the secret page shows the whole secret on a phone's width; the list, the webhook's page
with its log and the form pass axe, in Dutch and French, on a wide screen and on a phone."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import browser_login, run_axe

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("language", "width"), [("fr", 390), ("nl", 1280)])
def test_a_coordinator_registers_a_webhook_and_copies_its_secret(
    browser, live_app, language, width
):
    app, base = live_app
    context = browser.new_context(locale=f"{language}-BE", viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        browser_login(page, live_app, ("vlaams", "coordinator"))
        page.goto(f"{base}/language/{language}")
        page.goto(f"{base}/account")
        page.locator("#webhooks-heading + p a").click()
        page.wait_for_url("**/webhooks")
        assert run_axe(page) == []
        page.goto(f"{base}/webhooks/new")
        assert run_axe(page) == []
        page.fill("#f-url", "http://subsidies.example.be/hooks")
        page.fill("#f-description", "Onze website")
        for box in page.locator("input[name=kinds]").all():
            box.uncheck()
        page.locator("form.form button[type=submit]").click()
        summary = page.locator(".error-summary")
        assert summary.is_visible() and summary.locator("li").count() == 2
        assert page.locator("#f-url").input_value() == "http://subsidies.example.be/hooks"
        assert page.locator("#f-description").input_value() == "Onze website"
        assert page.locator("#f-url").get_attribute("aria-invalid") == "true"
        assert run_axe(page) == []
        page.fill("#f-url", "https://subsidies.example.be/hooks")
        page.check("#f-kinds")
        page.locator("form.form button[type=submit]").click()
        secret = page.locator("#secret")
        assert secret.input_value().startswith("whsec_")
        box = secret.bounding_box()
        assert box["x"] + box["width"] <= width, "the whole secret is in view"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert run_axe(page) == []
        page.goto(f"{base}/webhooks/1")
        page.locator("details.more-actions summary").first.click()
        assert run_axe(page) == []
    finally:
        context.close()
