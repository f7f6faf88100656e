"""Calendar feeds: a body's public calendar, a person's private one, one meeting's file."""

from __future__ import annotations

import secrets

from flask import Response, abort, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.clock import in_brussels
from core.db import db_session
from core.i18n import current_language, pick
from core.identity.models import User
from core.meetings import calendars
from core.meetings.models import Body, Meeting, Membership
from core.meetings.views.common import blueprint
from core.permissions import require
from core.web import get_or_404

# --- calendar feeds ------------------------------------------------------------------------------


def _ics(content: bytes, name: str) -> Response:
    return Response(
        content,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'inline; filename="{name}.ics"'},
    )


def _meeting_url(meeting: Meeting) -> str:
    return url_for("meetings.meeting", meeting_id=meeting.id, _external=True)


@blueprint.get("/bodies/<code>/calendar.ics")
def body_feed(code: str):
    """A body's meetings; public bodies for anyone, the others with their private token."""
    session = db_session()
    found = session.scalar(select(Body).where(Body.code == code[:64]))
    if found is None:
        abort(404)
    token = request.args.get("token", "")
    private = bool(token) and secrets.compare_digest(token, found.calendar_token)
    if not (found.public_calendar or private):
        abort(404)
    language = request.args.get("language") or current_language()
    if language not in ("nl", "fr", "en"):
        language = "nl"
    listed = session.scalars(
        select(Meeting)
        .where(Meeting.body_id == found.id)
        .options(selectinload(Meeting.items), selectinload(Meeting.body))
        .order_by(Meeting.starts_at)
    ).all()
    name = str(pick(found.texts("name"), language))
    return _ics(
        calendars.feed(name, listed, language, private=private, link=_meeting_url), found.code
    )


@blueprint.get("/calendar/<token>.ics")
def personal_feed(token: str):
    """The meetings of every body the person is a member of, by a private address."""
    session = db_session()
    user = session.scalar(select(User).where(User.calendar_token == token[:64])) if token else None
    if user is None:
        abort(404)
    memberships = session.scalars(select(Membership).where(Membership.user_id == user.id)).all()
    body_ids = {m.body_id for m in memberships}
    listed = session.scalars(
        select(Meeting)
        .where(Meeting.body_id.in_(body_ids))
        .options(selectinload(Meeting.items), selectinload(Meeting.body))
        .order_by(Meeting.starts_at)
    ).all()
    listed = [
        m
        for m in listed
        if any(
            mem.body_id == m.body_id
            and mem.active_on(in_brussels(m.starts_at).date())
            and (mem.role != "prison_director" or m.with_prison_directors)
            for mem in memberships
        )
    ]
    language = user.default_language or "nl"
    return _ics(
        calendars.feed("Concerto", listed, language, private=True, link=_meeting_url), "concerto"
    )


@blueprint.get("/meetings/<int(max=2147483647):meeting_id>.ics")
def meeting_file(meeting_id: int):
    require("meetings.read")
    found = get_or_404(Meeting, meeting_id)
    language = current_language()
    return _ics(
        calendars.calendar(
            calendars.meeting_title(found, language),
            [calendars.event_of(found, language, private=True, link=_meeting_url(found))],
            "PUBLISH",
        ),
        f"meeting-{found.id}",
    )
