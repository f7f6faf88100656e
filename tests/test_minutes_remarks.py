"""A round of remarks on draft minutes (issue 21): the secretariat sends a draft to those
present with a closing day; each of them leaves remarks per agenda item in Dutch or French
until that day (Brussels time); the secretariat marks each taken in or not, with a word why;
the approving meeting sees the list and approves only once every remark is dealt with; the
remarks stay with their revision and never change after approval. Pages and /api/v1, on
SQLite and PostgreSQL.

The demo's health working group met nine days ago; its draft minutes are out for remarks for
another week. Lotte Peeters (vlaams-lotte) and Julien Lambert (cocof-julien) were present,
Julie Lambert was excused; Lotte's remark is taken in, Julien's waits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from core.clock import today as brussels_today
from core.events.models import Event
from core.meetings import services as meetings
from core.meetings.models import (
    AgendaItem,
    Attendance,
    Body,
    Meeting,
    Minutes,
    Remark,
    RemarkRound,
)
from core.permissions import system
from tests.conftest import make_app
from tests.forms import check_summary
from tests.logins import api_token, csrf_token, login, login_as


def _db(app):
    return app.extensions["concerto.db"].session()


@pytest.fixture
def any_app(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _client(app, who, language="en"):
    client = app.test_client()
    if who == "secretary":
        login_as(client, app, "secretary")
    else:
        login(client, *who)
    client.get(f"/language/{language}")
    client.csrf = csrf_token(client, "/meetings")
    return client


LOTTE = ("vlaams", "vlaams-lotte")
JULIEN = ("cocof", "cocof-julien")
OUTSIDER = ("federatie_wb", "federatie_wb-sarah")  # no member of the working group


def _round(db) -> Minutes:
    """The demo's draft out for remarks."""
    return db.scalar(select(Minutes).join(RemarkRound).where(Minutes.state == "draft"))


def _items(minutes: Minutes) -> list[int]:
    return [item.id for _n, item, _d in meetings.agenda(minutes.meeting)]


def _remark_of(db, name: str) -> Remark:
    return db.scalar(select(Remark).where(Remark.author_name == name))


def _remarks(app) -> list[tuple]:
    """Every remark as stored, to show that a refusal changed nothing."""
    with _db(app) as db:
        return [
            (r.id, r.minutes_id, r.item_id, r.language, r.text, r.handling, r.reason, r.version)
            for r in db.scalars(select(Remark).order_by(Remark.id))
        ]


def _today():
    return brussels_today()


# --- sending ----------------------------------------------------------------------------------


