"""Work finds the person (issue 21): the kinds beyond the review loop and following a record.

- A scripted day of activity leaves in the outbox exactly the e-mails the people's settings
  ask for, in each recipient's language, and nothing for a kind turned off.
- A need answered is told to who signalled it; an action assigned, changed by someone else or
  overdue is told to its owner (an account with the owner's address, else the address).
- A person follows what they may read, from its page, and hears of its changes in their
  digest; following what one may not read, or what does not exist, is refused and stores
  nothing.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core.audit.services import acting_as
from core.clock import today as brussels_today
from core.identity.models import User
from core.inventory import needs
from core.inventory.models import Need, Service
from core.mail.models import OutboxMessage
from core.meetings import services as meetings
from core.meetings.models import ActionItem, Minutes
from core.notifications.models import DigestEntry, Follow
from core.notifications.services import notify_pending, send_digests
from core.permissions import system
from core.signals.models import Signal
from tests.conftest import make_app
from tests.logins import csrf_token, login
from tests.test_service_history import FIRST


@pytest.fixture
def day_app(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _db(app):
    return app.extensions["concerto.db"].session()


def _post(client, path: str, data: dict, status: int = 302):
    response = client.post(path, data={"csrf_token": csrf_token(client), **data})
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response


def _notify(app) -> int:
    """The notifier's run, over everything not told yet (the demo leaves many events)."""
    with app.app_context(), _db(app) as db:
        return notify_pending(db, limit=100_000)


def _choose(client, **hows) -> None:
    data = {"csrf_token": csrf_token(client, "/notifications/settings")}
    data |= {f"how_{kind}": how for kind, how in hows.items()}
    assert client.post("/notifications/settings", data=data).status_code == 302


def _email(app, subject: str) -> str:
    from core.identity.models import Identity

    with _db(app) as db:
        identity = db.scalar(select(Identity).where(Identity.subject == subject))
        return db.get(User, identity.user_id).email


def _outbox_after(app, last: int) -> list[OutboxMessage]:
    with _db(app) as db:
        rows = db.scalars(
            select(OutboxMessage).where(OutboxMessage.id > last).order_by(OutboxMessage.id)
        ).all()
        db.expunge_all()
        return rows


def _last_outbox(app) -> int:
    with _db(app) as db:
        return db.scalar(select(func.max(OutboxMessage.id))) or 0


def test_a_scripted_day_sends_exactly_what_the_settings_ask(day_app):
    app = day_app
    lotte, julien, sofie = app.test_client(), app.test_client(), app.test_client()
    login(lotte, "vlaams", "vlaams-lotte")
    login(julien, "cocof", "cocof-julien")
    login(sofie, "vlaams", "vlaams-sofie")
    _choose(lotte, service_approved="off")  # she looks at the inventory herself
    _choose(julien, service_submitted="now", followed="off")
    # Sofie keeps the defaults: what she follows, in the daily digest.
    _notify(app)  # whatever the demo's own history left to tell
    with app.app_context(), _db(app) as db:
        send_digests(db, "daily", "2026-12-02")
    start = _last_outbox(app)

    created = lotte.post("/services/new", data={"csrf_token": csrf_token(lotte), **FIRST})
    service = int(created.location.rsplit("/", 1)[1])
    _post(lotte, f"/services/{service}/submit", {})
    _notify(app)
    _post(sofie, "/follow", {"kind": "service", "id": service, "next": f"/services/{service}"})
    _post(julien, "/follow", {"kind": "service", "id": service})
    _post(julien, f"/services/{service}/return", {"comment": "Graag de wachttijd."})
    _notify(app)
    _post(lotte, f"/services/{service}/submit", {})
    _notify(app)
    _post(julien, f"/services/{service}/approve", {})
    _notify(app)
    signalled = lotte.post(
        "/needs/new",
        data={
            "csrf_token": csrf_token(lotte, "/needs/new"),
            "prison": "haren",
            "domain": "sport",
            "description_nl": "Geen sport op zondag in Haren.",
        },
    )
    assert signalled.status_code == 302
    with app.app_context(), _db(app) as db, acting_as(system("job", "secretariat")):
        need = db.scalar(select(Need).order_by(Need.id.desc()))
        needs.update(db, need, {"status": "answered"})
    _notify(app)
    assert _notify(app) == 0, "a second run tells nobody again"
    with app.app_context(), _db(app) as db:
        send_digests(db, "daily", "2026-12-03")
        assert send_digests(db, "daily", "2026-12-03") == 0

    told = [
        (m.kind, m.recipient, m.language)
        for m in _outbox_after(app, start)
        if re.search(rf"/services/{service}(?!\d)|/needs/", m.body)
    ]
    emails = {
        who: _email(app, f"{authority}-{who}")
        for who, authority in (("lotte", "vlaams"), ("julien", "cocof"), ("sofie", "vlaams"))
    }
    expected = [
        ("service_submitted", emails["julien"], "fr"),
        ("service_returned", emails["lotte"], "nl"),
        ("service_submitted", emails["julien"], "fr"),
        # service_approved: Lotte turned it off
        ("need_answered", emails["lotte"], "nl"),
        ("digest_daily", emails["sofie"], "nl"),
        # Julien follows too, but turned "followed" off: no digest for him
    ]
    assert sorted(told) == sorted(expected), told
    digest = next(m for m in _outbox_after(app, start) if m.kind == "digest_daily")
    assert digest.recipient == emails["sofie"]
    # Grouped by kind and record: the two submissions waiting for her review are one line;
    # what happened to it after she followed it, another, in the order it happened.
    assert "Een dienst wacht op een beoordeling die ik mag geven (1)" in digest.body
    assert "Er veranderde iets aan wat ik volg (1)" in digest.body
    assert digest.body.count("Klimmen in de sportzaal") == 2, digest.body
    assert re.search(r"teruggestuurd naar de auteurs, .*gepubliceerd", digest.body), digest.body
    answered = next(m for m in _outbox_after(app, start) if m.kind == "need_answered")
    assert "Geen sport op zondag in Haren." in answered.body
    assert "/notifications/" in answered.body, "every e-mail links to the settings"


