"""The demo's meeting records the tests of meetings look up (tests/test_meetings_planning.py,
tests/test_meetings_minutes.py, tests/test_meetings_feeds_actions.py): a session, the
committee, a meeting by its day, the last held meeting, the extra meeting of today."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.meetings import services as meetings
from core.meetings.models import Body, Meeting


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