def _start_committee_draft(app, secretary) -> tuple[int, int]:
    """The committee's last meeting without minutes, its draft started by the secretariat
    with Lotte and Julien marked present. Returns (meeting id, minutes id)."""
    with _db(app) as db:
        meeting = db.scalar(
            select(Meeting)
            .where(Meeting.state == "held", Meeting.series_id.is_not(None))
            .order_by(Meeting.starts_at.desc())
        )
        meeting_id = meeting.id
    started = secretary.post(
        f"/meetings/{meeting_id}/minutes/start", data={"csrf_token": secretary.csrf}
    )
    assert started.status_code == 302
    with _db(app) as db:
        minutes = db.scalar(select(Minutes).where(Minutes.meeting_id == meeting_id))
        rows = {row.name: row.id for row in minutes.attendance}
        presence = {
            f"presence_{row_id}": "present"
            if name in ("Lotte Peeters", "Julien Lambert")
            else "absent"
            for name, row_id in rows.items()
        }
        saved = secretary.post(
            f"/meetings/{meeting_id}/minutes",
            data={"csrf_token": secretary.csrf, "version": minutes.version, **presence},
        )
        assert saved.status_code == 302
        return meeting_id, minutes.id


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_secretary_sends_a_draft_for_remarks_until_a_day_after_today(any_app, language):
    app = any_app
    lotte, julien = _client(app, LOTTE), _client(app, JULIEN)  # their accounts exist now
    secretary = _client(app, "secretary", language)
    meeting_id, minutes_id = _start_committee_draft(app, secretary)

    def send(day: str):
        with _db(app) as db:
            version = db.get(Minutes, minutes_id).version
        return secretary.post(
            f"/meetings/{meeting_id}/minutes",
            data={
                "csrf_token": secretary.csrf,
                "version": version,
                "intent": "send_remarks",
                "remarks_until": day,
            },
        )

    for day in (_today().isoformat(), (_today() - timedelta(days=3)).isoformat()):
        refused = send(day)
        assert refused.status_code == 422
        page = check_summary(refused.get_data(as_text=True))
        assert "#f-remarks_until" in {href for href, _ in page.links}
        assert page.values["remarks_until"] == [day], "the day typed is shown again"
        message = page.elements["e-remarks_until"].text
        assert {
            "nl": "Geef een dag na vandaag",
            "fr": "Indiquez un jour après aujourd'hui",
        }[language] in message, message
    with _db(app) as db:
        assert (
            db.scalar(
                select(func.count())
                .select_from(RemarkRound)
                .where(RemarkRound.minutes_id == minutes_id)
            )
            == 0
        )
        assert (
            db.scalar(
                select(func.count()).where(
                    Event.kind == "minutes_sent_for_remarks", Event.record_id == minutes_id
                )
            )
            == 0
        )

    closes_on = _today() + timedelta(days=10)
    sent = send(closes_on.isoformat())
    assert sent.status_code == 302
    with _db(app) as db:
        minutes = db.get(Minutes, minutes_id)
        assert minutes.remark_round.closes_on == closes_on
        event = db.scalar(
            select(Event).where(
                Event.kind == "minutes_sent_for_remarks", Event.record_id == minutes_id
            )
        )
        assert event.record_kind == "minutes"
        assert event.data == {"meeting_id": meeting_id, "closes_on": closes_on.isoformat()}
        told = {user.email for user in meetings.attendees_to_tell(db, minutes)}
        assert told == {"lotte@vlaams.demo.invalid", "julien@cocof.demo.invalid"}
    # Lotte now finds the draft on the meeting's page, with the way to her remarks.
    page = lotte.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert f'href="/minutes/{minutes_id}/remarks"' in page
    assert julien.get(f"/minutes/{minutes_id}/remarks").status_code == 200

    # Nobody present: said at the day's field, nothing sent.
    with _db(app) as db:
        minutes = db.get(Minutes, minutes_id)
        for row in minutes.attendance:
            row.presence = "excused"
        db.delete(minutes.remark_round)
        db.commit()
    nobody = send(closes_on.isoformat())
    assert nobody.status_code == 422
    assert 'id="e-remarks_until"' in nobody.get_data(as_text=True)
    with _db(app) as db:
        assert db.get(Minutes, minutes_id).remark_round is None


# --- remarks of those present -----------------------------------------------------------------


