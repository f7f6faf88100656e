"""What meetings give out: the bodies' feeds (public or private, read by a second parser) and
the personal feed, the register of actions (open and overdue by authority, updated by their
authority with a version check), meetings in the API, and the meeting lists making as many
queries for many records as for few."""

from __future__ import annotations

import pytest
import vobject
from sqlalchemy import func, select

from core.clock import utcnow
from core.meetings import services as meetings
from core.meetings.models import (
    ActionItem,
    Body,
    Meeting,
    Membership,
    Minutes,
)
from tests.logins import api_token, csrf_token, login_as
from tests.meeting_records import _committee, _db


@pytest.fixture
def secretary(app, client):
    login_as(client, app, "secretary")
    client.csrf = csrf_token(client, "/meetings")
    return client


def test_body_feeds_are_public_or_private_and_parse_with_a_second_parser(app, secretary):
    anonymous = app.test_client()
    with _db(app) as db:
        committee = _committee(db)
        working_group = db.scalar(select(Body).where(Body.code == "werkgroep_gezondheid"))
        token, count = (
            committee.calendar_token,
            db.scalar(select(func.count()).where(Meeting.body_id == committee.id)),
        )
        private_token = working_group.calendar_token
    public = anonymous.get("/bodies/overlegcomite/calendar.ics")
    assert public.status_code == 200 and public.mimetype == "text/calendar"
    events = list(vobject.readOne(public.get_data(as_text=True)).vevent_list)
    assert len(events) == count
    assert not any(hasattr(e, "description") for e in events)  # no agenda in public
    private = anonymous.get(f"/bodies/overlegcomite/calendar.ics?token={token}")
    described = [
        e
        for e in vobject.readOne(private.get_data(as_text=True)).vevent_list
        if hasattr(e, "description")
    ]
    assert described and "Rondvraag" in described[0].description.value
    assert anonymous.get("/bodies/werkgroep_gezondheid/calendar.ics").status_code == 404
    assert anonymous.get("/bodies/werkgroep_gezondheid/calendar.ics?token=wrong").status_code == 404
    assert (
        anonymous.get(
            f"/bodies/werkgroep_gezondheid/calendar.ics?token={private_token}"
        ).status_code
        == 200
    )


def test_the_personal_feed_lists_the_meetings_of_ones_bodies(app, secretary):
    secretary.post("/calendar/token", data={"csrf_token": secretary.csrf})
    with _db(app) as db:
        from core.identity.models import User

        user = db.scalar(select(User).where(User.calendar_token.is_not(None)))
        membership = db.scalar(select(Membership).where(Membership.name == "Ilse Vermeulen"))
        membership.user_id = user.id
        token = user.calendar_token
        expected = {
            m.uid for m in db.scalars(select(Meeting).where(Meeting.body_id == membership.body_id))
        }
    feed = app.test_client().get(f"/calendar/{token}.ics")
    assert feed.status_code == 200
    assert {
        e.uid.value for e in vobject.readOne(feed.get_data(as_text=True)).vevent_list
    } == expected
    assert app.test_client().get("/calendar/unknown.ics").status_code == 404


def test_the_action_register_shows_open_and_overdue_by_authority(app, secretary):
    with _db(app) as db:
        today = meetings.in_brussels(utcnow()).date()
        overdue = [a for a in db.scalars(select(ActionItem)) if a.overdue(today)]
        assert overdue, "the demo has overdue actions"
    page = secretary.get("/actions?status=overdue").get_data(as_text=True)
    for action in overdue:
        assert f'/actions/{action.id}"' in page
    summary = meetings.action_summary(_db(app).__enter__(), today)
    assert sum(row["overdue"] for row in summary) == len(overdue)


def test_an_action_is_updated_by_its_authority_with_a_version_check(app, client):
    with _db(app) as db:
        action = db.scalar(
            select(ActionItem).where(
                ActionItem.authority_code == "vlaams", ActionItem.status == "open"
            )
        )
        action_id, version = action.id, action.version
    login_as(client, app, ("vlaams", "coordinator"))
    csrf = csrf_token(client, f"/actions/{action_id}")
    done = client.post(
        f"/actions/{action_id}", data={"csrf_token": csrf, "version": version, "status": "done"}
    )
    assert done.status_code == 302
    stale = client.post(
        f"/actions/{action_id}", data={"csrf_token": csrf, "version": version, "status": "open"}
    )
    assert stale.status_code == 409
    with _db(app) as db:
        action = db.get(ActionItem, action_id)
        assert action.status == "done" and action.closed_at is not None


def test_meetings_in_the_api(app, client):
    login_as(client, app, ("cocof", "viewer"))
    secret = api_token(app, "cocof-manon", ["viewer"])
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    listed = client.get("/api/v1/meetings?body=overlegcomite").get_json()["items"]
    approved = [m for m in listed if m["state"] == "minutes_approved"]
    assert approved
    meeting = client.get(f"/api/v1/meetings/{approved[0]['id']}").get_json()
    assert [i["number"] for i in meeting["agenda"]] == ["1", "2", "3", "4"]
    minutes = client.get(f"/api/v1/meetings/{approved[0]['id']}/minutes").get_json()
    assert minutes["state"] == "approved" and minutes["decisions"]
    decisions = client.get("/api/v1/decisions").get_json()["items"]
    assert any(d["meeting_id"] == approved[0]["id"] for d in decisions)
    actions = client.get("/api/v1/actions?status=any").get_json()["items"]
    assert actions and all("overdue" in a for a in actions)
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in (
        "/bodies",
        "/meetings",
        "/meetings/{meeting_id}",
        "/meetings/{meeting_id}/minutes",
        "/decisions",
        "/actions",
        "/actions/{action_id}",
    ):
        assert path in spec["paths"], path
    assert client.post("/api/v1/meetings", json={"body": "overlegcomite"}).status_code == 403


def test_meeting_lists_make_as_many_queries_for_many_records_as_for_few(app, secretary):
    from sqlalchemy import event

    secret = api_token(app, "cocom-secretariaat")
    headers = {"Authorization": f"Bearer {secret}"}
    year = meetings.in_brussels(utcnow()).year
    paths = [
        f"/meetings?year={year}",
        "/actions?status=any",
        f"/api/v1/meetings?year={year}",
        "/api/v1/actions?status=any",
        "/api/v1/decisions",
    ]
    engine = app.extensions["concerto.db"].engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def measure() -> dict[str, int]:
        counts = {}
        for path in paths:
            statements.clear()
            response = secretary.get(path, headers=headers if path.startswith("/api") else {})
            assert response.status_code == 200, path
            counts[path] = len(statements)
        return counts

    event.listen(engine, "before_cursor_execute", count)
    try:
        measure()  # the token's first use is recorded once; count from the second round
        few = measure()
        with _db(app) as db:
            body = _committee(db)
            _series, planned, _ = meetings.plan_series(
                db,
                body,
                {
                    "rule": "FREQ=WEEKLY;BYDAY=MO",
                    "first_day": f"{year}-01-01",
                    "last_day": f"{year}-12-31",
                    "start_time": "09:00",
                    "duration_minutes": "30",
                    "place_kind": "office",
                    "place_text": "x",
                },
            )
            minutes = db.scalar(select(Minutes).where(Minutes.state == "approved"))
            for n in range(40):
                db.add(
                    ActionItem(
                        meeting_id=minutes.meeting_id,
                        title_nl=f"a{n}",
                        owner_name=f"o{n}",
                        authority_code="cocof",
                    )
                )
        many = measure()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(planned) > 50
    assert few == many
