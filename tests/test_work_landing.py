"""My work (issue 21) as a page: a login lands on it and the menu links it, it speaks the
reader's language, invitation replies keep their links, the meeting it names lets a person
reply and no other authority claims it, and every scheduled job of the core is named in
words."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select, update

from core.clock import utcnow
from core.identity.models import User
from core.meetings import services as meetings
from core.meetings.models import (
    Invitation,
    Meeting,
    Membership,
)
from core.testing import follow_provider
from tests.logins import api_token, csrf_token, login
from tests.work_sections import _section, _user_id, _work

# --- landing and the menu -------------------------------------------------------------------


def test_a_login_lands_on_my_work_and_the_menu_links_it(any_app):
    client = any_app.test_client()
    start = client.get("/auth/vlaams/login", query_string={"login_hint": "vlaams-lotte"})
    back = urlsplit(follow_provider(start.location))
    answer = client.get(f"{back.path}?{back.query}")
    assert answer.status_code == 302 and urlsplit(answer.location).path == "/work"
    page = client.get("/work").get_data(as_text=True)
    # Lotte reads Dutch, the language her authority gave at the login.
    assert '<a href="/work" aria-current="page">Mijn werk</a>' in page
    # A login started from a page goes back there; the public home page stays as it is.
    other = any_app.test_client()
    assert urlsplit(login(other, "vlaams", "vlaams-bram", next_url="/meetings").location).path == (
        "/meetings"
    )
    anonymous = any_app.test_client().get("/").get_data(as_text=True)
    assert 'href="/work"' not in anonymous


def test_the_page_speaks_the_readers_language(any_app):
    client = any_app.test_client()
    login(client, "vlaams", "vlaams-lotte", language="nl")
    page = client.get("/work").get_data(as_text=True)
    assert "Mijn werk" in page and "Ontwerpen en teruggestuurde diensten" in page
    client.get("/language/fr")
    page = client.get("/work").get_data(as_text=True)
    assert "Mon travail" in page
    secret = api_token(any_app, "vlaams-lotte")
    answer = client.get(
        "/api/v1/me/work",
        headers={"Authorization": f"Bearer {secret}", "Accept-Language": "fr"},
    ).get_json()
    assert _section(answer, "coordinator", "drafts")["title"] == "Brouillons et services renvoyés"


def test_invitation_replies_keep_their_links(any_app):
    """The reply shown is the one stored for the person's invitation (not another's)."""
    client = any_app.test_client()
    login(client, "vlaams", "vlaams-lotte")
    with any_app.extensions["concerto.db"].session() as db:
        for meeting in db.scalars(select(Meeting).where(Meeting.ends_at >= utcnow())):
            if not meeting.cancelled:
                meetings.invite(db, meeting)
        invitation = db.scalar(
            select(Invitation)
            .join(Meeting, Invitation.meeting_id == Meeting.id)
            .join(Membership, Invitation.membership_id == Membership.id)
            .where(Meeting.ends_at >= utcnow(), Membership.name != "Lotte Peeters")
        )
        invitation.reply = "attend"
        db.commit()
    section = _section(_work(any_app, client, "vlaams-lotte"), "coordinator", "meetings")
    assert section["items"], "Lotte is invited by her address"
    assert all(item["reply"] is None for item in section["items"])


def test_the_meeting_my_work_names_lets_me_reply_and_no_other_authority_claims_it(any_app):
    """My work says Lotte has not replied; the meeting it links to lets her reply (her
    membership is found by the address her authority's provider gave her, as My work finds
    it); someone of another authority with the same address gets nothing."""
    lotte = any_app.test_client()
    login(lotte, "vlaams", "vlaams-lotte")
    with any_app.extensions["concerto.db"].session() as db:
        meeting = db.scalar(
            select(Meeting)
            .where(Meeting.starts_at >= utcnow(), Meeting.cancelled_at.is_(None))
            .order_by(Meeting.starts_at)
        )
        meetings.invite(db, meeting)
        db.commit()
        meeting_id = meeting.id
    section = _section(_work(any_app, lotte, "vlaams-lotte"), "coordinator", "meetings")
    assert [(i["id"], i["reply"]) for i in section["items"]] == [(meeting_id, None)]
    page = lotte.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert f'action="/meetings/{meeting_id}/reply"' in page
    answered = lotte.post(
        f"/meetings/{meeting_id}/reply",
        data={"csrf_token": csrf_token(lotte, f"/meetings/{meeting_id}"), "reply": "attend"},
    )
    assert answered.status_code == 302
    section = _section(_work(any_app, lotte, "vlaams-lotte"), "coordinator", "meetings")
    assert section["items"][0]["reply"] == "attend"

    # A COCOF person whose provider says Lotte's address: not her membership.
    camille = any_app.test_client()
    login(camille, "cocof", "cocof-camille")
    with any_app.extensions["concerto.db"].session() as db:
        db.execute(
            update(User)
            .where(User.id == _user_id(any_app, "cocof-camille"))
            .values(email="lotte@vlaams.demo.invalid")
        )
        db.commit()
    refused = camille.post(
        f"/meetings/{meeting_id}/reply",
        data={"csrf_token": csrf_token(camille, f"/meetings/{meeting_id}"), "reply": "excused"},
    )
    assert refused.status_code == 403
    assert (
        _section(_work(any_app, camille, "cocof-camille"), "coordinator", "meetings")["items"] == []
    )


def test_every_scheduled_job_of_the_core_is_named_in_words():
    from core.scheduler import CORE_JOBS
    from core.work.words import JOB_LABELS

    assert {f"core.{job['id']}" for job in CORE_JOBS} == set(JOB_LABELS)
