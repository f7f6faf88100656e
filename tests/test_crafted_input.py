"""Crafted input gets a clear 4xx (or a sensible 200), never a 500 or a hang (issue 18,
point 8): numbers no whole-number field can hold, JSON nested beyond reason or carrying a
lone surrogate, page numbers past any integer, dates at the edge of the calendar, a line
break in a redirect target, a file name outside ASCII, and meetings stored at impossible
dates or with a line feed in their title. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from sqlalchemy import select

from core.clock import utcnow
from core.goals.models import PlanAction
from core.meetings.models import AgendaItem, Attachment, Body, Meeting
from tests.conftest import make_app
from tests.logins import api_token, login, login_as


@pytest.fixture
def crafted_app(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _first(app, model, *where):
    with app.extensions["concerto.db"].session() as db:
        return db.scalars(select(model).where(*where).order_by(model.id)).first().id


WHO = {"vlaams-lotte": ("vlaams", "coordinator"), "cocom-secretariaat": "secretary"}


def _send(app, method: str, path: str, body: str, subject: str = "vlaams-lotte"):
    login_as(app.test_client(), app, WHO[subject])  # a token is made for someone known
    headers = {
        "Authorization": f"Bearer {api_token(app, subject)}",
        "Content-Type": "application/json",
    }
    return app.test_client().open(path, method=method, data=body.encode("utf-8"), headers=headers)


# JSON bodies as an attacker writes them: each is refused with a 4xx and changes nothing.
BAD_NUMBERS = ["Infinity", "-Infinity", "NaN", "1e400", "-1e400"]
NESTED = "[" * 100_000 + "]" * 100_000
NESTED_OBJECT = '{"a":' * 40 + "1" + "}" * 40


def _service(number: str) -> str:
    return '{"name_nl": "Sport", "category": "sport", "capacity": ' + number + "}"


@pytest.mark.parametrize("number", BAD_NUMBERS)
def test_numbers_no_whole_number_field_can_hold_are_refused(crafted_app, number):
    app = crafted_app
    created = _send(app, "POST", "/api/v1/services", _service(number))
    assert 400 <= created.status_code < 500, created.get_data(as_text=True)[:300]

    action_id = _first(app, PlanAction, PlanAction.authority_code != "vlaams")  # committee plan
    changed = _send(
        app, "PATCH", f"/api/v1/plan-actions/{action_id}", '{"progress": ' + number + "}",
        subject="cocom-secretariaat",
    )  # fmt: skip
    assert 400 <= changed.status_code < 500, changed.get_data(as_text=True)[:300]

    meeting_id = _first(app, Meeting)
    item = _send(
        app, "POST", f"/api/v1/meetings/{meeting_id}/agenda",
        '{"title_nl": "Punt", "duration_minutes": ' + number + "}", subject="cocom-secretariaat",
    )  # fmt: skip
    assert 400 <= item.status_code < 500, item.get_data(as_text=True)[:300]


@pytest.mark.parametrize(
    "body",
    [NESTED, NESTED_OBJECT, '{"name_nl": "\\ud800", "category": "sport"}', '{"\\udfff": 1}'],
    ids=["nested-array", "nested-object", "lone-surrogate", "surrogate-key"],
)
def test_json_nested_beyond_reason_or_with_a_lone_surrogate_is_a_400(crafted_app, body):
    app = crafted_app
    for method, path in [("POST", "/api/v1/services"), ("PATCH", "/api/v1/authorities/vlaams")]:
        answer = _send(app, method, path, body)
        assert 400 <= answer.status_code < 500, (path, answer.get_data(as_text=True)[:300])
        assert answer.is_json, "the problem is told as JSON, the error page does not fail"


def test_the_whole_number_reader_refuses_infinity():
    from core.validation import whole_field

    errors: dict[str, str] = {}
    assert whole_field({"n": float("inf")}, "n", errors, 0, 10) is None
    assert errors == {"n": "integer"}


@pytest.mark.parametrize(
    "path",
    [
        "/hsds/services?page=99999999999999999999",
        "/hsds/services?page=99999999999999999999&per_page=250",
    ],
)
def test_page_numbers_past_any_integer_give_an_empty_page(crafted_app, path):
    answer = crafted_app.test_client().get(path)
    assert answer.status_code == 200
    assert answer.get_json()["contents"] == []
    first = crafted_app.test_client().get("/hsds/services?page=-99999999999999999999")
    assert first.status_code == 200 and first.get_json()["page_number"] == 1


def test_the_outbox_past_its_last_page_is_an_empty_page(crafted_app):
    client = crafted_app.test_client()
    login_as(client, crafted_app, "secretary")
    assert client.get("/outbox?page=99999999999999999999").status_code == 200


@pytest.mark.parametrize(
    "moment",
    ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2026-13-01T00:00:00", "x"],
)
def test_a_modified_after_at_the_calendars_edge_is_a_400(crafted_app, moment):
    answer = crafted_app.test_client().get(
        "/hsds/services", query_string={"modified_after": moment}
    )
    assert answer.status_code == 400
    assert "modified_after" in answer.get_data(as_text=True)


# A NUL anywhere in a request is a 400 before any view (core.security; tests in
# test_property_findings.py).
@pytest.mark.parametrize("target", ["/\r\nX", "/\nSet-Cookie: a=b", "/\\evil.example"])
def test_a_next_address_with_a_line_break_goes_home(crafted_app, target):
    client = crafted_app.test_client()
    answer = client.get("/language/en", query_string={"next": target})
    assert answer.status_code == 302
    assert answer.location in ("/", "http://localhost/")
    raw = client.get("/language/en?next=/%0d%0aX")
    assert raw.status_code == 302 and raw.location in ("/", "http://localhost/")


def test_a_login_with_such_a_next_signs_in_and_goes_to_my_work(crafted_app):
    client = crafted_app.test_client()
    answer = login(client, "vlaams", "vlaams-lotte", next_url="/\r\nX")
    # Where a login without a page of its own leads (issue 21).
    assert answer.location in ("/work", "http://localhost/work")
    assert client.get(answer.location).status_code == 200
    assert client.get("/account").status_code == 200


def test_an_attachment_named_outside_ascii_downloads_with_its_name(crafted_app):
    app = crafted_app
    with app.extensions["concerto.db"].session() as db:
        item = db.scalars(select(AgendaItem).order_by(AgendaItem.id)).first()
        attachment = Attachment(
            item_id=item.id,
            filename='Budget € ĳ "2026".pdf',
            content_type="application/pdf",
            size=8,
            sha256="0" * 64,
            content=b"%PDF-1.4",
            uploaded_by="test",
        )
        db.add(attachment)
        db.commit()
        attachment_id = attachment.id
    client = app.test_client()
    login_as(client, app, "secretary")
    answer = client.get(f"/attachments/{attachment_id}")
    assert answer.status_code == 200 and answer.data == b"%PDF-1.4"
    header = answer.headers["Content-Disposition"]
    header.encode("latin-1")  # a header that can be sent at all
    assert header.startswith('attachment; filename="Budget ')
    assert "filename*=UTF-8''" + quote("Budget € ĳ _2026_.pdf", safe="") in header


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"])
def test_meetings_outside_2000_to_2100_are_refused(crafted_app, day):
    answer = _send(
        crafted_app, "POST", "/api/v1/meetings",
        json.dumps({
            "body": "overlegcomite", "date": day, "start_time": "14:00",
            "duration_minutes": 60, "place_kind": "office", "place_text": "Zaal",
        }),
        subject="cocom-secretariaat",
    )  # fmt: skip
    assert answer.status_code == 422, answer.get_data(as_text=True)[:300]
    assert [error["field"] for error in answer.get_json()["errors"]] == ["date"]


def test_the_public_calendar_survives_what_older_versions_stored(crafted_app):
    """Meetings stored before the dates and titles were checked: at year 1 and 9999, and with
    a line feed in the title. The body's feed still answers, with the other meetings."""
    app = crafted_app
    with app.extensions["concerto.db"].session() as db:
        body = db.scalar(select(Body).where(Body.code == "overlegcomite"))
        template = db.scalars(select(Meeting).where(Meeting.body_id == body.id)).first()
        for starts in (datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, tzinfo=UTC)):
            db.add(_copy(template, starts, starts, "Oud"))
        now = utcnow()
        db.add(_copy(template, now, now, "Lijn\neen\r\ntwee"))
        db.commit()
    answer = app.test_client().get("/bodies/overlegcomite/calendar.ics")
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert "Lijn een twee" in text
    assert text.count("BEGIN:VEVENT") >= 2


def _copy(meeting: Meeting, starts: datetime, ends: datetime, title: str) -> Meeting:
    import uuid

    return Meeting(
        body_id=meeting.body_id,
        series_id=None,
        uid=f"{uuid.uuid4()}@test",
        starts_at=starts,
        ends_at=ends,
        title_nl=title,
        place_kind=meeting.place_kind,
        prison_code=meeting.prison_code,
        place_text=meeting.place_text,
    )