def test_those_present_leave_remarks_per_item_in_dutch_and_french(any_app):
    app = any_app
    lotte, julien = _client(app, LOTTE, "nl"), _client(app, JULIEN, "fr")
    secretary = _client(app, "secretary")
    with _db(app) as db:
        minutes = _round(db)
        minutes_id, items = minutes.id, _items(minutes)
        lotte_remark = _remark_of(db, "Lotte Peeters")
        assert lotte_remark.handling == "taken_in"
    page = lotte.get(f"/minutes/{minutes_id}/remarks").get_data(as_text=True)
    assert "De wachttijd voor een eerste gesprek" in page  # the draft beside the boxes
    assert f'name="text_{items[2]}"' in page and 'name="text_general"' in page
    # Her own remark is in its box, to change; Julien's is read beside its item.
    assert "Graag vermelden dat de wachttijd" in page
    assert "Il manque la permanence du vendredi" in page

    saved = lotte.post(
        f"/minutes/{minutes_id}/remarks",
        data={
            "csrf_token": lotte.csrf,
            f"text_{items[2]}": "Ook de wachtlijst voor drughulp bespreken.",
            f"language_{items[2]}": "nl",
            f"text_{items[1]}": "Graag vermelden dat de wachttijd in Haren het langst is.",
            f"language_{items[1]}": "nl",
        },
    )
    assert saved.status_code == 302
    sent = julien.post(
        f"/minutes/{minutes_id}/remarks",
        data={
            "csrf_token": julien.csrf,
            f"text_{items[0]}": "Il manque la permanence du vendredi, présentée par la COCOF.",
            f"language_{items[0]}": "fr",
            "text_general": "La liste de présence omet l'excuse de Julie Lambert.",
            "language_general": "fr",
        },
    )
    assert sent.status_code == 302
    with _db(app) as db:
        found = {
            (r.author_name, r.item_id, r.language): r
            for r in db.scalars(select(Remark).where(Remark.minutes_id == minutes_id))
        }
        assert set(found) == {
            ("Lotte Peeters", items[1], "nl"),
            ("Lotte Peeters", items[2], "nl"),
            ("Julien Lambert", items[0], "fr"),
            ("Julien Lambert", None, "fr"),
        }
        # Lotte changed the remark that was taken in: it waits to be dealt with again.
        changed = found[("Lotte Peeters", items[1], "nl")]
        assert changed.text.endswith("het langst is.") and changed.handling is None
        assert found[("Julien Lambert", items[0], "fr")].text.endswith("par la COCOF.")

    # The secretary sees each remark beside the text of its item, to mark it.
    editor = secretary.get(f"/meetings/{_meeting_of(app, minutes_id)}/minutes").get_data(
        as_text=True
    )
    for (_name, item_id, language), remark in found.items():
        at = editor.index(f'id="remark-{remark.id}"')
        # Under its own item's text (a remark on the whole, after the last item).
        above = editor.rfind('id="f-text_nl_', 0, at) + len('id="f-text_nl_')
        nearest = int(editor[above : editor.index('"', above)])
        assert nearest == (item_id or items[-1]), remark.text
        assert f'lang="{language}">{escape(remark.text)}' in editor
        assert f'name="handling_{remark.id}"' in editor

    # Withdrawn by emptying the box (or its button): gone.
    withdrawn = lotte.post(
        f"/minutes/{minutes_id}/remarks",
        data={"csrf_token": lotte.csrf, "intent": f"withdraw:{items[2]}", f"text_{items[2]}": "x"},
    )
    assert withdrawn.status_code == 302
    with _db(app) as db:
        assert (
            db.scalar(
                select(func.count()).where(
                    Remark.minutes_id == minutes_id, Remark.item_id == items[2]
                )
            )
            == 0
        )


def _meeting_of(app, minutes_id: int) -> int:
    with _db(app) as db:
        return db.get(Minutes, minutes_id).meeting_id


def test_a_remark_is_refused_once_its_closing_day_has_passed_and_nothing_changes(any_app):
    app = any_app
    lotte = _client(app, LOTTE)
    secret = api_token(app, "vlaams-lotte", ["coordinator"])
    headers = {"Authorization": f"Bearer {secret}"}
    with _db(app) as db:
        minutes = _round(db)
        minutes_id, items = minutes.id, _items(minutes)
        # The closing day itself still counts (Brussels time).
        minutes.remark_round.closes_on = _today()
        db.commit()
    on_the_day = lotte.post(
        f"/minutes/{minutes_id}/remarks",
        data={
            "csrf_token": lotte.csrf,
            f"text_{items[0]}": "Op de laatste dag.",
            f"language_{items[0]}": "nl",
        },
    )
    assert on_the_day.status_code == 302
    with _db(app) as db:
        _round(db).remark_round.closes_on = _today() - timedelta(days=1)
        db.commit()
    before = _remarks(app)
    late = lotte.post(
        f"/minutes/{minutes_id}/remarks",
        data={
            "csrf_token": lotte.csrf,
            f"text_{items[2]}": "Te laat, maar toch.",
            f"language_{items[2]}": "nl",
        },
    )
    assert late.status_code == 409
    text = late.get_data(as_text=True)
    assert "The closing day for remarks on these minutes has passed: nothing was saved." in text
    # No box left to type in, and what was typed is there to copy.
    assert f'name="text_{items[2]}"' not in text
    assert 'id="unsaved-' in text and "Te laat, maar toch." in text
    api = lotte.post(
        f"/api/v1/minutes/{minutes_id}/remarks",
        json={"item_id": items[2], "language": "nl", "text": "Te laat."},
        headers=headers,
    )
    assert api.status_code == 409 and api.get_json()["code"] == "remarks_closed"
    with _db(app) as db:
        own = _remark_of(db, "Lotte Peeters")
        own_id, version = own.id, own.version
    patched = lotte.patch(
        f"/api/v1/remarks/{own_id}",
        json={"text": "Later gewijzigd."},
        headers={**headers, "If-Match": f'"{version}"'},
    )
    assert patched.status_code == 409
    assert _remarks(app) == before


