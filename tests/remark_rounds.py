"""The demo's round of remarks on draft minutes, for tests/test_minutes_remarks_sending.py,
tests/test_minutes_remarks_handling.py and tests/test_minutes_remarks_api.py: the people who
leave remarks, a logged-in client, the draft out for remarks, its agenda items and remarks.

The demo's health working group met nine days ago; its draft minutes are out for remarks for
another week. Lotte Peeters (vlaams-lotte) and Julien Lambert (cocof-julien) were present,
Julie Lambert was excused; Lotte's remark is taken in, Julien's waits."""

from __future__ import annotations

from sqlalchemy import select

from core.clock import today as brussels_today
from core.meetings import services as meetings
from core.meetings.models import Minutes, Remark, RemarkRound
from tests.logins import csrf_token, login, login_as


def _db(app):
    return app.extensions["concerto.db"].session()


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


def _meeting_of(app, minutes_id: int) -> int:
    with _db(app) as db:
        return db.get(Minutes, minutes_id).meeting_id
