"""Work finds the person (issue 21, notifications of the review loop): a service submitted is
told to the committee members who may review it, never to its author; returned (with the
comment) and approved are told to its author; each in the recipient's language, once, however
often the notifier runs. The events are written in the same transaction as the step: a refused
step leaves none. Each person chooses per kind: at once, daily or weekly digest, or off (from
the account or the signed link in every e-mail); a digest is sent once per period and loses
nothing; a tampered link or an unknown kind is refused and changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core.events.models import Event
from core.identity.models import User
from core.mail.models import OutboxMessage
from core.notifications.services import notify_pending
from tests.conftest import make_app
from tests.logins import csrf_token, login
from tests.test_service_history import FIRST


@pytest.fixture
def loop_app(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _post(client, path: str, data: dict):
    response = client.post(path, data={"csrf_token": csrf_token(client), **data})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return response


def _notify(app) -> int:
    with app.app_context(), app.extensions["concerto.db"].session() as db:
        return notify_pending(db)


def _mail(app, service_id: int) -> list[tuple[str, str, str, str, str]]:
    """The e-mails about ``service_id`` (the demo's own submitted services are told too)."""
    with app.extensions["concerto.db"].session() as db:
        return [
            (m.kind, m.recipient, m.language, m.subject, m.body)
            for m in db.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind.like("service_%"))
                .order_by(OutboxMessage.id)
            )
            if re.search(rf"/services/{service_id}(?!\d)", m.body)
        ]


def _email(app, subject_prefix: str) -> str:
    with app.extensions["concerto.db"].session() as db:
        people = db.scalars(select(User).order_by(User.id)).all()
        return next(u.email for u in people if u.display_name.startswith(subject_prefix))


def _choose(client, **hows) -> None:
    page = client.get("/notifications/settings")
    assert page.status_code == 200
    data = {"csrf_token": csrf_token(client, "/notifications/settings")}
    data |= {f"how_{kind}": how for kind, how in hows.items()}
    assert client.post("/notifications/settings", data=data).status_code == 302


def test_the_review_loop_tells_reviewers_and_the_author_once_each_in_their_language(loop_app):
    app = loop_app
    coordinator, member, other = app.test_client(), app.test_client(), app.test_client()
    login(coordinator, "vlaams", "vlaams-lotte")
    login(member, "cocof", "cocof-julien")
    login(other, "vlaams", "vlaams-sofie")
    # Reviewers hear of submissions in a daily digest by default; these two want them at once.
    _choose(member, service_submitted="now")
    _choose(other, service_submitted="now")
    created = coordinator.post(
        "/services/new", data={"csrf_token": csrf_token(coordinator, "/services/new"), **FIRST}
    )
    service_id = int(created.location.rsplit("/", 1)[1])
    before = len(_mail(app, service_id))
    _post(coordinator, f"/services/{service_id}/submit", {})
    assert len(_mail(app, service_id)) == before, "nothing is written before the notifier runs"
    _notify(app)
    assert _notify(app) == 0, "a second run tells nobody again"
    told = _mail(app, service_id)[before:]
    lotte, julien, sofie = (_email(app, n) for n in ("Lotte", "Julien", "Sofie"))
    to = {recipient: (language, subject) for _k, recipient, language, subject, _b in told}
    assert lotte not in to, "the author is not asked to review her own service"
    assert to[julien][0] == "fr" and to[julien][1].startswith("Un service attend votre examen")
    assert "Escalade en salle de sport" in to[julien][1]
    assert to[sofie][0] == "nl" and "Klimmen in de sportzaal" in to[sofie][1]
    assert {kind for kind, *_ in told} == {"service_submitted"}

    _post(member, f"/services/{service_id}/return", {"comment": "Graag de wachttijd."})
    seen = len(_mail(app, service_id))
    _notify(app)
    returned = _mail(app, service_id)[seen:]
    assert [(k, r, lang) for k, r, lang, _s, _b in returned] == [("service_returned", lotte, "nl")]
    assert "Graag de wachttijd." in returned[0][4]
    assert returned[0][3].startswith("Uw dienst werd teruggestuurd")

    _post(coordinator, f"/services/{service_id}/submit", {})
    _post(member, f"/services/{service_id}/approve", {})
    seen = len(_mail(app, service_id))
    _notify(app)
    later = [(k, r) for k, r, *_ in _mail(app, service_id)[seen:]]
    # The second submission was approved before the notifier ran: nobody is asked to review
    # what no longer waits; the author hears it is published, and the approver hears nothing.
    assert later == [("service_approved", lotte)]


def test_a_refused_step_leaves_no_event(loop_app):
    app = loop_app
    member = app.test_client()
    login(member, "cocof", "cocof-julien")
    with app.extensions["concerto.db"].session() as db:
        events = db.scalar(select(func.count()).select_from(Event))
        from core.inventory.models import Service

        published = db.scalar(select(Service.id).where(Service.state == "published").limit(1))
    # Approving a published service is refused: no event, so nobody is told anything.
    response = member.post(
        f"/services/{published}/approve", data={"csrf_token": csrf_token(member)}
    )
    assert response.status_code in (302, 409, 422)
    with app.extensions["concerto.db"].session() as db:
        assert db.scalar(select(func.count()).select_from(Event)) == events