def test_only_those_present_leave_remarks(any_app):
    app = any_app
    outsider = _client(app, OUTSIDER)
    secret = api_token(app, "federatie_wb-sarah", ["coordinator"])
    headers = {"Authorization": f"Bearer {secret}"}
    with _db(app) as db:
        minutes = _round(db)
        minutes_id, items = minutes.id, _items(minutes)
    before = _remarks(app)
    assert outsider.get(f"/minutes/{minutes_id}/remarks").status_code == 403
    posted = outsider.post(
        f"/minutes/{minutes_id}/remarks",
        data={
            "csrf_token": outsider.csrf,
            f"text_{items[0]}": "Niet aanwezig.",
            f"language_{items[0]}": "nl",
        },
    )
    assert posted.status_code == 403
    api = outsider.post(
        f"/api/v1/minutes/{minutes_id}/remarks",
        json={"item_id": items[0], "language": "fr", "text": "Pas présente."},
        headers=headers,
    )
    assert api.status_code == 403
    assert "Only those present at the meeting" in api.get_json()["detail"]
    assert outsider.get(f"/api/v1/minutes/{minutes_id}/remarks", headers=headers).status_code == 403
    # Someone excused was not there either; the secretariat asks those present only.
    julien = _client(app, JULIEN)
    with _db(app) as db:
        row = db.scalar(
            select(Attendance).where(
                Attendance.minutes_id == minutes_id, Attendance.name == "Julien Lambert"
            )
        )
        row.presence = "excused"
        db.commit()
    excused = julien.post(
        f"/minutes/{minutes_id}/remarks",
        data={
            "csrf_token": julien.csrf,
            f"text_{items[1]}": "Excusé.",
            f"language_{items[1]}": "fr",
        },
    )
    assert excused.status_code == 403
    assert _remarks(app) == before


# --- the secretariat deals with them ---------------------------------------------------------


def _editor_form(app, minutes_id: int, **fields) -> dict:
    with _db(app) as db:
        minutes = db.get(Minutes, minutes_id)
        form = {"version": minutes.version}
        for remark in minutes.remarks:
            form[f"handling_{remark.id}"] = remark.handling or ""
            form[f"reason_{remark.id}"] = remark.reason or ""
            form[f"remark_version_{remark.id}"] = remark.version
    return form | fields


