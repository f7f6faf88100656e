"""The schedule picker filled with the keyboard only, in Dutch and French, on a wide screen and
on a phone: a coordinator gives a prison's schedule on the service form, the secretary plans a
series of meetings. The picker shows only what the chosen repeat uses, the stored schedule is
said back in words, and the pages pass axe."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.inventory.models import Service, ServiceLocation
from core.meetings.models import Meeting
from tests.e2e.conftest import browser_login, run_axe

pytestmark = pytest.mark.browser

WORDS = {
    # every two weeks on Tuesday and Thursday, 9:30 to 11:00, not in July, not on holidays
    "nl": "om de 2 weken op dinsdag en donderdag, van 9.30 tot 11.00 uur, behalve in juli, "
    "behalve op feestdagen",
    "fr": "toutes les 2 semaines le mardi et jeudi, de 9\u00a0h\u00a030 à 11\u00a0h, "
    "sauf en juillet, sauf les jours fériés",
}


def focused(page) -> str:
    return page.evaluate("() => document.activeElement.id")


def tab_to(page, element_id: str, most: int = 40) -> None:
    """Press Tab until ``element_id`` has the focus, as a keyboard user would."""
    for _ in range(most):
        if focused(page) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}; the focus is on #{focused(page)}")


def choose(page, select_id: str, value: str) -> None:
    """Move through a focused select's options with the arrow keys until ``value``."""
    values = page.eval_on_selector(f"#{select_id}", "s => [...s.options].map(o => o.value)")
    current = values.index(page.input_value(f"#{select_id}"))
    key = "ArrowDown" if values.index(value) > current else "ArrowUp"
    for _ in range(abs(values.index(value) - current)):
        page.keyboard.press(key)
    assert page.input_value(f"#{select_id}") == value


def type_time(page, digits: str) -> None:
    """Type a morning time into a focused time input: hours, minutes, and "A" for the AM/PM
    part that Chromium adds when its own interface is in US English (as here, headless);
    with a 24-hour interface the letter falls on nothing."""
    page.keyboard.type(digits + "A")


def fill_fortnightly(page, prefix: str) -> None:
    """Every two weeks, Tuesday and Thursday, 9:30 to 11:00, not in July, not on holidays."""
    choose(page, prefix, "fortnightly")
    assert page.is_hidden(f"#{prefix}-week"), "the week of the month is for monthly only"
    page.keyboard.press("Tab")
    assert focused(page) == f"{prefix}-mo", "the days come next; the hidden week is skipped"
    for day in ("mo", "tu", "we", "th"):
        tab_to(page, f"{prefix}-{day}")
        box = page.locator(f"#{prefix}-{day}")
        if box.is_checked() != (day in ("tu", "th")):
            page.keyboard.press("Space")
    for day in ("fr", "sa", "su"):
        tab_to(page, f"{prefix}-{day}")
        if page.locator(f"#{prefix}-{day}").is_checked():
            page.keyboard.press("Space")
    tab_to(page, f"{prefix}-starts")
    type_time(page, "0930")
    assert page.input_value(f"#{prefix}-starts") == "09:30"
    tab_to(page, f"{prefix}-ends")
    type_time(page, "1100")
    assert page.input_value(f"#{prefix}-ends") == "11:00"
    tab_to(page, f"{prefix}-exceptions")  # the exceptions are folded: Enter opens them
    if not page.evaluate(
        f"() => document.getElementById('{prefix}-exceptions').parentElement.open"
    ):
        page.keyboard.press("Enter")
    tab_to(page, f"{prefix}-m7")
    page.keyboard.press("Space")
    for month in range(1, 13):
        if month != 7 and page.locator(f"#{prefix}-m{month}").is_checked():
            tab_to(page, f"{prefix}-m{month}")
            page.keyboard.press("Space")
    tab_to(page, f"{prefix}-holidays")
    if not page.locator(f"#{prefix}-holidays").is_checked():
        page.keyboard.press("Space")


