"""The secretary's month in the browser, as in the demo: plan next year's series, send an
invitation and read it in the outbox with its calendar file, write bilingual minutes with
two decisions and three actions, and approve them at the next meeting. Every page passes
axe and is used with the keyboard where it matters."""

from __future__ import annotations

import re

import pytest
import vobject
from sqlalchemy import select

from core.meetings.models import Meeting
from tests.e2e.conftest import browser_login, run_axe

pytestmark = pytest.mark.browser


def _ids(app):
    with app.extensions["concerto.db"].session() as db:
        planned = db.scalar(
            select(Meeting.id)
            .where(Meeting.state == "planned", Meeting.series_id.is_not(None))
            .order_by(Meeting.starts_at)
        )
        held = db.scalar(
            select(Meeting.id)
            .where(Meeting.state == "held", Meeting.series_id.is_not(None))
            .order_by(Meeting.starts_at.desc())
        )
        extra = db.scalar(select(Meeting.id).where(Meeting.title_nl == "Bijzondere vergadering"))
    return planned, held, extra


def test_the_secretary_plans_invites_writes_and_approves(page, live_app):
    app, base = live_app
    planned, held, extra = _ids(app)
    browser_login(page, live_app, "secretary")
    page.goto(f"{base}/language/en")

    page.goto(f"{base}/bodies/1/series/new")
    assert run_axe(page) == []
    page.get_by_role("button", name="Plan the meetings").click()
    assert "11 meetings were planned." in page.locator(".messages").inner_text()
    assert run_axe(page) == []

    page.goto(f"{base}/meetings/{planned}")
    page.get_by_role("button", name="Send the invitation").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("text=invitations were written to the outbox")
    assert run_axe(page) == []

    page.goto(f"{base}/outbox")
    assert run_axe(page) == []
    page.locator("td a").first.click()
    assert run_axe(page) == []
    ics_link = page.get_by_role("link", name="meeting.ics")
    calendar = page.request.get(base + ics_link.get_attribute("href")).text()
    event = vobject.readOne(calendar).vevent
    assert event.dtstart.value.hour == 14
    body = page.locator("pre.mail").inner_text()
    reply = next(word for word in body.split() if "/invitations/" in word)
    page.goto(base + reply[reply.index("/invitations/") :])
    assert run_axe(page) == []
    # click() does not wait for the answer's page: wait for its message, then count
    page.get_by_role("button", name=re.compile("Ik kom|I will attend|Je serai")).click()
    page.locator(".messages").wait_for()
    assert page.locator(".messages").count() == 1

    page.goto(f"{base}/meetings/{held}")
    page.get_by_role("button", name="Write the minutes").click()
    page.wait_for_url(f"{base}/meetings/{held}/minutes")
    page.get_by_label("Minutes in Dutch").nth(1).fill("Het aanbod groeit.")
    page.get_by_label("Minutes in French").nth(1).fill("L'offre augmente.")
    page.get_by_role("button", name="Save the minutes").click()
    assert "The minutes were saved." in page.locator(".messages").inner_text()
    for nl, fr in (("Besluit een", "Décision une"), ("Besluit twee", "Décision deux")):
        page.get_by_label("Decision in Dutch").fill(nl)
        page.get_by_label("Decision in French").fill(fr)
        with page.expect_navigation():
            page.get_by_role("button", name="Record the decision").click()
    for number, authority in ((1, "vlaams"), (2, "cocof"), (3, "justitie")):
        page.get_by_label("Action in Dutch").fill(f"Actie {number}")
        page.get_by_label("Action in French").fill(f"Action {number}")
        page.get_by_label("Owner", exact=True).fill(f"Owner {number}")
        page.get_by_label("Authority").select_option(authority)
        with page.expect_navigation():
            page.get_by_role("button", name="Record the action").click()
    assert page.locator("#decisions + ul li").count() == 2
    assert page.locator("#actions + ul li", has_text="Actie 3").count() == 1
    assert run_axe(page) == []

    page.goto(f"{base}/meetings/{extra}")
    assert run_axe(page) == []
    page.get_by_role("button", name="Approve them in this meeting").click()
    assert "The minutes are approved" in page.locator(".messages").inner_text()
    page.goto(f"{base}/meetings/{held}")
    minutes = page.locator("section", has=page.locator("#minutes-h")).inner_text()
    assert "Besluit een" in minutes and "Het aanbod groeit." in minutes
    assert page.get_by_role("link", name="PDF bilingual").count() == 1
    assert run_axe(page) == []
    assert page.problems == []