def test_the_secretary_marks_each_remark_with_a_reason_when_not_taken_in(any_app):
    app = any_app
    secretary = _client(app, "secretary")
    with _db(app) as db:
        minutes = _round(db)
        minutes_id, meeting_id = minutes.id, minutes.meeting_id
        julien_remark = _remark_of(db, "Julien Lambert").id
        item = _items(minutes)[1]
    editor = f"/meetings/{meeting_id}/minutes"
    text_field = f"text_nl_{item}"
    without = secretary.post(
        editor,
        data=_editor_form(
            app,
            minutes_id,
            csrf_token=secretary.csrf,
            **{f"handling_{julien_remark}": "not_taken_in", text_field: "Nieuwe tekst."},
        ),
    )
    assert without.status_code == 422
    page = check_summary(without.get_data(as_text=True))
    assert f"#f-reason_{julien_remark}" in {href for href, _ in page.links}
    assert "why the remark is not taken in" in page.elements[f"e-reason_{julien_remark}"].text
    assert page.values[f"handling_{julien_remark}"] == ["not_taken_in"], "the choice is kept"
    with _db(app) as db:
        stored = db.get(Remark, julien_remark)
        assert stored.handling is None
        assert db.get(Minutes, minutes_id).texts[1].text_nl != "Nieuwe tekst.", "all or nothing"
    marked = secretary.post(
        editor,
        data=_editor_form(
            app,
            minutes_id,
            csrf_token=secretary.csrf,
            **{
                f"handling_{julien_remark}": "not_taken_in",
                f"reason_{julien_remark}": "Niet besproken in de vergadering.",
            },
        ),
    )
    assert marked.status_code == 302
    with _db(app) as db:
        stored = db.get(Remark, julien_remark)
        assert (stored.handling, stored.reason) == (
            "not_taken_in",
            "Niet besproken in de vergadering.",
        )
        assert stored.handled_by == "Ilse Vermeulen" and stored.handled_at is not None
        old_version = stored.version
    # The author changes the remark meanwhile: a mark made on the old text is not taken.
    julien = _client(app, JULIEN)
    julien.post(
        f"/minutes/{minutes_id}/remarks",
        data={
            "csrf_token": julien.csrf,
            f"text_{_items_of(app, minutes_id)[0]}": "Autre formulation.",
            f"language_{_items_of(app, minutes_id)[0]}": "fr",
        },
    )
    stale = secretary.post(
        editor,
        data=_editor_form(
            app,
            minutes_id,
            csrf_token=secretary.csrf,
            **{
                f"handling_{julien_remark}": "taken_in",
                f"remark_version_{julien_remark}": old_version,
            },
        ),
    )
    assert stale.status_code == 422
    assert "changed this remark after you opened the page" in stale.get_data(as_text=True)
    with _db(app) as db:
        assert db.get(Remark, julien_remark).handling is None  # waits again, unmarked


def _items_of(app, minutes_id: int) -> list[int]:
    with _db(app) as db:
        return _items(db.get(Minutes, minutes_id))


def _approving_today(app) -> int:
    """A meeting of the working group today, which may approve the draft."""
    with _db(app) as db:
        body = db.scalar(select(Body).where(Body.code == "werkgroep_gezondheid"))
        meeting, _ = meetings.create_meeting(
            db,
            body,
            {
                "date": _today().isoformat(),
                "start_time": "00:15",
                "duration_minutes": "60",
                "place_kind": "office",
                "place_text": "Zaal 3",
            },
        )
        db.commit()
        return meeting.id


def test_the_approving_meeting_sees_the_remarks_and_approves_once_each_is_dealt_with(any_app):
    app = any_app
    secretary = _client(app, "secretary")
    approving = _approving_today(app)
    with _db(app) as db:
        minutes = _round(db)
        minutes_id = minutes.id
        julien_remark = _remark_of(db, "Julien Lambert").id
    page = secretary.get(f"/meetings/{approving}").get_data(as_text=True)
    block = page[page.index(f'id="approve-{minutes_id}"') :]
    assert "Graag vermelden dat de wachttijd" in block and "Taken in" in block
    assert "Il manque la permanence du vendredi" in block and "Not dealt with yet" in block
    assert "1 remark is not dealt with yet" in block
    assert f'action="/minutes/{minutes_id}/approve"' not in block
    refused = secretary.post(
        f"/minutes/{minutes_id}/approve",
        data={"csrf_token": secretary.csrf, "meeting": approving},
        follow_redirects=True,
    )
    assert "Some remarks of those present are not dealt with yet" in refused.get_data(as_text=True)
    with _db(app) as db:
        assert db.get(Minutes, minutes_id).state == "draft"
    secretary.post(
        f"/meetings/{_meeting_of(app, minutes_id)}/minutes",
        data=_editor_form(
            app,
            minutes_id,
            csrf_token=secretary.csrf,
            **{f"handling_{julien_remark}": "taken_in", f"reason_{julien_remark}": ""},
        ),
    )
    page = secretary.get(f"/meetings/{approving}").get_data(as_text=True)
    block = page[page.index(f'id="approve-{minutes_id}"') :]
    assert "Not dealt with yet" not in block
    assert f'action="/minutes/{minutes_id}/approve"' in block
    approved = secretary.post(
        f"/minutes/{minutes_id}/approve", data={"csrf_token": secretary.csrf, "meeting": approving}
    )
    assert approved.status_code == 302
    with _db(app) as db:
        assert db.get(Minutes, minutes_id).approved


