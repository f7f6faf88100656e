"""Work finds the person (issue 21), the review loop in the browser, in Dutch and in French,
on a wide screen and on a phone: a coordinator drafts and submits a service; a committee
member finds it in My work and returns it with a comment; the coordinator is told (the
e-mail in the outbox, in her language) and finds it in My work with the comment, fixes and
resubmits; the member approves; the coordinator is told it is published and the public page
shows it. The member then follows the service from its page and changes how she is told from
the link in the e-mail. Every page of the loop passes axe."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.mail.models import OutboxMessage
from core.notifications.services import notify_pending
from tests.e2e.conftest import browser_login, run_axe

pytestmark = pytest.mark.browser

CASES = {
    # language, width, coordinator, member
    "nl": (1280, ("vlaams", "coordinator"), ("vlaams", "member")),
    "fr": (390, ("cocof", "coordinator"), ("cocof", "member")),
}
WORDS = {
    "nl": {"returned": "Uw dienst werd teruggestuurd", "published": "Uw dienst is gepubliceerd"},
    "fr": {"returned": "Votre service a été renvoyé", "published": "Votre service est publié"},
}


def _notify(app) -> None:
    with app.app_context(), app.extensions["concerto.db"].session() as db:
        notify_pending(db, limit=100_000)


def _mail_about(app, service_id: int, kind: str) -> list[OutboxMessage]:
    with app.extensions["concerto.db"].session() as db:
        found = [
            m
            for m in db.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind))
            if re.search(rf"/services/{service_id}(?!\d)", m.body)
        ]
        db.expunge_all()
        return found


def _axe(page) -> None:
    assert run_axe(page) == [], page.url


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_review_loop_in_the_browser(browser, live_app, language):
    app, base = live_app
    width, coordinator_who, member_who = CASES[language]
    viewport = {"width": width, "height": 900}
    author = browser.new_context(locale=f"{language}-BE", viewport=viewport)
    reviewer = browser.new_context(locale=f"{language}-BE", viewport=viewport)
    coordinator, member = author.new_page(), reviewer.new_page()
    try:
        _notify(app)  # what earlier tests left to tell
        browser_login(coordinator, live_app, coordinator_who)
        coordinator.goto(f"{base}/language/{language}")
        coordinator.goto(f"{base}/services/new")
        name = {"nl": "Klimmen in de sportzaal (loop)", "fr": "Escalade en salle (boucle)"}
        coordinator.fill("[name=external_id]", f"LOOP-{language}")
        coordinator.select_option("#f-category", index=1)
        coordinator.fill("[name=name_nl]", name["nl"])
        coordinator.fill("[name=name_fr]", name["fr"])
        coordinator.check("#loc-haren")
        coordinator.locator("form.form button[type=submit]").last.click()
        coordinator.wait_for_url(re.compile(r"/services/\d+$"))
        service_id = int(coordinator.url.rsplit("/", 1)[1])
        _axe(coordinator)
        coordinator.click(f"form[action$='/services/{service_id}/submit'] button")
        coordinator.wait_for_selector(".messages")
        _notify(app)

        # The member finds it in My work, opens it, and returns it with a comment.
        browser_login(member, live_app, member_who)
        member.goto(f"{base}/language/{language}")
        member.goto(f"{base}/work")
        _axe(member)
        member.click(f"a[href$='/services/{service_id}']")
        member.wait_for_url(re.compile(rf"/services/{service_id}$"))
        comment = {"nl": "Graag de wachttijd vermelden.", "fr": "Merci d’indiquer l’attente."}
        member.fill("#comment", comment[language])
        member.click(f"form[action$='/services/{service_id}/return'] button")
        member.wait_for_selector(".messages")
        _axe(member)
        _notify(app)

        # The coordinator is told, in her language, with the comment; My work shows it too.
        returned = _mail_about(app, service_id, "service_returned")
        assert len(returned) == 1 and returned[0].language == language
        assert returned[0].subject.startswith(WORDS[language]["returned"])
        assert comment[language] in returned[0].body
        coordinator.goto(f"{base}/work")
        work = coordinator.locator("main").inner_text()
        assert name[language] in work and comment[language] in work
        _axe(coordinator)
        coordinator.click(f"a[href$='/services/{service_id}']")
        coordinator.wait_for_url(re.compile(rf"/services/{service_id}$"))
        coordinator.click(f"a[href$='/services/{service_id}/edit']")
        coordinator.fill("[name=typical_wait_days]", "14")
        coordinator.locator("form.form button[type=submit]").last.click()
        coordinator.wait_for_url(re.compile(rf"/services/{service_id}$"))
        coordinator.click(f"form[action$='/services/{service_id}/submit'] button")
        coordinator.wait_for_selector(".messages")
        _notify(app)

        # The member approves; the coordinator is told it is published; the public sees it.
        member.goto(f"{base}/work")
        assert member.locator(f"a[href$='/services/{service_id}']").count() >= 1
        member.click(f"a[href$='/services/{service_id}']")
        member.click(f"form[action$='/services/{service_id}/approve'] button")
        member.wait_for_selector(".messages")
        _notify(app)
        published = _mail_about(app, service_id, "service_approved")
        assert [m.language for m in published] == [language]
        assert published[0].subject.startswith(WORDS[language]["published"])
        public = browser.new_context(locale=f"{language}-BE", viewport=viewport).new_page()
        public.goto(f"{base}/language/{language}")
        public.goto(f"{base}/services/{service_id}")
        assert name[language] in public.locator("h1").inner_text()
        assert public.locator("form.follow").count() == 0, "the public cannot follow"
        public.context.close()

        # The member follows the service from its page, with the keyboard.
        member.goto(f"{base}/services/{service_id}")
        member.locator("form.follow button").focus()
        member.keyboard.press("Enter")
        member.wait_for_selector(".messages")
        assert member.locator("form.follow button").inner_text() in (
            "Niet meer volgen",
            "Ne plus suivre",
        )
        _axe(member)

        # The coordinator changes how she is told from the link in the e-mail, logged out.
        link = re.search(r"http://\S+/notifications/\S+", published[0].body).group(0)
        stranger = browser.new_context(locale=f"{language}-BE", viewport=viewport).new_page()
        stranger.goto(base + link[link.index("/notifications/") :])
        _axe(stranger)
        stranger.check("#how-service_approved-weekly")
        stranger.locator("form.form button[type=submit]").click()
        stranger.wait_for_selector(".messages")
        assert stranger.locator("#how-service_approved-weekly").is_checked()
        stranger.context.close()
    finally:
        author.close()
        reviewer.close()