def test_an_action_is_told_to_its_owner_by_account_or_by_address(day_app):
    app = day_app
    lotte = app.test_client()
    login(lotte, "vlaams", "vlaams-lotte")
    lotte_email = _email(app, "vlaams-lotte")
    _notify(app)
    start = _last_outbox(app)
    secretariat = system("job", "secretariat")
    with app.app_context(), _db(app) as db, acting_as(secretariat):
        minutes = db.scalar(select(Minutes).where(Minutes.state == "draft").limit(1))
        assert minutes is not None, "the demo keeps draft minutes"
        assigned = meetings.add_action(
            db,
            minutes,
            {
                "title_nl": "Wachttijden bij bezoek in kaart brengen",
                "owner_name": "Lotte",
                "owner_email": lotte_email.upper(),  # an address is found in any case
                "authority": "vlaams",
            },
        )
        outside = meetings.add_action(
            db,
            minutes,
            {
                "title_fr": "Relire la brochure d'accueil",
                "owner_name": "Partenaire",
                "owner_email": "partenaire@example.org",
                "authority": "cocof",
            },
        )
        assigned_id, outside_id = assigned.id, outside.id
    _notify(app)
    with app.app_context(), _db(app) as db, acting_as(secretariat):
        action = db.get(ActionItem, assigned_id)
        meetings.update_action(db, action, {"status": "in_progress"}, action.version)
        action = db.get(ActionItem, assigned_id)
        meetings.update_action(db, action, {"note": "Een woord."}, action.version)
    _notify(app)
    told = sorted((m.kind, m.recipient, m.language) for m in _outbox_after(app, start))
    assert told == [
        ("action_assigned", lotte_email, "nl"),
        # Without an account: told at once, at the address, in the authority's language.
        ("action_assigned", "partenaire@example.org", "fr"),
    ]
    mails = {m.recipient: m for m in _outbox_after(app, start)}
    assert "Wachttijden bij bezoek in kaart brengen" in mails[lotte_email].subject
    assert f"/actions/{assigned_id}" in mails[lotte_email].body
    assert "Relire la brochure" in mails["partenaire@example.org"].subject
    assert f"/actions/{outside_id}" in mails["partenaire@example.org"].body
    assert "/notifications/" in mails[lotte_email].body
    assert "/notifications/" not in mails["partenaire@example.org"].body, "no settings link"
    with _db(app) as db:
        lotte_id = db.scalar(select(User.id).where(User.email == lotte_email))
        waiting = db.scalars(
            select(DigestEntry.kind).where(
                DigestEntry.user_id == lotte_id,
                DigestEntry.sent_at.is_(None),
                DigestEntry.kind.like("action_%"),
            )
        ).all()
    # The status changed by someone else waits for her daily digest; a note alone is no news.
    assert waiting == ["action_changed"]