def _approve_the_round(app) -> int:
    """Every remark marked and the draft approved, as a meeting today does."""
    approving = _approving_today(app)
    with _db(app) as db:
        minutes = _round(db)
        for remark in minutes.remarks:
            remark.handling = remark.handling or "taken_in"
        meeting = db.get(Meeting, approving)
        meetings.approve(db, minutes, meeting, system("cli", "test"))
        db.commit()
        return minutes.id


def test_remarks_never_change_once_the_minutes_are_approved(any_app):
    app = any_app
    lotte, secretary = _client(app, LOTTE), _client(app, "secretary")
    lotte_token = api_token(app, "vlaams-lotte", ["coordinator"])
    secretary_token = api_token(app, "cocom-secretariaat")
    minutes_id = _approve_the_round(app)
    items = _items_of(app, minutes_id)
    with _db(app) as db:
        own = _remark_of(db, "Lotte Peeters")
        own_id, version = own.id, own.version
    before = _remarks(app)
    page = lotte.post(
        f"/minutes/{minutes_id}/remarks",
        data={
            "csrf_token": lotte.csrf,
            f"text_{items[1]}": "Toch nog.",
            f"language_{items[1]}": "nl",
        },
    )
    assert page.status_code == 409
    assert "These minutes are approved: their remarks can no longer change." in page.get_data(
        as_text=True
    )
    as_lotte = {"Authorization": f"Bearer {lotte_token}"}
    as_secretary = {"Authorization": f"Bearer {secretary_token}"}
    answers = [
        lotte.post(
            f"/api/v1/minutes/{minutes_id}/remarks",
            json={"item_id": items[2], "language": "nl", "text": "Toch nog."},
            headers=as_lotte,
        ),
        lotte.patch(
            f"/api/v1/remarks/{own_id}",
            json={"text": "Gewijzigd."},
            headers={**as_lotte, "If-Match": f'"{version}"'},
        ),
        lotte.delete(f"/api/v1/remarks/{own_id}", headers={**as_lotte, "If-Match": f'"{version}"'}),
        secretary.put(
            f"/api/v1/remarks/{own_id}/handling",
            json={"handling": "not_taken_in", "reason": "Achteraf."},
            headers={**as_secretary, "If-Match": f'"{version}"'},
        ),
    ]
    assert [a.status_code for a in answers] == [409, 409, 409, 409]
    assert {a.get_json()["code"] for a in answers} == {"remarks_frozen"}
    editor = secretary.post(
        f"/meetings/{_meeting_of(app, minutes_id)}/minutes",
        data={"csrf_token": secretary.csrf, "version": 99, f"handling_{own_id}": "not_taken_in"},
    )
    assert editor.status_code == 409
    assert _remarks(app) == before
    # Approved, the minutes and what became of each remark are for every reader.
    viewer = _client(app, ("cocof", "cocof-manon"))
    shown = viewer.get(f"/meetings/{_meeting_of(app, minutes_id)}").get_data(as_text=True)
    assert "Graag vermelden dat de wachttijd" in shown and "Taken in" in shown
    assert viewer.get(f"/minutes/{minutes_id}/remarks").status_code == 200


