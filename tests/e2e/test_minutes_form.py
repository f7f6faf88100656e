"""The minutes editor in the browser: leaving it with unsaved text asks first (and does not
after saving), and recording a decision keeps the minutes typed above it. Each test writes
the minutes of a meeting of its own, so the secretary's story in test_meetings.py keeps the
demo's meeting to itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.clock import utcnow
from core.meetings import services as meetings
from core.meetings.models import Body, Minutes
from tests.e2e.conftest import browser_login, run_axe

pytestmark = pytest.mark.browser


def _past_meeting(app, days_ago: int) -> tuple[int, list[int]]:
    """A held meeting of the health working group with two agenda items and draft minutes."""
    with app.extensions["concerto.db"].session() as db:
        body = db.scalar(select(Body).where(Body.code == "werkgroep_gezondheid"))
        day = meetings.in_brussels(utcnow() - timedelta(days=days_ago)).date()
        meeting, _overlaps = meetings.create_meeting(
            db,
            body,
            {
                "date": day.isoformat(),
                "start_time": "10:00",
                "duration_minutes": "60",
                "place_kind": "office",
                "place_text": "Zaal 2",
                "title_nl": f"Werkvergadering {days_ago}",
                "title_fr": f"Réunion de travail {days_ago}",
            },
        )
        items = [
            meetings.add_item(db, meeting, {"title_nl": nl, "title_fr": fr}).id
            for nl, fr in (("Zorgaanbod", "Offre de soins"), ("Varia", "Divers"))
        ]
        meetings.start_minutes(db, meeting)
        db.commit()
        return meeting.id, items


def _texts(app, meeting_id: int) -> dict[int, tuple[str | None, str | None]]:
    with app.extensions["concerto.db"].session() as db:
        minutes = db.scalar(select(Minutes).where(Minutes.meeting_id == meeting_id))
        return {t.item_id: (t.text_nl, t.text_fr) for t in minutes.texts}


def test_leaving_with_unsaved_minutes_asks_first_and_not_after_saving(page, live_app):
    app, base = live_app
    meeting_id, items = _past_meeting(app, 40)
    browser_login(page, live_app, "secretary")
    page.goto(f"{base}/language/en")
    page.goto(f"{base}/meetings/{meeting_id}/minutes")
    dialogs: list[str] = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.locator(f"#f-text_nl_{items[0]}").fill("Het zorgaanbod groeit.")
    page.get_by_role("link", name="Back to the meeting").click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(f"/meetings/{meeting_id}/minutes")
    assert page.locator(f"#f-text_nl_{items[0]}").input_value() == "Het zorgaanbod groeit."

    page.get_by_role("button", name="Save the minutes").click()
    page.wait_for_selector("text=The minutes were saved.")
    assert dialogs == ["beforeunload"]  # sending the form is not leaving it
    page.get_by_role("link", name="Back to the meeting").click()
    page.wait_for_url(f"{base}/meetings/{meeting_id}")
    assert dialogs == ["beforeunload"]
    assert _texts(app, meeting_id)[items[0]] == ("Het zorgaanbod groeit.", None)
    assert page.problems == []


def test_recording_a_decision_keeps_the_minutes_typed_above_it(page, live_app):
    app, base = live_app
    meeting_id, items = _past_meeting(app, 47)
    browser_login(page, live_app, "secretary")
    page.goto(f"{base}/language/en")
    page.goto(f"{base}/meetings/{meeting_id}/minutes")
    page.locator(f"#f-text_fr_{items[1]}").fill("Rien à signaler.")
    page.get_by_label("Decision in Dutch").fill("De werkgroep vraagt een nieuwe telling.")
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_selector("text=The decision was recorded.")
    assert page.locator("#decisions + ul li").inner_text().startswith("Decision 1:")
    assert page.locator(f"#f-text_fr_{items[1]}").input_value() == "Rien à signaler."
    assert _texts(app, meeting_id)[items[1]] == (None, "Rien à signaler.")

    # A refused decision (no text) shows the page again with what was typed, still unsaved.
    page.locator(f"#f-text_nl_{items[0]}").fill("Nog te bewaren.")
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_selector(".error-summary")
    assert page.locator(f"#f-text_nl_{items[0]}").input_value() == "Nog te bewaren."
    assert run_axe(page) == []
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="Back to the meeting").click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.problems == []


@pytest.fixture(scope="module")
def written(live_app) -> int:
    """Draft minutes with texts, a decision and an action, as the editor shows them mid-way."""
    app, _base = live_app
    meeting_id, items = _past_meeting(app, 54)
    with app.extensions["concerto.db"].session() as db:
        minutes = db.scalar(select(Minutes).where(Minutes.meeting_id == meeting_id))
        meetings.save_minutes(
            db, minutes, {items[0]: {"nl": "Het aanbod groeit.", "fr": None}}, {}, None
        )
        meetings.add_decision(
            db,
            minutes,
            {"item_id": items[0], "text_nl": "Een telling in 2027.", "text_fr": "Un comptage."},
        )
        meetings.add_action(
            db,
            minutes,
            {
                "item_id": items[0],
                "title_fr": "Préparer le comptage",
                "owner_name": "Julie Lambert",
                "authority": "cocof",
            },
        )
        db.commit()
    return meeting_id


@pytest.mark.parametrize("language", ["nl", "fr"])
@pytest.mark.parametrize("width", [1280, 390])
def test_the_minutes_editor_passes_axe(browser, live_app, written, language, width):
    _app, base = live_app
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        browser_login(page, live_app, "secretary")
        page.goto(f"{base}/language/{language}")
        page.goto(f"{base}/meetings/{written}/minutes")
        assert page.locator("h3").count() == 2
        assert run_axe(page) == []
        # Nothing wider than the window: the buttons stay in reach on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()