@pytest.mark.parametrize(
    ("language", "width"), [("nl", 1280), ("fr", 390), ("fr", 1280), ("nl", 390)]
)
def test_a_coordinator_gives_a_prisons_schedule_with_the_keyboard(
    browser, live_app, language, width
):
    app, base = live_app
    context = browser.new_context(locale=f"{language}-BE", viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        with app.extensions["concerto.db"].session() as db:
            service_id = db.scalar(
                select(Service.id)
                .where(Service.authority_code == "vlaams", Service.state == "published")
                .order_by(Service.id)
                .offset({"nl": 0, "fr": 1}[language] + {1280: 0, 390: 2}[width])
                .limit(1)
            )
            has_haren = db.scalar(
                select(ServiceLocation.id).where(
                    ServiceLocation.service_id == service_id, ServiceLocation.prison_code == "haren"
                )
            )
        browser_login(page, live_app, ("vlaams", "coordinator"))
        page.goto(f"{base}/language/{language}")
        page.goto(f"{base}/services/{service_id}/edit")
        assert "FREQ" not in page.inner_text("main")
        box = page.locator("#loc-haren")
        box.focus()
        if not has_haren:
            assert page.is_hidden("#loc-haren-schedule"), "an unticked prison shows no schedule"
            page.keyboard.press("Space")
        assert page.is_visible("#loc-haren-schedule")
        page.keyboard.press("Tab")
        assert focused(page) == "loc-haren-schedule"
        fill_fortnightly(page, "loc-haren-schedule")
        assert run_axe(page) == []
        page.locator("form.form button[type=submit]").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/edit" not in url)
        assert page.locator(".messages").count() == 1
        page.goto(f"{base}/services/{service_id}/history")
        assert WORDS[language] in page.inner_text("main").replace("\n", " ")
        assert run_axe(page) == []
        page.goto(f"{base}/services/{service_id}/edit")
        # The picker shows the schedule as it was chosen.
        assert page.input_value("#loc-haren-schedule") == "fortnightly"
        assert page.locator("#loc-haren-schedule-tu").is_checked()
        assert not page.locator("#loc-haren-schedule-mo").is_checked()
        assert page.input_value("#loc-haren-schedule-starts") == "09:30"
        assert page.locator("#loc-haren-schedule-m7").is_checked()
    finally:
        context.close()


@pytest.mark.parametrize(("language", "width"), [("fr", 1280), ("nl", 390)])
def test_the_secretary_plans_a_series_with_the_keyboard_and_a_mistake_keeps_the_choices(
    browser, live_app, language, width
):
    app, base = live_app
    year = {"fr": 2031, "nl": 2032}[language]
    context = browser.new_context(locale=f"{language}-BE", viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        browser_login(page, live_app, "secretary")
        page.goto(f"{base}/language/{language}")
        page.goto(f"{base}/bodies/1/series/new")
        page.locator("#f-schedule").focus()
        fill_fortnightly(page, "f-schedule")
        page.fill("#f-first_day", f"{year}-01-01")
        page.fill("#f-last_day", f"{year}-03-31")
        # A mistake: the end before the start. The page comes back with every choice kept.
        page.locator("#f-schedule-ends").focus()
        type_time(page, "0900")
        page.locator("form.form button[type=submit]").focus()
        page.keyboard.press("Enter")
        page.wait_for_selector("[data-error-summary]")
        assert page.get_attribute("#f-schedule", "aria-invalid") == "true"
        assert page.input_value("#f-schedule") == "fortnightly"
        assert page.locator("#f-schedule-th").is_checked()
        assert page.input_value("#f-schedule-starts") == "09:30"
        assert page.locator("#f-schedule-holidays").is_checked()
        assert run_axe(page) == []
        page.locator("#f-schedule-ends").focus()
        type_time(page, "1100")
        page.locator("form.form button[type=submit]").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/series/new" not in url)
        with app.extensions["concerto.db"].session() as db:
            planned = db.scalars(
                select(Meeting).where(
                    Meeting.series_id
                    == select(Meeting.series_id)
                    .order_by(Meeting.series_id.desc())
                    .limit(1)
                    .scalar_subquery()
                )
            ).all()
        from core.clock import in_brussels

        local = sorted(in_brussels(m.starts_at) for m in planned)
        assert local and {t.year for t in local} == {year}
        assert {t.weekday() for t in local} == {1, 3}
        assert {(t.hour, t.minute) for t in local} == {(9, 30)}
        assert {(m.ends_at - m.starts_at).seconds for m in planned} == {90 * 60}
    finally:
        context.close()