def test_following_what_one_may_not_read_is_refused_and_stores_nothing(day_app):
    app = day_app
    camille = app.test_client()
    login(camille, "cocof", "cocof-camille", language="fr")
    with _db(app) as db:
        draft = db.scalar(
            select(Service.id).where(
                Service.published_at.is_(None), Service.authority_code == "vlaams"
            )
        )
        published = db.scalar(select(Service.id).where(Service.published_at.is_not(None)))
    assert draft is not None
    _post(camille, "/follow", {"kind": "service", "id": draft}, status=403)
    _post(camille, "/follow", {"kind": "planet", "id": 1}, status=404)
    _post(camille, "/follow", {"kind": "service", "id": 2**31 + 5}, status=404)
    with _db(app) as db:
        assert db.scalar(select(func.count()).select_from(Follow)) == 0
    # A published service: followed once however often the button is pressed.
    _post(camille, "/follow", {"kind": "service", "id": published, "next": "https://evil.example/"})
    response = _post(camille, "/follow", {"kind": "service", "id": published})
    assert response.location.endswith("/notifications/settings")
    with _db(app) as db:
        assert db.scalar(select(func.count()).select_from(Follow)) == 1
    page = camille.get(f"/services/{published}")
    assert "Ne plus suivre" in page.get_data(as_text=True)
    settings = camille.get("/notifications/settings").get_data(as_text=True)
    assert "Ce que vous suivez" in settings and f"/services/{published}" in settings
    _post(camille, "/unfollow", {"kind": "service", "id": published})
    with _db(app) as db:
        assert db.scalar(select(func.count()).select_from(Follow)) == 0
    # Anonymous readers see no button and cannot follow.
    anonymous = app.test_client()
    assert "Suivre" not in anonymous.get(f"/services/{published}?lang=fr").get_data(as_text=True)
    assert anonymous.post("/follow", data={"kind": "service", "id": published}).status_code in (
        302,
        400,
        401,
    )


def test_coordinators_hear_of_the_yearly_check_and_of_reported_errors(day_app):
    from core.inventory import error_reports, verification
    from core.permissions import ANONYMOUS

    app = day_app
    lotte = app.test_client()
    login(lotte, "vlaams", "vlaams-lotte")
    lotte_email = _email(app, "vlaams-lotte")
    _notify(app)
    start = _last_outbox(app)
    with app.app_context(), _db(app) as db:
        asked = verification.request_confirmations(db, 2031, ["vlaams"])
        service = db.scalar(
            select(Service).where(
                Service.authority_code == "vlaams",
                Service.published_at.is_not(None),
                Service.state == "published",
            )
        )
        error_reports.report(
            db, service, {"text": "Het telefoonnummer klopt niet meer."}, ANONYMOUS, "nl"
        )
        name = service.name_nl
    assert asked == ["vlaams"]
    _notify(app)
    told = [(m.kind, m.recipient, m.language) for m in _outbox_after(app, start)]
    assert told == [("verification_requested", lotte_email, "nl")]
    request = _outbox_after(app, start)[0]
    assert "2031" in request.subject and "/services/verification" in request.body
    # The report waits for her daily digest, with its words and where to close it.
    with app.app_context(), _db(app) as db:
        send_digests(db, "daily", "2031-01-02")
    digest = next(
        m
        for m in _outbox_after(app, start)
        if m.kind == "digest_daily" and m.recipient == lotte_email
    )
    assert name in digest.body and "Het telefoonnummer klopt niet meer." in digest.body
    assert "/services/error-reports" in digest.body


def test_those_present_are_asked_for_remarks_in_their_language(day_app):
    from datetime import timedelta

    from core.meetings.models import RemarkRound

    app = day_app
    for authority, subject in (("vlaams", "vlaams-lotte"), ("cocof", "cocof-julien")):
        login(app.test_client(), authority, subject)
    _notify(app)
    start = _last_outbox(app)
    with app.app_context(), _db(app) as db:
        minutes = db.scalar(select(Minutes).join(RemarkRound).where(Minutes.state == "draft"))
        closes = brussels_today() + timedelta(days=9)
        meetings.send_for_remarks(
            db, minutes, {"closes_on": closes.isoformat()}, system("job", "secretariat")
        )
        minutes_id = minutes.id
    _notify(app)
    told = {m.recipient: m for m in _outbox_after(app, start)}
    lotte, julien = _email(app, "vlaams-lotte"), _email(app, "cocof-julien")
    assert set(told) == {lotte, julien}
    assert told[lotte].language == "nl" and told[lotte].subject.startswith("Ontwerpverslag")
    assert told[julien].language == "fr" and told[julien].subject.startswith("Projet de procès")
    assert closes.strftime("%d/%m/%Y") in told[julien].body
    assert f"/minutes/{minutes_id}/remarks" in told[lotte].body