def _user(app, subject: str) -> User:
    from core.identity.models import Identity

    with app.extensions["concerto.db"].session() as db:
        identity = db.scalar(select(Identity).where(Identity.subject == subject))
        user = db.get(User, identity.user_id)
        db.expunge(user)
        return user


def test_digests_are_sent_once_per_period_and_lose_nothing(loop_app):
    from core.notifications.models import DigestEntry
    from core.notifications.services import send_digests

    app = loop_app
    coordinator, member = app.test_client(), app.test_client()
    login(coordinator, "vlaams", "vlaams-lotte")
    login(member, "cocof", "cocof-julien")
    _choose(coordinator, service_returned="weekly", service_approved="weekly")
    created = coordinator.post(
        "/services/new", data={"csrf_token": csrf_token(coordinator, "/services/new"), **FIRST}
    )
    service_id = int(created.location.rsplit("/", 1)[1])
    _post(coordinator, f"/services/{service_id}/submit", {})
    _notify(app)
    julien = _user(app, "cocof-julien")
    with app.app_context(), app.extensions["concerto.db"].session() as db:
        waiting = db.scalars(
            select(DigestEntry).where(
                DigestEntry.user_id == julien.id, DigestEntry.sent_at.is_(None)
            )
        ).all()
        assert waiting, "by default a reviewer finds submissions in the daily digest"
        assert send_digests(db, "daily", "2026-12-03") >= 1
    with app.app_context(), app.extensions["concerto.db"].session() as db:
        assert send_digests(db, "daily", "2026-12-03") == 0, "never an empty digest"
        digest = db.scalar(
            select(OutboxMessage).where(OutboxMessage.key == f"digest:daily:2026-12-03:{julien.id}")
        )
        assert digest.language == "fr" and digest.subject.startswith("Votre résumé quotidien")
        assert "Escalade en salle de sport" in digest.body
        assert f"/services/{service_id}" in digest.body
        assert digest.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe = digest.headers["List-Unsubscribe"].strip("<>")
        settings_link = next(w for w in digest.body.split() if "/notifications/" in w)

    # Returned and approved go to Lotte's weekly digest; a second run of the same week sends
    # nothing twice, and what arrives after this week's digest waits for the next one.
    _post(member, f"/services/{service_id}/return", {"comment": "Graag de wachttijd."})
    _notify(app)
    with app.app_context(), app.extensions["concerto.db"].session() as db:
        assert send_digests(db, "weekly", "2026-W49") == 1
    _post(coordinator, f"/services/{service_id}/submit", {})
    _post(member, f"/services/{service_id}/approve", {})
    _notify(app)
    with app.app_context(), app.extensions["concerto.db"].session() as db:
        assert send_digests(db, "weekly", "2026-W49") == 0
        assert send_digests(db, "weekly", "2026-W50") == 1
        weekly = db.scalars(
            select(OutboxMessage.body)
            .where(OutboxMessage.kind == "digest_weekly")
            .order_by(OutboxMessage.id)
        ).all()
    assert "Graag de wachttijd." in weekly[0] and "gepubliceerd" in weekly[1]

    # The signed link opens the settings without a login; one click in the digest turns off
    # what it tells.
    anonymous = app.test_client()
    path = settings_link[settings_link.index("/notifications/") :]
    page = anonymous.get(path)
    assert page.status_code == 200 and "Julien" in page.get_data(as_text=True)
    unsubscribe_path = unsubscribe[unsubscribe.index("/notifications/") :]
    response = anonymous.post(unsubscribe_path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with app.app_context(), app.extensions["concerto.db"].session() as db:
        from core.notifications.services import settings_of

        assert settings_of(db, db.get(User, julien.id))["service_submitted"] == "off"


def test_a_tampered_link_or_an_unknown_kind_is_refused_and_changes_nothing(loop_app):
    from core.notifications.models import NotificationSetting

    app = loop_app
    member = app.test_client()
    login(member, "cocof", "cocof-julien", language="fr")
    with app.test_request_context("/"):
        from core.notifications.services import settings_token

        token = settings_token(_user(app, "cocof-julien"))
    anonymous = app.test_client()
    for bad in (token[:-2] + "xx", "abc", token.replace(".", "..", 1)):
        response = anonymous.get(f"/notifications/{bad}")
        assert response.status_code == 404
        assert "This link does not work" in response.get_data(as_text=True)
        assert anonymous.post(f"/notifications/{bad}/unsubscribe/daily").status_code == 404
    assert anonymous.post(f"/notifications/{token}/unsubscribe/sometimes").status_code == 404
    response = member.post(
        "/notifications/settings",
        data={
            "csrf_token": csrf_token(member, "/notifications/settings"),
            "how_service_returned": "off",
            "how_everything": "now",
        },
    )
    assert response.status_code == 422
    assert "Ce type de message n’existe pas." in response.get_data(as_text=True)
    response = member.post(
        "/notifications/settings",
        data={
            "csrf_token": csrf_token(member, "/notifications/settings"),
            "how_service_returned": "hourly",
        },
    )
    assert response.status_code == 422
    with app.extensions["concerto.db"].session() as db:
        assert db.scalar(select(func.count()).select_from(NotificationSetting)) == 0
