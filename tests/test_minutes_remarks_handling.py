"""The secretariat deals with the remarks on draft minutes (issue 21): it marks each taken in
or not, with a word why; the approving meeting sees the list and approves only once every
remark is dealt with; the remarks stay with their revision (a correction keeps the earlier
revision's) and never change after approval; an agenda item with remarks stays on the
agenda. Pages, on SQLite and PostgreSQL; the demo's round: tests/remark_rounds.py."""

from __future__ import annotations

from sqlalchemy import select

from core.meetings import services as meetings
from core.meetings.models import AgendaItem, Body, Meeting, Minutes, Remark
from core.permissions import system
from tests.forms import check_summary
from tests.logins import api_token
from tests.remark_rounds import (
    JULIEN,
    LOTTE,
    _client,
    _db,
    _items,
    _meeting_of,
    _remark_of,
    _remarks,
    _round,
    _today,
)

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