def test_a_correction_keeps_the_earlier_revisions_remarks_with_it(app):
    secretary = _client(app, "secretary")
    minutes_id = _approve_the_round(app)
    corrected = secretary.post(
        f"/minutes/{minutes_id}/correction",
        data={"csrf_token": secretary.csrf, "reason": "Een naam verbeterd"},
    )
    assert corrected.status_code == 302
    with _db(app) as db:
        first = db.get(Minutes, minutes_id)
        second = meetings.latest_minutes(db, first.meeting)
        assert second.revision == 2 and second.remarks == [] and second.remark_round is None
        assert len(first.remarks) == 2
        second_id = second.id
    page = secretary.get(f"/minutes/{second_id}/remarks").get_data(as_text=True)
    assert "Remarks on version 1 (2)" in page and "Il manque la permanence du vendredi" in page
    secret = api_token(app, "cocom-secretariaat")
    answer = secretary.get(
        f"/api/v1/minutes/{second_id}/remarks", headers={"Authorization": f"Bearer {secret}"}
    ).get_json()
    assert answer["remarks"] == [] and answer["round"] is None
    assert [e["revision"] for e in answer["earlier"]] == [1]
    assert len(answer["earlier"][0]["remarks"]) == 2


def test_an_agenda_item_with_remarks_stays_on_the_agenda(app):
    secretary = _client(app, "secretary")
    with _db(app) as db:
        item_id = _remark_of(db, "Julien Lambert").item_id
    secretary.post(f"/agenda/{item_id}/delete", data={"csrf_token": secretary.csrf})
    with _db(app) as db:
        assert db.get(AgendaItem, item_id) is not None


# --- the API ------------------------------------------------------------------------------------


