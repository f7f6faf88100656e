"""Committee meetings: series in Brussels time, invitations with calendar files read by a
second iCalendar parser, replies, the agenda and its attachments, minutes in two languages
with decisions and actions, approval at the next meeting and corrections, documents read
back by independent readers, feeds, the register of actions and the attendance figures."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, date, timedelta

import pytest
import vobject
from pypdf import PdfReader
from sqlalchemy import func, select

from core.clock import utcnow
from core.mail.models import OutboxMessage
from core.meetings import services as meetings
from core.meetings.models import (
    ActionItem,
    AgendaItem,
    Attachment,
    Body,
    Invitation,
    Meeting,
    Membership,
    Minutes,
)
from tests.conftest import make_app
from tests.forms import check_summary
from tests.logins import api_token, csrf_token, login_as


def _db(app):
    return app.extensions["concerto.db"].session()


def _committee(db) -> Body:
    return db.scalar(select(Body).where(Body.code == "overlegcomite"))


def _meeting_on(db, day: date) -> Meeting:
    return next(
        m
        for m in db.scalars(select(Meeting).order_by(Meeting.starts_at))
        if meetings.in_brussels(m.starts_at).date() == day
    )


def _last_held(db) -> Meeting:
    """The last past monthly meeting of the demo, which has no minutes yet."""
    return db.scalar(
        select(Meeting)
        .where(Meeting.state == "held", Meeting.series_id.is_not(None))
        .order_by(Meeting.starts_at.desc())
    )


def _extra_today(db) -> Meeting:
    return db.scalar(select(Meeting).where(Meeting.title_nl == "Bijzondere vergadering"))


@pytest.fixture
def any_app(database_url, providers):
    """The application on SQLite and on PostgreSQL in turn, for what storage decides."""
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


@pytest.fixture
def any_secretary(any_app):
    client = any_app.test_client()
    login_as(client, any_app, "secretary")
    client.csrf = csrf_token(client, "/meetings")
    return client


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


def _add_item(client, meeting_id, **values):
    return client.post(
        f"/meetings/{meeting_id}/items",
        data={"csrf_token": client.csrf, "purpose": "information"} | values,
    )


def test_the_agenda_nests_one_level_and_keeps_its_order(app, secretary):
    with _db(app) as db:
        meeting_id = db.scalar(select(Meeting.id).where(Meeting.state == "planned").limit(1))
        db.execute(AgendaItem.__table__.delete().where(AgendaItem.meeting_id == meeting_id))
    assert (
        _add_item(secretary, meeting_id, title_nl="Eerste", title_fr="Premier").status_code == 302
    )
    assert _add_item(secretary, meeting_id, title_nl="Tweede").status_code == 302
    with _db(app) as db:
        first = db.scalar(select(AgendaItem).where(AgendaItem.title_nl == "Eerste"))
        first_id = first.id
    assert (
        _add_item(secretary, meeting_id, title_fr="Sous-point", parent_id=first_id).status_code
        == 302
    )
    with _db(app) as db:
        child_id = db.scalar(select(AgendaItem.id).where(AgendaItem.title_fr == "Sous-point"))
    too_deep = _add_item(secretary, meeting_id, title_nl="Te diep", parent_id=child_id)
    assert too_deep.status_code == 422
    assert "cannot have sub-items" in too_deep.get_data(as_text=True)
    no_title = _add_item(secretary, meeting_id, presenter="someone")
    assert no_title.status_code == 422 and "in Dutch or in French" in no_title.get_data(
        as_text=True
    )
    bad_link = _add_item(secretary, meeting_id, title_nl="Link", links="service:999999")
    assert bad_link.status_code == 422
    secretary.post(
        f"/agenda/{first_id}/move", data={"csrf_token": secretary.csrf, "direction": "down"}
    )
    with _db(app) as db:
        numbered = [
            (number, item.title_nl or item.title_fr)
            for number, item, _ in meetings.agenda(db.get(Meeting, meeting_id))
        ]
    assert numbered == [("1", "Tweede"), ("2", "Eerste"), ("2.1", "Sous-point")]


def test_attachments_are_checked_for_size_type_and_content(app, secretary):
    app.config["CONCERTO"]["attachment_max_bytes"] = 2000
    with _db(app) as db:
        item_id = db.scalar(
            select(AgendaItem.id).join(Meeting).where(Meeting.state == "planned").limit(1)
        )
    pdf = b"%PDF-1.4\n" + b"x" * 500

    def upload(name, content):
        return secretary.post(
            f"/agenda/{item_id}/attachments",
            data={"csrf_token": secretary.csrf, "file": (io.BytesIO(content), name)},
            content_type="multipart/form-data",
            follow_redirects=True,
        )

    accepted = upload("nota.pdf", pdf)
    assert accepted.status_code == 200 and "The document was attached." in accepted.get_data(
        as_text=True
    )
    too_large = upload("groot.pdf", b"%PDF-" + b"x" * 3000)
    assert too_large.status_code == 413
    assert "larger than the limit" in too_large.get_data(as_text=True)
    executable = upload("tool.exe", b"MZ" + b"x" * 100)
    assert executable.status_code == 422 and "not accepted" in executable.get_data(as_text=True)
    disguised = upload("nota2.pdf", b"MZ" + b"x" * 100)
    assert disguised.status_code == 422 and "does not match" in disguised.get_data(as_text=True)
    with _db(app) as db:
        stored = db.scalars(select(Attachment).where(Attachment.item_id == item_id)).all()
        assert [(a.filename, a.size, a.sha256) for a in stored] == [
            ("nota.pdf", len(pdf), hashlib.sha256(pdf).hexdigest())
        ]
        attachment_id = stored[0].id
    download = secretary.get(f"/attachments/{attachment_id}")
    assert download.data == pdf and download.mimetype == "application/pdf"


def _write_minutes(app, client) -> tuple[int, int]:
    """Hold the last past meeting and write bilingual minutes with two decisions and three
    actions, as the secretary does in the demo. Returns (meeting id, minutes id)."""
    with _db(app) as db:
        meeting = _last_held(db)
        meeting_id = meeting.id
        items = [item.id for _n, item, _d in meetings.agenda(meeting)]
    assert (
        client.post(
            f"/meetings/{meeting_id}/minutes/start", data={"csrf_token": client.csrf}
        ).status_code
        == 302
    )
    with _db(app) as db:
        minutes = db.scalar(select(Minutes).where(Minutes.meeting_id == meeting_id))
        minutes_id, version = minutes.id, minutes.version
        row = minutes.attendance[0].id
    saved = client.post(
        f"/meetings/{meeting_id}/minutes",
        data={
            "csrf_token": client.csrf,
            "version": version,
            f"text_nl_{items[1]}": "Het aanbod in Haren groeit.",
            f"text_fr_{items[1]}": "L'offre à Haren augmente.",
            f"presence_{row}": "absent",
        },
    )
    assert saved.status_code == 302
    for number, (nl, fr) in enumerate(
        [
            ("Besluit over sport", "Décision sur le sport"),
            ("Besluit over taal", "Décision sur la langue"),
        ]
    ):
        assert (
            client.post(
                f"/minutes/{minutes_id}/decisions",
                data={
                    "csrf_token": client.csrf,
                    "item_id": items[number + 1],
                    "text_nl": nl,
                    "text_fr": fr,
                },
            ).status_code
            == 302
        )
    for owner, authority in [
        ("Lotte Peeters", "vlaams"),
        ("Julie Lambert", "federatie_wb"),
        ("Koen Janssens", "justitie"),
    ]:
        client.post(
            f"/minutes/{minutes_id}/actions",
            data={
                "csrf_token": client.csrf,
                "item_id": items[2],
                "title_nl": f"Actie van {owner}",
                "title_fr": f"Action de {owner}",
                "owner_name": owner,
                "authority": authority,
                "due_on": (date.today() + timedelta(days=30)).isoformat(),
            },
        )
    return meeting_id, minutes_id


def test_minutes_are_approved_at_the_next_meeting_and_then_never_change(any_app, any_secretary):
    app, secretary = any_app, any_secretary
    meeting_id, minutes_id = _write_minutes(app, secretary)
    with _db(app) as db:
        minutes = db.get(Minutes, minutes_id)
        assert [d.text_fr for d in minutes.decisions] == [
            "Décision sur le sport",
            "Décision sur la langue",
        ]
        assert db.scalar(select(func.count()).where(ActionItem.meeting_id == meeting_id)) == 3
        assert {t.text_nl for t in minutes.texts} == {"Het aanbod in Haren groeit."}
        assert sorted(a.presence for a in minutes.attendance).count("absent") >= 1
        later = _extra_today(db)
        later_id, version = later.id, minutes.version
    # Not at the meeting itself: minutes are approved by a later meeting.
    refused = secretary.post(
        f"/minutes/{minutes_id}/approve",
        data={"csrf_token": secretary.csrf, "meeting": meeting_id},
        follow_redirects=True,
    )
    assert "at a later meeting of the same body" in refused.get_data(as_text=True)
    page = secretary.get(f"/meetings/{later_id}").get_data(as_text=True)
    assert "Waiting for approval." in page
    approved = secretary.post(
        f"/minutes/{minutes_id}/approve", data={"csrf_token": secretary.csrf, "meeting": later_id}
    )
    assert approved.status_code == 302
    with _db(app) as db:
        minutes = db.get(Minutes, minutes_id)
        assert minutes.approved and minutes.approved_in_meeting_id == later_id
        assert db.get(Meeting, meeting_id).state == "minutes_approved"
    # An edit afterwards is refused and says how to propose a correction.
    edit = secretary.post(
        f"/meetings/{meeting_id}/minutes",
        data={"csrf_token": secretary.csrf, "version": version + 10},
    )
    assert edit.status_code == 409
    assert "propose a correction" in edit.get_data(as_text=True)
    late_decision = secretary.post(
        f"/minutes/{minutes_id}/decisions",
        data={"csrf_token": secretary.csrf, "text_nl": "te laat"},
        follow_redirects=True,
    )
    assert "can no longer change" in late_decision.get_data(as_text=True)
    assert (
        secretary.post(
            f"/agenda/{db.get(Meeting, meeting_id).items[0].id}/delete",
            data={"csrf_token": secretary.csrf},
        ).status_code
        == 302
    )
    with _db(app) as db:
        assert len(db.get(Meeting, meeting_id).items) == 4  # the agenda is frozen too
    # A correction is a new version with its reason; the approved one stays as it was.
    secretary.post(
        f"/minutes/{minutes_id}/correction",
        data={"csrf_token": secretary.csrf, "reason": "Spelling of a name"},
    )
    with _db(app) as db:
        versions = meetings.revisions(db, db.get(Meeting, meeting_id))
        assert [(m.revision, m.state, m.correction_reason) for m in versions] == [
            (1, "approved", None),
            (2, "draft", "Spelling of a name"),
        ]
        assert [d.text_nl for d in versions[1].decisions] == [
            d.text_nl for d in versions[0].decisions
        ]


def test_two_people_saving_the_same_draft_never_overwrite_each_other(any_app, any_secretary):
    app, secretary = any_app, any_secretary
    meeting_id, minutes_id = _write_minutes(app, secretary)
    with _db(app) as db:
        minutes = db.get(Minutes, minutes_id)
        version = minutes.version
        item_id = minutes.texts[0].item_id
    first = secretary.post(
        f"/meetings/{meeting_id}/minutes",
        data={"csrf_token": secretary.csrf, "version": version, f"text_nl_{item_id}": "eerste"},
    )
    second = secretary.post(
        f"/meetings/{meeting_id}/minutes",
        data={"csrf_token": secretary.csrf, "version": version, f"text_nl_{item_id}": "tweede"},
    )
    assert first.status_code == 302 and second.status_code == 409
    assert "Nothing was overwritten" in second.get_data(as_text=True)
    with _db(app) as db:
        assert db.get(Minutes, minutes_id).texts[0].text_nl == "eerste"


def test_minutes_documents_read_back_in_each_language_and_side_by_side(app, secretary):
    meeting_id, _minutes_id = _write_minutes(app, secretary)
    pdf = secretary.get(f"/meetings/{meeting_id}/minutes.pdf?language=both")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    for expected in ("Besluit over sport", "Décision sur le sport", "Notulen", "Procès-verbal"):
        assert expected in text, expected
    french = secretary.get(f"/meetings/{meeting_id}/minutes.pdf?language=fr")
    french_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(french.data)).pages)
    assert "Décision sur le sport" in french_text and "Besluit over sport" not in french_text
    odt = secretary.get(f"/meetings/{meeting_id}/minutes.odt?language=both")
    assert odt.mimetype == "application/vnd.oasis.opendocument.text"
    with zipfile.ZipFile(io.BytesIO(odt.data)) as archive:
        assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.text"
        content = archive.read("content.xml").decode()
    for expected in ("Besluit over taal", "Décision sur la langue", "Actie van Koen Janssens"):
        assert expected in content
    assert secretary.get(f"/meetings/{meeting_id}/minutes.doc").status_code == 404


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


def test_attendance_per_authority_matches_the_minutes(app, secretary):
    with _db(app) as db:
        committee = _committee(db)
        year = meetings.in_brussels(utcnow()).year
        figures = meetings.attendance_by_authority(db, committee.id, year)
        rows = db.scalars(
            select(Minutes)
            .join(Meeting, Minutes.meeting_id == Meeting.id)
            .where(Meeting.body_id == committee.id)
        ).all()
        present = sum(
            1
            for m in rows
            for a in m.attendance
            if a.presence == "present" and a.authority_code == "vlaams"
        )
    assert figures["vlaams"]["present"] == present > 0
    page = secretary.get(f"/bodies/{committee.id}/attendance?year={year}").get_data(as_text=True)
    assert "<svg" in page and f'<td class="number">{present}</td>' in page


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
