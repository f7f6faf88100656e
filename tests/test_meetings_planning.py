"""Planning committee meetings: a refused form sums up its errors and keeps the input, series
in Brussels time (skipping August) and their refusals, overlaps warned of on the page and
while the form is filled, invitations in each member's language with calendar files read by
a second iCalendar parser and replies by link, and the list of meetings with planning from
it. The agenda and minutes: tests/test_meetings_minutes.py; feeds, actions and the API:
tests/test_meetings_feeds_actions.py."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest
import vobject
from sqlalchemy import func, select

from core.clock import utcnow
from core.mail.models import OutboxMessage
from core.meetings import services as meetings
from core.meetings.models import (
    Invitation,
    Meeting,
    Membership,
)
from tests.forms import check_summary
from tests.logins import csrf_token, login_as
from tests.meeting_records import _committee, _db


@pytest.fixture
def secretary(app, client):
    login_as(client, app, "secretary")
    client.csrf = csrf_token(client, "/meetings")
    return client


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_a_refused_meeting_form_sums_up_its_errors_by_label_and_keeps_the_input(
    app, secretary, language
):
    with _db(app) as db:
        body_id = _committee(db).id
    secretary.get(f"/language/{language}")
    form = {
        "csrf_token": secretary.csrf,
        "date": "2027-02-30",
        "start_time": "25:00",
        "duration_minutes": "90",
        "title_fr": "Réunion de printemps",
        "place_kind": "online",
        "online_url": "",
    }
    response = secretary.post(f"/bodies/{body_id}/meetings/new", data=form)
    assert response.status_code == 422
    page = check_summary(
        response.get_data(as_text=True),
        absent=("start_time", "online_url", "place_kind", "date:"),
    )
    assert page.title.startswith({"fr": "Erreur :", "nl": "Fout:"}[language])
    assert {"#f-date", "#f-start_time", "#f-online_url"} <= {href for href, _ in page.links}
    for name in ("date", "start_time", "duration_minutes", "title_fr", "place_kind"):
        assert page.values[name] == [form[name]], name
    series = secretary.post(
        f"/bodies/{body_id}/series/new",
        data={**form, "first_day": "2027-12-31", "last_day": "2027-01-01", "schedule_repeat": ""},
    )
    assert series.status_code == 422
    check_summary(series.get_data(as_text=True), absent=("last_day", "schedule"))


def test_a_monthly_series_skips_august_and_stays_at_two_in_brussels(app, secretary):
    with _db(app) as db:
        body_id = _committee(db).id
    response = secretary.post(
        f"/bodies/{body_id}/series/new",
        data={
            "csrf_token": secretary.csrf,
            "schedule_repeat": "monthly",
            "schedule_week": "3",
            "schedule_days": ["TU"],
            "schedule_skip_months": ["8"],
            "schedule_starts": "14:00",
            "schedule_ends": "16:00",
            "directors_months": ["3", "6", "9", "12"],
            "first_day": "2027-01-01",
            "last_day": "2027-12-31",
            "place_kind": "office",
            "place_text": "Koningsstraat 1",
        },
    )
    assert response.status_code == 302
    with _db(app) as db:
        newest = db.scalar(select(func.max(Meeting.series_id)))
        planned = db.scalars(
            select(Meeting).where(Meeting.series_id == newest).order_by(Meeting.starts_at)
        ).all()
        local = [meetings.in_brussels(m.starts_at) for m in planned]
        assert [t.month for t in local] == [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12]
        assert all(t.weekday() == 1 and 15 <= t.day <= 21 for t in local)  # third Tuesday
        assert {(t.hour, t.minute) for t in local} == {(14, 0)}
        # Winter time is UTC+1, summer time UTC+2: the same wall clock, two UTC hours.
        assert planned[0].starts_at.hour == 13 and planned[5].starts_at.hour == 12
        assert [m.with_prison_directors for m in planned] == [
            t.month in (3, 6, 9, 12) for t in local
        ]


def test_a_series_with_a_bad_rule_or_dates_is_refused_field_by_field(app, secretary):
    with _db(app) as db:
        body_id = _committee(db).id
        before = db.scalar(select(func.count()).select_from(Meeting))
    response = secretary.post(
        f"/bodies/{body_id}/series/new",
        data={
            "csrf_token": secretary.csrf,
            "schedule_repeat": "weekly",
            "schedule_days": ["TU"],
            "schedule_starts": "25:00",
            "schedule_ends": "26:00",
            "first_day": "2027-12-31",
            "last_day": "2027-01-01",
            "place_kind": "online",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="e-last_day"' in page and "comes before the start" in page
    assert 'id="e-f-schedule"' in page and "Give a time as HH:MM" in page
    assert 'id="e-online_url"' in page
    with _db(app) as db:
        assert db.scalar(select(func.count()).select_from(Meeting)) == before


def test_an_overlapping_meeting_is_planned_with_a_warning(app, secretary):
    with _db(app) as db:
        committee = _committee(db)
        first = db.scalar(select(Meeting).where(Meeting.body_id == committee.id).limit(1))
        day = meetings.in_brussels(first.starts_at).date().isoformat()
    response = secretary.post(
        f"/bodies/{committee.id}/meetings/new",
        data={
            "csrf_token": secretary.csrf,
            "date": day,
            "start_time": "15:00",
            "duration_minutes": "60",
            "place_kind": "office",
            "place_text": "Room 2",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Warning: this overlaps other meetings of the body" in response.get_data(as_text=True)


def test_invitations_go_out_in_each_members_language_with_a_calendar_file(app, secretary):
    with _db(app) as db:
        december = db.scalar(
            select(Meeting).where(Meeting.state == "planned", Meeting.with_prison_directors)
        )
        meeting_id = december.id
        members = {m.email: m for m in meetings.invitees(december)}
    assert "direction.saint-gilles@just.demo.invalid" in members  # a quarterly meeting
    response = secretary.post(f"/meetings/{meeting_id}/invite", data={"csrf_token": secretary.csrf})
    assert response.status_code == 302
    with _db(app) as db:
        sent = db.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "meeting_invitation")
        ).all()
        assert {m.recipient for m in sent} == set(members)
        french = next(m for m in sent if m.recipient == "n.elamrani@cocom.demo.invalid")
        dutch = next(m for m in sent if m.recipient == "lotte@vlaams.demo.invalid")
        assert (
            french.subject.startswith("Invitation") and "Comité de concertation" in french.subject
        )
        assert dutch.subject.startswith("Uitnodiging") and "Overlegcomité" in dutch.subject
        meeting = db.get(Meeting, meeting_id)
        assert meeting.state == "invited"
        # A second, independent parser reads the calendar file.
        calendar = vobject.readOne(french.attachments[0]["text"])
        assert calendar.method.value == "REQUEST"
        event = calendar.vevent
        assert event.uid.value == meeting.uid
        assert event.dtstart.value.tzinfo is not None
        assert event.dtstart.value.astimezone(UTC) == meeting.starts_at
        assert event.dtstart.value.hour == 14  # Brussels wall-clock time
        assert "mailto:n.elamrani@cocom.demo.invalid" in event.attendee.value
        reply_link = next(
            line for line in french.body.splitlines() if "/invitations/" in line
        ).split(": ", 1)[1]
    token_path = reply_link[reply_link.index("/invitations/") :]
    anonymous = app.test_client()
    page = anonymous.get(token_path)
    assert page.status_code == 200 and "Nadia El Amrani" in page.get_data(as_text=True)
    anonymous_csrf = csrf_token(anonymous, token_path)
    answered = anonymous.post(token_path, data={"csrf_token": anonymous_csrf, "reply": "excused"})
    assert answered.status_code == 302
    with _db(app) as db:
        invitation = db.scalar(
            select(Invitation)
            .join(Membership)
            .where(Invitation.meeting_id == meeting_id, Membership.name == "Nadia El Amrani")
        )
        assert invitation.reply == "excused"
    # Once the meeting is cancelled, the same link says so instead of recording a reply.
    secretary.post(
        f"/meetings/{meeting_id}/cancel", data={"csrf_token": secretary.csrf, "reason": "strike"}
    )
    refused = anonymous.post(token_path, data={"csrf_token": anonymous_csrf, "reply": "attend"})
    assert refused.status_code == 409
    assert "This meeting is cancelled." in refused.get_data(as_text=True)
    with _db(app) as db:
        cancellation = db.scalar(
            select(OutboxMessage).where(
                OutboxMessage.kind == "meeting_cancellation",
                OutboxMessage.recipient == "n.elamrani@cocom.demo.invalid",
            )
        )
        assert vobject.readOne(cancellation.attachments[0]["text"]).method.value == "CANCEL"
        assert (
            db.scalar(
                select(Invitation.reply)
                .join(Membership)
                .where(Invitation.meeting_id == meeting_id, Membership.name == "Nadia El Amrani")
            )
            == "excused"
        )
    assert anonymous.get("/invitations/not-a-real-token").status_code == 404


def test_the_list_shows_upcoming_meetings_of_every_year_first_then_the_past_by_year(app, secretary):
    """A secretary once planned a duplicate January meeting: next year's meetings were hidden
    behind the year filter."""
    page = secretary.get("/meetings", headers={"Accept-Language": "en"}).get_data(as_text=True)
    upcoming = page[page.index('id="upcoming"') : page.index('id="past"')]
    past = page[page.index('id="past"') : page.index("<h2>Bodies</h2>")]
    with _db(app) as db:
        now = utcnow()
        later = db.scalars(select(Meeting).where(Meeting.ends_at >= now)).all()
        earlier = db.scalars(select(Meeting).where(Meeting.ends_at < now)).all()
    next_year = [m for m in later if meetings.in_brussels(m.starts_at).year > date.today().year]
    assert next_year, "the demo plans a meeting next year"
    for meeting in later:
        assert f'/meetings/{meeting.id}"' in upcoming and f'/meetings/{meeting.id}"' not in past
    for meeting in earlier:
        if meetings.in_brussels(meeting.starts_at).year >= date.today().year - 1:
            assert f'/meetings/{meeting.id}"' in past
    years = [int(y) for y in __import__("re").findall(r'id="year-(\d{4})"', past)]
    assert years == sorted(years, reverse=True) and years, "newest year first"
    assert "Plan a meeting" in page
    # One year on request, as before
    one_year = secretary.get(f"/meetings?year={date.today().year}").get_data(as_text=True)
    assert 'id="upcoming"' not in one_year and f'id="year-{date.today().year}"' in one_year


def test_plan_a_meeting_from_the_list_asks_for_the_body_and_keeps_what_was_typed(app, secretary):
    form = {
        "csrf_token": secretary.csrf,
        "date": "2027-03-09",
        "start_time": "10:00",
        "duration_minutes": "90",
        "title_nl": "Extra overleg",
        "place_kind": "office",
        "place_text": "Koningsstraat 1",
    }
    refused = secretary.post("/meetings/new", data=form, headers={"Accept-Language": "fr"})
    assert refused.status_code == 422
    page = check_summary(refused.get_data(as_text=True), absent=("body_id",))
    assert "#f-body_id" in {href for href, _ in page.links}
    assert page.values["title_nl"] == ["Extra overleg"] and page.values["date"] == ["2027-03-09"]
    with _db(app) as db:
        body_id = _committee(db).id
    planned = secretary.post("/meetings/new", data={**form, "body_id": str(body_id)})
    assert planned.status_code == 302
    with _db(app) as db:
        meeting = db.scalar(select(Meeting).where(Meeting.title_nl == "Extra overleg"))
        assert meeting.body_id == body_id
        assert meetings.in_brussels(meeting.starts_at).strftime("%Y-%m-%d %H:%M") == (
            "2027-03-09 10:00"
        )


def test_the_form_warns_of_an_overlap_while_it_is_filled(app, secretary):
    with _db(app) as db:
        body_id = _committee(db).id
        other = next(
            m
            for m in db.scalars(select(Meeting).where(Meeting.body_id == body_id))
            if m.ends_at >= utcnow() and not m.cancelled
        )
        start = meetings.in_brussels(other.starts_at)
    query = {
        "body_id": body_id,
        "date": start.date().isoformat(),
        "start_time": (start + timedelta(minutes=30)).strftime("%H:%M"),
        "duration_minutes": "60",
    }
    secretary.get("/language/nl")
    warning = secretary.get("/meetings/overlaps", query_string=query)
    text = warning.get_data(as_text=True)
    assert warning.status_code == 200 and f"/meetings/{other.id}" in text
    assert "overlapt met een andere vergadering" in text
    # not the meeting itself when it is the one being edited
    alone = secretary.get("/meetings/overlaps", query_string={**query, "but": other.id})
    assert f"/meetings/{other.id}" not in alone.get_data(as_text=True)
    # a time not readable yet, another hour, or no body: nothing to warn about
    for changed in ({"start_time": "1"}, {"start_time": "06:00"}, {"body_id": ""}):
        quiet = secretary.get("/meetings/overlaps", query_string={**query, **changed})
        assert quiet.status_code == 200 and "/meetings/" not in quiet.get_data(as_text=True)
    form = secretary.get(f"/bodies/{body_id}/meetings/new").get_data(as_text=True)
    assert 'hx-get="/meetings/overlaps"' in form and 'aria-live="polite"' in form
