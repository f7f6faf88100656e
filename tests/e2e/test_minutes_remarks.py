"""The round of remarks on draft minutes (issue 21) walked in the browser, in Dutch and in
French: the secretary sends the draft with a closing day, someone present leaves a remark on
an item, the secretary marks it taken in, and the approving meeting shows it. Every page of
the round passes axe at 1280 and at 390 px; the remark, its language, the mark and the
buttons are used with the keyboard.

Each language walks a meeting of its own (the health working group's, held some days ago
with Lotte Peeters and Julien Lambert present), so the demo's own round is left as it is."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.clock import in_brussels, utcnow
from core.clock import today as brussels_today
from core.meetings import services as meetings
from core.meetings.models import Body, Minutes, Remark
from tests.e2e.conftest import browser_login, run_axe

pytestmark = pytest.mark.browser

WORDS = {
    "nl": {
        "send": "Bewaren en versturen voor opmerkingen",
        "sent": "De ontwerpnotulen zijn voor opmerkingen verstuurd",
        "read": "Lees de ontwerpnotulen en geef uw opmerkingen",
        "remark": "Graag de cijfers van oktober toevoegen.",
        "save_remarks": "Mijn opmerkingen bewaren",
        "saved": "Uw opmerkingen werden bewaard.",
        "save_minutes": "De notulen bewaren",
        "taken_in": "Verwerkt",
        "approve": "In deze vergadering goedkeuren",
    },
    "fr": {
        "send": "Enregistrer et envoyer pour remarques",
        "sent": "Le projet a été envoyé pour remarques",
        "read": "Lire le projet et faire vos remarques",
        "remark": "Merci d'ajouter les chiffres d'octobre.",
        "save_remarks": "Enregistrer mes remarques",
        "saved": "Vos remarques ont été enregistrées.",
        "save_minutes": "Enregistrer le procès-verbal",
        "taken_in": "Intégrée",
        "approve": "Les approuver lors de cette réunion",
    },
}


def _meeting_for_the_round(app, days_ago: int) -> tuple[int, int, list[int], int]:
    """A held meeting of the health working group, Lotte and Julien present, its draft
    written; and a meeting of the group today to approve it. Returns (meeting, minutes,
    items, approving meeting)."""
    with app.extensions["concerto.db"].session() as db:
        body = db.scalar(select(Body).where(Body.code == "werkgroep_gezondheid"))
        day = in_brussels(utcnow() - timedelta(days=days_ago)).date()

        def plan(on, clock, nl, fr):
            planned, _ = meetings.create_meeting(
                db,
                body,
                {
                    "date": on.isoformat(),
                    "start_time": clock,
                    "duration_minutes": "60",
                    "place_kind": "office",
                    "place_text": "Zaal 2",
                    "title_nl": nl,
                    "title_fr": fr,
                },
            )
            return planned

        meeting = plan(day, "11:00", f"Ronde {days_ago}", f"Tour {days_ago}")
        items = [
            meetings.add_item(db, meeting, {"title_nl": nl, "title_fr": fr})
            for nl, fr in (("Zorgaanbod", "Offre de soins"), ("Varia", "Divers"))
        ]
        meetings.invite(db, meeting)
        for invitation in meeting.invitations:
            invitation.reply = "attend"
        minutes = meetings.start_minutes(db, meeting)
        meetings.save_minutes(
            db,
            minutes,
            {items[0].id: {"nl": "Het aanbod groeit.", "fr": "L'offre augmente."}},
            {},
            minutes.version,
        )
        approving = plan(brussels_today(), "00:05", "Goedkeuring", "Approbation")
        db.commit()
        return meeting.id, minutes.id, [i.id for i in items], approving.id


def _axe_at_both_widths(page) -> None:
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert run_axe(page) == [], (width, page.url)
    assert page.locator("h1").count() == 1


@pytest.mark.parametrize(
    ("language", "attendee", "days_ago"),
    [("nl", ("vlaams", "coordinator"), 33), ("fr", ("cocof", "member"), 34)],
)
def test_the_round_of_remarks_in_the_browser(browser, live_app, language, attendee, days_ago):
    app, base = live_app
    meeting_id, minutes_id, items, approving = _meeting_for_the_round(app, days_ago)
    words = WORDS[language]
    secretary_context = browser.new_context(locale=f"{language}-BE")
    attendee_context = browser.new_context(locale=f"{language}-BE")
    try:
        secretary = secretary_context.new_page()
        browser_login(secretary, live_app, "secretary")
        secretary.goto(f"{base}/language/{language}")
        present = attendee_context.new_page()
        browser_login(present, live_app, attendee)
        present.goto(f"{base}/language/{language}")

        # The secretary sends the draft with a closing day, from the keyboard.
        secretary.goto(f"{base}/meetings/{meeting_id}/minutes")
        _axe_at_both_widths(secretary)
        closes_on = brussels_today() + timedelta(days=10)
        secretary.locator("#f-remarks_until").fill(closes_on.isoformat())
        secretary.get_by_role("button", name=words["send"]).focus()
        secretary.keyboard.press("Enter")
        secretary.wait_for_selector(f"text={words['sent']}")
        _axe_at_both_widths(secretary)

        # Someone present finds it on the meeting's page and leaves a remark on an item.
        present.set_viewport_size({"width": 390, "height": 900})
        present.goto(f"{base}/meetings/{meeting_id}")
        _axe_at_both_widths(present)
        present.get_by_role("link", name=words["read"]).click()
        present.wait_for_url(f"{base}/minutes/{minutes_id}/remarks")
        _axe_at_both_widths(present)
        box = present.locator(f"#f-text_{items[0]}")
        box.focus()
        present.keyboard.type(words["remark"])
        present.keyboard.press("Tab")  # to the remark's language
        assert present.evaluate("document.activeElement.id") == f"f-language_{items[0]}"
        assert present.locator(f"#f-language_{items[0]}").input_value() == language
        present.get_by_role("button", name=words["save_remarks"]).focus()
        present.keyboard.press("Enter")
        present.wait_for_selector(f"text={words['saved']}")
        _axe_at_both_widths(present)
        with app.extensions["concerto.db"].session() as db:
            remark = db.scalar(select(Remark).where(Remark.minutes_id == minutes_id))
            assert (remark.item_id, remark.language, remark.text) == (
                items[0],
                language,
                words["remark"],
            )
            remark_id = remark.id

        # The secretary sees it beside the item's text and marks it taken in.
        secretary.goto(f"{base}/meetings/{meeting_id}/minutes")
        assert words["remark"] in secretary.locator(f"#remark-{remark_id}").inner_text()
        _axe_at_both_widths(secretary)
        secretary.locator(f"#f-handling_{remark_id}").focus()  # "not yet"
        secretary.keyboard.press("ArrowRight")  # radios: the arrow moves the choice
        assert secretary.locator(f"input[name=handling_{remark_id}][value=taken_in]").is_checked()
        secretary.get_by_role("button", name=words["save_minutes"]).focus()
        secretary.keyboard.press("Enter")
        secretary.wait_for_selector(".messages")
        with app.extensions["concerto.db"].session() as db:
            assert db.get(Remark, remark_id).handling == "taken_in"

        # The approving meeting lists the remark and how it was dealt with, and approves.
        secretary.goto(f"{base}/meetings/{approving}")
        block = secretary.locator(f"#approve-{minutes_id}")
        assert words["remark"] in block.inner_text() and words["taken_in"] in block.inner_text()
        _axe_at_both_widths(secretary)
        button = block.get_by_role("button", name=words["approve"])
        button.focus()
        secretary.keyboard.press("Enter")
        secretary.wait_for_selector(".messages")
        with app.extensions["concerto.db"].session() as db:
            assert db.get(Minutes, minutes_id).approved

        # Approved, the remark stays with the minutes, read as it was dealt with.
        present.goto(f"{base}/minutes/{minutes_id}/remarks")
        assert present.locator(f"#f-text_{items[0]}").count() == 0
        assert words["remark"] in present.locator(f"#remark-{remark_id}").inner_text()
        _axe_at_both_widths(present)
    finally:
        secretary_context.close()
        attendee_context.close()