def test_a_comment_on_a_service_reaches_its_editors_and_earlier_commenters(day_app):
    from core.inventory.models import ServiceComment

    app = day_app
    lotte, julien, camille = app.test_client(), app.test_client(), app.test_client()
    login(lotte, "vlaams", "vlaams-lotte")
    login(julien, "cocof", "cocof-julien", language="fr")
    login(camille, "cocof", "cocof-camille")
    created = lotte.post("/services/new", data={"csrf_token": csrf_token(lotte), **FIRST})
    service = int(created.location.rsplit("/", 1)[1])
    _post(lotte, f"/services/{service}/submit", {})
    _notify(app)
    start = _last_outbox(app)

    # An empty comment is refused at the field; a coordinator of another authority may not
    # read the draft (for her it does not exist), so may not comment on it. Nothing stored.
    refused = _post(julien, f"/services/{service}/comments", {"comment_text": "  "}, status=422)
    assert "Écrivez d’abord votre commentaire." in refused.get_data(as_text=True)
    _post(camille, f"/services/{service}/comments", {"comment_text": "Et nous ?"}, status=404)
    with _db(app) as db:
        assert db.scalar(select(func.count()).select_from(ServiceComment)) == 0

    _post(julien, f"/services/{service}/comments", {"comment_text": "Quel jour exactement ?"})
    _notify(app)
    _post(lotte, f"/services/{service}/comments", {"comment_text": "Elke woensdag."})
    _notify(app)
    told = [(m.kind, m.recipient, m.language) for m in _outbox_after(app, start)]
    lotte_email, julien_email = _email(app, "vlaams-lotte"), _email(app, "cocof-julien")
    assert told == [
        ("service_commented", lotte_email, "nl"),  # she edited it
        ("service_commented", julien_email, "fr"),  # he commented before
    ]
    first, answer = _outbox_after(app, start)
    assert "Quel jour exactement ?" in first.body and f"/services/{service}#comments" in first.body
    assert "Elke woensdag." in answer.body
    page = julien.get(f"/services/{service}").get_data(as_text=True)
    assert "Quel jour exactement ?" in page and "Elke woensdag." in page
    public = app.test_client().get(f"/services/{service}").get_data(as_text=True)
    assert "Elke woensdag." not in public


def test_the_writer_of_a_signal_hears_of_its_answer(day_app):
    from datetime import timedelta

    from core.identity.models import Identity
    from core.identity.services import principal_for
    from core.signals import services as signals

    app = day_app
    login(app.test_client(), "vlaams", "vlaams-lotte")
    _notify(app)
    start = _last_outbox(app)
    today = brussels_today()
    with app.app_context(), _db(app) as db:
        identity = db.scalar(select(Identity).where(Identity.subject == "vlaams-lotte"))
        lotte = principal_for(identity)
        signal = signals.create(
            db,
            {
                "title_nl": "Wachttijden bij het bezoek",
                "addressee_kind": "committee",
                "status": "sent",
                "sent_on": (today - timedelta(days=30)).isoformat(),
            },
            lotte,
        )
        signal_id = signal.id
    _notify(app)
    assert _outbox_after(app, start) == [], "nothing to tell before an answer"
    with app.app_context(), _db(app) as db, acting_as(system("job", "secretariat")):
        signal = db.get(Signal, signal_id)
        signals.update(
            db,
            signal,
            {
                "status": "answered",
                "answer_nl": "De gevangenis opent een tweede bezoekzaal.",
                "answered_on": today.isoformat(),
            },
            system("job", "secretariat"),
            signal.version,
            may_publish=True,
        )
    _notify(app)
    told = _outbox_after(app, start)
    assert [(m.kind, m.recipient, m.language) for m in told] == [
        ("signal_answered", _email(app, "vlaams-lotte"), "nl")
    ]
    assert "Wachttijden bij het bezoek" in told[0].subject
    assert "tweede bezoekzaal" in told[0].body and f"/signals/{signal_id}" in told[0].body
