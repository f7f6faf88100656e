"""A meeting's agenda and minutes: the agenda nests one level and keeps its order,
attachments are checked for size, type and content, minutes in two languages with decisions
and actions are approved at the next meeting and then never change (on SQLite and
PostgreSQL), two people saving one draft never overwrite each other, the minutes' documents
read back in each language, and the attendance per authority matches the minutes."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from core.clock import utcnow
from core.meetings import services as meetings
from core.meetings.models import (
    ActionItem,
    AgendaItem,
    Attachment,
    Meeting,
    Minutes,
)
from tests.logins import csrf_token, login_as
from tests.meeting_records import _committee, _db, _extra_today, _last_held


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
