"""A round of remarks on draft minutes (issue 21), sent and answered: the secretariat sends a
draft to those present with a closing day after today; each of them leaves remarks per agenda
item in Dutch or French until that day (Brussels time), after which a remark is refused and
nothing changes; only those present leave remarks. Pages, on SQLite and PostgreSQL. The
secretariat dealing with the remarks: tests/test_minutes_remarks_handling.py; the API:
tests/test_minutes_remarks_api.py; the demo's round: tests/remark_rounds.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from core.events.models import Event
from core.meetings import services as meetings
from core.meetings.models import Attendance, Meeting, Minutes, Remark, RemarkRound
from tests.forms import check_summary
from tests.logins import api_token
from tests.remark_rounds import (
    JULIEN,
    LOTTE,
    OUTSIDER,
    _client,
    _db,
    _items,
    _meeting_of,
    _remark_of,
    _remarks,
    _round,
    _today,
)

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
