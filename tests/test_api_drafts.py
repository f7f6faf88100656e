"""The public API shows what the service's page and HSDS show (issue 18, point 2): a reader
who may not see drafts gets the published version only, without the workflow's state, the
unreviewed changes or the reviewer's comment; a service never published is a 404."""

from __future__ import annotations

from sqlalchemy import select

from core.inventory.models import Service
from tests.logins import api_token, login

HIDDEN = {"state", "version", "updated_at", "pending", "review_comment"}


def _returned_change(app) -> tuple[int, str, int]:
    """A published Flemish service with a change returned by the reviewer, and a draft."""
    with app.extensions["concerto.db"].session() as db:
        service = db.scalar(
            select(Service)
            .where(Service.authority_code == "vlaams", Service.published_at.is_not(None))
            .order_by(Service.id)
            .limit(1)
        )
        service.pending = {"name_nl": "Unreviewed new name"}
        service.state = "returned"
        service.review_comment = "Reviewer's remark about the contact person"
        draft = db.scalar(
            select(Service)
            .where(Service.authority_code == "vlaams", Service.id != service.id)
            .order_by(Service.id)
            .limit(1)
        )
        draft.published_at = None
        draft.state = "draft"
        return service.id, service.name_nl, draft.id


def test_anonymous_readers_get_the_published_version_only(app):
    service_id, published_name, draft_id = _returned_change(app)
    anonymous = app.test_client()
    one = anonymous.get(f"/api/v1/services/{service_id}")
    assert one.status_code == 200
    body = one.get_json()
    assert not HIDDEN & set(body)
    assert body["name_nl"] == published_name and body["published"] is True
    assert "Unreviewed" not in one.get_data(as_text=True)
    assert "Reviewer's remark" not in one.get_data(as_text=True)
    listed = anonymous.get("/api/v1/services?per_page=250").get_json()["items"]
    assert listed and all(not HIDDEN & set(item) for item in listed)
    assert anonymous.get(f"/api/v1/services/{draft_id}").status_code == 404


def test_a_reader_of_another_authority_gets_the_published_version_only(app):
    service_id, _name, draft_id = _returned_change(app)
    client = app.test_client()
    login(client, "cocof", "cocof-camille")
    headers = {"Authorization": f"Bearer {api_token(app, 'cocof-camille')}"}
    body = client.get(f"/api/v1/services/{service_id}", headers=headers).get_json()
    assert not HIDDEN & set(body)
    assert client.get(f"/api/v1/services/{draft_id}", headers=headers).status_code == 404


def test_the_authoritys_own_people_still_see_the_change_and_the_comment(app):
    service_id, _name, draft_id = _returned_change(app)
    client = app.test_client()
    login(client, "vlaams", "vlaams-lotte")
    headers = {"Authorization": f"Bearer {api_token(app, 'vlaams-lotte')}"}
    answer = client.get(f"/api/v1/services/{service_id}", headers=headers)
    body = answer.get_json()
    assert body["pending"] == {"name_nl": "Unreviewed new name"}
    assert body["state"] == "returned" and body["review_comment"].startswith("Reviewer's")
    assert answer.headers["ETag"] == f'"{body["version"]}"'
    assert client.get(f"/api/v1/services/{draft_id}", headers=headers).status_code == 200


def test_an_agenda_link_to_a_draft_shows_no_name_to_those_who_may_not_read_it(app):
    from core.meetings.models import AgendaItem

    _service_id, _name, draft_id = _returned_change(app)
    with app.extensions["concerto.db"].session() as db:
        draft = db.get(Service, draft_id)
        draft.name_nl = draft.name_fr = draft.name_en = "Secret draft name"
        item = db.scalar(select(AgendaItem).order_by(AgendaItem.id).limit(1))
        item.links = [{"kind": "service", "id": draft_id}]
        meeting_id = item.meeting_id
    outsider = app.test_client()
    login(outsider, "cocof", "cocof-manon")
    outsider.get("/language/fr")
    assert outsider.get(f"/services/{draft_id}").status_code == 404
    page = outsider.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "Secret draft name" not in page
    assert "non accessible pour vous" in page  # core.links: an unreadable link, said as such
    assert f"/services/{draft_id}" not in page
    owner = app.test_client()
    login(owner, "vlaams", "vlaams-lotte")
    assert "Secret draft name" in owner.get(f"/meetings/{meeting_id}").get_data(as_text=True)
