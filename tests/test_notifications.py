"""Work finds the person (issue 21, notifications of the review loop): a service submitted is
told to the committee members who may review it, never to its author; returned (with the
comment) and approved are told to its author; each in the recipient's language, once, however
often the notifier runs. The events are written in the same transaction as the step: a refused
step leaves none."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.identity.models import User
from core.mail.models import OutboxMessage
from core.notifications.models import Event
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
            if m.body.rstrip().endswith(f"/services/{service_id}")
        ]


def _email(app, subject_prefix: str) -> str:
    with app.extensions["concerto.db"].session() as db:
        people = db.scalars(select(User).order_by(User.id)).all()
        return next(u.email for u in people if u.display_name.startswith(subject_prefix))


def test_the_review_loop_tells_reviewers_and_the_author_once_each_in_their_language(loop_app):
    app = loop_app
    coordinator, member, other = app.test_client(), app.test_client(), app.test_client()
    login(coordinator, "vlaams", "vlaams-lotte")
    login(member, "cocof", "cocof-julien")
    login(other, "vlaams", "vlaams-sofie")
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
