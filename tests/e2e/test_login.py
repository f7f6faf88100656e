"""Logging in and out in a real browser, from the keyboard, through a real provider."""

from __future__ import annotations

import pytest

from core.identity.demo import login_choices
from tests.e2e.conftest import run_axe

pytestmark = pytest.mark.browser


def test_a_newcomer_picks_a_demo_person_and_logs_in_and_out_by_keyboard(page, live_app, providers):
    app, base = live_app
    registry = app.extensions["concerto.registry"]
    app.extensions["concerto.demo_users"] = login_choices(
        registry, list(providers.providers.values())
    )
    try:
        page.goto(f"{base}/language/en")
        page.goto(f"{base}/login")
        assert run_axe(page) == []
        for _ in range(60):
            page.keyboard.press("Tab")
            href = page.evaluate("() => document.activeElement.getAttribute('href') || ''")
            if "login_hint=vlaams-lotte" in href:
                break
        else:
            pytest.fail("the demo person cannot be reached with the keyboard")
        page.keyboard.press("Enter")
        # A login from the login page itself lands on the person's own work (issue 21).
        page.wait_for_url(f"{base}/work")
        assert page.get_by_role("heading", level=1).inner_text() == "My work"
        assert page.locator(".user-menu").inner_text().startswith("Lotte Peeters")
        page.goto(f"{base}/authorities/vlaams")
        assert page.get_by_role("link", name="Edit the profile").is_visible()
        # Log out from the keyboard: the provider ends its session and sends us back.
        page.get_by_role("button", name="Log out").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/logged-out")
        assert page.get_by_role("heading", level=1).inner_text() == "Logged out"
        page.goto(f"{base}/account")
        assert page.url.startswith(f"{base}/login")
        assert page.problems == []
    finally:
        app.extensions.pop("concerto.demo_users", None)
