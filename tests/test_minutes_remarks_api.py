"""Remarks on draft minutes in /api/v1 (issue 21), on SQLite and PostgreSQL: those present
find the drafts out for remarks they were present for (an outsider finds none), leave one
remark per item and change or withdraw theirs with a version check, the secretariat marks them
(with a reason when not taken in) and sends the draft for remarks until a day after today.
The same through the pages: tests/test_minutes_remarks_sending.py and
tests/test_minutes_remarks_handling.py; the demo's round: tests/remark_rounds.py."""

from __future__ import annotations

from datetime import timedelta

from tests.logins import api_token
from tests.remark_rounds import (
    JULIEN,
    LOTTE,
    OUTSIDER,
    _client,
    _db,
    _items,
    _remark_of,
    _round,
    _today,
)

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
