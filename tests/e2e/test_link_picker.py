"""The link picker filled with the keyboard only, in Dutch and French, on a wide screen and on a
phone: the secretary adds an agenda item's links by typing words, going down to a result with
the arrow key and pressing Enter, then saves. The count and the added record are announced, the
page passes axe with results shown, and the meeting's page names what the item links to."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.goals.lookup import goal_by_code
from core.meetings.models import AgendaItem, Meeting
from tests.e2e.conftest import browser_login, run_axe, watch

pytestmark = pytest.mark.browser

# A word of a published service's name in the page's language, and a goal by its code.
SEARCHES = {"nl": "drughulp", "fr": "drogues"}


def focused(page) -> str:
    return page.evaluate(
        "() => document.activeElement.id || document.activeElement.getAttribute('data-link-value')"
    )


def tab_to(page, element_id: str, most: int = 40) -> None:
    for _ in range(most):
        if focused(page) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}; the focus is on {focused(page)}")


def status(page) -> str:
    return page.inner_text("#links-status").strip()


@pytest.mark.parametrize(
    ("language", "width"), [("nl", 1280), ("fr", 390), ("fr", 1280), ("nl", 390)]
)
def test_the_secretary_links_an_agenda_item_with_the_keyboard(browser, live_app, language, width):
    app, base = live_app
    with app.extensions["concerto.db"].session() as db:
        meeting_id = db.scalar(
            select(Meeting.id)
            .where(Meeting.state.in_(("planned", "invited")), Meeting.cancelled_at.is_(None))
            .order_by(Meeting.starts_at)
            .limit(1)
        )
        goal = goal_by_code(db, "4.1")
        goal_title = goal.local("title", language).text
    context = browser.new_context(locale=f"{language}-BE", viewport={"width": width, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    watch(page, problems)
    try:
        browser_login(page, live_app, "secretary")
        page.goto(f"{base}/language/{language}")
        page.goto(f"{base}/meetings/{meeting_id}")
        # The form to add an item is folded: Enter on its summary opens it.
        page.locator("details:has(#f-links) > summary").focus()
        page.keyboard.press("Enter")
        tab_to(page, "f-title_nl")
        page.keyboard.type("Aanbod drugs")
        tab_to(page, "f-title_fr")
        page.keyboard.type("Offre drogues")
        tab_to(page, "f-links")

        # Words: the results come while typing, and their count is announced.
        page.keyboard.type(SEARCHES[language])
        page.wait_for_selector("#links-results .link-option")
        page.wait_for_function("() => document.querySelector('#links-status').textContent.trim()")
        count = page.locator("#links-results .link-option").count()
        assert str(count) in status(page)
        page.keyboard.press("ArrowDown")
        first = page.evaluate("() => document.activeElement.getAttribute('data-link-value')")
        assert first and first.startswith("service:")
        title = page.locator(
            f'.link-option[data-link-value="{first}"] [data-link-title]'
        ).inner_text()
        page.keyboard.press("Enter")
        chip = page.locator(f'[data-link-chips] input[value="{first}"]')
        assert chip.is_checked()
        page.wait_for_function(
            "(t) => document.querySelector('#links-status').textContent.includes(t)", arg=title
        )

        # A goal by its code: Escape from the results returns to the search box.
        if focused(page) != "f-links":
            page.keyboard.press("Escape")
        assert focused(page) == "f-links"
        page.keyboard.press("Control+A")
        page.keyboard.type("4.1")
        page.wait_for_selector(f'#links-results .link-option[data-link-value="goal:{goal.id}"]')
        assert run_axe(page) == []
        page.keyboard.press("ArrowDown")
        while focused(page) != f"goal:{goal.id}":
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        assert page.locator(f'[data-link-chips] input[value="goal:{goal.id}"]').is_checked()
        # The chosen link's checkbox is reachable: Shift+Tab goes back up to it.
        for _ in range(12):
            page.keyboard.press("Shift+Tab")
            if page.evaluate("() => document.activeElement.closest('[data-link-chips]') !== null"):
                break
        else:
            raise AssertionError("a chosen link was never reached with Shift+Tab")

        # Save: the button after the picker, with Enter.
        page.locator("details:has(#f-links) button[type=submit]:not([name])").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        with app.extensions["concerto.db"].session() as db:
            item = db.scalar(
                select(AgendaItem)
                .where(AgendaItem.meeting_id == meeting_id)
                .order_by(AgendaItem.id.desc())
            )
            assert item.title_nl == "Aanbod drugs"
            assert item.links == [
                {"kind": "service", "id": int(first.split(":")[1])},
                {"kind": "goal", "id": goal.id},
            ]
        main = page.inner_text("main")
        assert title in main and goal_title in main
        assert run_axe(page) == []
        assert problems == []
    finally:
        context.close()