def test_remarks_in_the_api(any_app):
    app = any_app
    lotte, julien, secretary = _client(app, LOTTE), _client(app, JULIEN), _client(app, "secretary")
    as_lotte = {"Authorization": f"Bearer {api_token(app, 'vlaams-lotte', ['coordinator'])}"}
    as_julien = {"Authorization": f"Bearer {api_token(app, 'cocof-julien', ['member'])}"}
    as_secretary = {"Authorization": f"Bearer {api_token(app, 'cocom-secretariaat')}"}
    with _db(app) as db:
        minutes = _round(db)
        minutes_id, meeting_id, items = minutes.id, minutes.meeting_id, _items(minutes)
        julien_remark = _remark_of(db, "Julien Lambert").id

    # Where her remarks are asked: the drafts out for remarks she was present for.
    rounds = lotte.get("/api/v1/minutes", headers=as_lotte).get_json()["items"]
    assert [(r["minutes_id"], r["open"]) for r in rounds] == [(minutes_id, True)]
    outsider = _client(app, OUTSIDER)
    as_outsider = {
        "Authorization": f"Bearer {api_token(app, 'federatie_wb-sarah', ['coordinator'])}"
    }
    assert outsider.get("/api/v1/minutes", headers=as_outsider).get_json()["items"] == []

    listed = lotte.get(f"/api/v1/minutes/{minutes_id}/remarks", headers=as_lotte)
    assert listed.status_code == 200
    body = listed.get_json()
    assert body["round"]["open"] is True and body["attendee"] is True
    assert {(r["author"], r["mine"]) for r in body["remarks"]} == {
        ("Lotte Peeters", True),
        ("Julien Lambert", False),
    }

    created = lotte.post(
        f"/api/v1/minutes/{minutes_id}/remarks",
        json={"item_id": items[2], "language": "nl", "text": "Via de API."},
        headers=as_lotte,
    )
    assert created.status_code == 201
    remark = created.get_json()
    assert (remark["language"], remark["item_id"], remark["handling"]) == ("nl", items[2], None)
    etag = created.headers["ETag"]
    again = lotte.post(
        f"/api/v1/minutes/{minutes_id}/remarks",
        json={"item_id": items[2], "language": "nl", "text": "Nog eens."},
        headers=as_lotte,
    )
    assert again.status_code == 409 and again.get_json()["code"] == "remark_exists"
    invalid = lotte.post(
        f"/api/v1/minutes/{minutes_id}/remarks",
        json={"item_id": 2**31 - 1, "language": "de", "text": ""},
        headers=as_lotte,
    )
    assert invalid.status_code == 422
    assert {e["field"] for e in invalid.get_json()["errors"]} == {"item_id", "language", "text"}
    general = julien.post(
        f"/api/v1/minutes/{minutes_id}/remarks",
        json={"language": "fr", "text": "Sur l'ensemble."},
        headers=as_julien,
    )
    assert general.status_code == 201 and general.get_json()["item_id"] is None

    path = f"/api/v1/remarks/{remark['id']}"
    assert lotte.patch(path, json={"text": "x"}, headers=as_lotte).status_code == 428
    assert (
        lotte.patch(path, json={"text": "x"}, headers={**as_lotte, "If-Match": '"99"'}).status_code
        == 412
    )
    not_hers = julien.patch(
        path, json={"text": "Pas la mienne."}, headers={**as_julien, "If-Match": etag}
    )
    assert not_hers.status_code == 403
    changed = lotte.patch(
        path,
        json={"text": "Via de API, verbeterd.", "language": "nl"},
        headers={**as_lotte, "If-Match": etag},
    )
    assert changed.status_code == 200 and changed.get_json()["text"] == "Via de API, verbeterd."
    etag = changed.headers["ETag"]

    handling = f"{path}/handling"
    assert (
        lotte.put(
            handling, json={"handling": "taken_in"}, headers={**as_lotte, "If-Match": etag}
        ).status_code
        == 403
    )
    no_reason = secretary.put(
        handling, json={"handling": "not_taken_in"}, headers={**as_secretary, "If-Match": etag}
    )
    assert no_reason.status_code == 422
    assert no_reason.get_json()["errors"][0]["field"] == "reason"
    marked = secretary.put(
        handling,
        json={"handling": "not_taken_in", "reason": "Buiten de agenda."},
        headers={**as_secretary, "If-Match": etag},
    )
    assert marked.status_code == 200 and marked.get_json()["handling"] == "not_taken_in"
    # Read back with its ETag, then withdrawn by its author.
    read = lotte.get(path, headers=as_lotte)
    assert read.get_json()["reason"] == "Buiten de agenda."
    assert lotte.delete(path, headers={**as_lotte, "If-Match": etag}).status_code == 412
    assert (
        lotte.delete(path, headers={**as_lotte, "If-Match": read.headers["ETag"]}).status_code
        == 204
    )
    assert lotte.get(path, headers=as_lotte).status_code == 404

    # Sending (again) for remarks: the minutes' version in If-Match, a day after today.
    minutes_read = secretary.get(f"/api/v1/meetings/{meeting_id}/minutes", headers=as_secretary)
    round_path = f"/api/v1/minutes/{minutes_id}/round"
    later = (_today() + timedelta(days=12)).isoformat()
    assert (
        secretary.post(round_path, json={"closes_on": later}, headers=as_secretary).status_code
        == 428
    )
    past = secretary.post(
        round_path,
        json={"closes_on": _today().isoformat()},
        headers={**as_secretary, "If-Match": minutes_read.headers["ETag"]},
    )
    assert past.status_code == 422 and past.get_json()["errors"][0]["field"] == "closes_on"
    assert (
        lotte.post(
            round_path, json={"closes_on": later}, headers={**as_lotte, "If-Match": '"1"'}
        ).status_code
        == 403
    ), "the secretariat sends minutes for remarks"
    moved = secretary.post(
        round_path,
        json={"closes_on": later},
        headers={**as_secretary, "If-Match": minutes_read.headers["ETag"]},
    )
    assert moved.status_code == 200 and moved.get_json()["closes_on"] == later
    read_round = julien.get(round_path, headers=as_julien)
    assert read_round.get_json()["open"] is True and read_round.get_json()["closes_on"] == later
    assert read_round.headers["ETag"] == minutes_read.headers["ETag"], "sending leaves the text"
    # The remark nobody touched here is still there, as it was.
    assert lotte.get(f"/api/v1/remarks/{julien_remark}", headers=as_lotte).status_code == 200
