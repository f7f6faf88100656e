"""Meetings: place and time, overlaps, state; invitations and replies; the year's meetings
the pages and the API list."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from core.clock import WALL_CLOCK, in_brussels, local_time, utcnow
from core.meetings.models import PLACE_KINDS, REPLIES, Body, Invitation, Meeting, Membership
from core.meetings.services.checks import (
    LANGUAGES,
    LONGEST_MEETING_MINUTES,
    _choice,
    _flag,
    _text,
    digest,
)
from core.reference.models import Prison
from core.validation import WEB_ADDRESS, Invalid, Refused, check_version, date_field, whole_field

# --- meetings ----------------------------------------------------------------------------------


def check_place(
    session: Session, values: dict[str, Any], errors: dict[str, str], days: list[date] = ()
) -> dict:
    """Where a meeting is held; a prison must be open on each of the ``days`` it meets."""
    place = {
        "place_kind": _choice(values, "place_kind", errors, PLACE_KINDS, default="office"),
        "prison_code": values.get("prison") or None,
        "place_text": _text(values, "place_text", errors, limit=300),
        "online_url": _text(values, "online_url", errors, limit=500),
    }
    if place["place_kind"] == "prison":
        if place["prison_code"] is None:
            errors["prison"] = "required"
        elif (prison := session.get(Prison, place["prison_code"])) is None:
            errors["prison"] = "unknown"
        elif not all(prison.is_open_on(day) for day in days):
            errors["prison"] = "closed"
    else:
        place["prison_code"] = None
    if place["place_kind"] == "online" and not place["online_url"]:
        errors["online_url"] = "required"
    if place["online_url"] and not WEB_ADDRESS.match(place["online_url"]):
        errors["online_url"] = "url"
    if place["place_kind"] == "office" and not place["place_text"]:
        errors["place_text"] = "required"
    return place


def _check_when(
    values: dict[str, Any], errors: dict[str, str]
) -> tuple[date | None, datetime | None, datetime | None]:
    """The day, start and end a meeting form gives (start and end None when not readable)."""
    day = date_field(values, "date", errors, required=True)
    clock = values.get("start_time") or ""
    if not clock:
        errors["start_time"] = "required"
    elif not WALL_CLOCK.match(clock):
        errors["start_time"] = "clock"
    duration = whole_field(
        values, "duration_minutes", errors, 15, LONGEST_MEETING_MINUTES, required=True
    )
    if day is None or duration is None or {"start_time", "duration_minutes"} & set(errors):
        return day, None, None
    starts_at = local_time(day, clock)
    return day, starts_at, starts_at + timedelta(minutes=duration)


def clashes_of(
    session: Session, body_id: int, values: dict[str, Any], but: int | None = None
) -> list[Meeting]:
    """The body's meetings that the time typed so far in a meeting form overlaps, for the
    warning shown while the form is filled; nothing while the time cannot be read yet."""
    _day, starts_at, ends_at = _check_when(values, {})
    if starts_at is None:
        return []
    return overlapping(session, body_id, starts_at, ends_at, but)


def check_meeting(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    day, starts_at, ends_at = _check_when(values, errors)
    cleaned: dict[str, Any] = {
        f"title_{lang}": _text(values, f"title_{lang}", errors, limit=300) for lang in LANGUAGES
    }
    cleaned.update(check_place(session, values, errors, [day] if day else []))
    cleaned["with_prison_directors"] = _flag(values, "with_prison_directors")
    if errors:
        raise Invalid(errors)
    cleaned["starts_at"], cleaned["ends_at"] = starts_at, ends_at
    return cleaned


def overlapping(
    session: Session, body_id: int, starts_at: datetime, ends_at: datetime, but: int | None = None
) -> list[Meeting]:
    """Meetings of the same body, not cancelled, whose time overlaps this one."""
    query = select(Meeting).where(
        Meeting.body_id == body_id,
        Meeting.cancelled_at.is_(None),
        Meeting.starts_at < ends_at,
        Meeting.ends_at > starts_at,
    )
    if but is not None:
        query = query.where(Meeting.id != but)
    return list(session.scalars(query.order_by(Meeting.starts_at)))


def create_meeting(
    session: Session, body: Body, values: dict[str, Any]
) -> tuple[Meeting, list[Meeting]]:
    """A single meeting; returns it with the meetings of the body it overlaps (a warning:
    two meetings at once may be wanted, e.g. a working group splitting in two rooms)."""
    cleaned = check_meeting(session, values)
    meeting = Meeting(body_id=body.id, uid=f"{secrets.token_hex(12)}@concerto", **cleaned)
    session.add(meeting)
    session.flush()
    return meeting, overlapping(session, body.id, meeting.starts_at, meeting.ends_at, meeting.id)


def update_meeting(
    session: Session, meeting: Meeting, values: dict[str, Any], expected_version: int | None
) -> list[Meeting]:
    check_version(meeting, expected_version)
    if meeting.cancelled:
        raise Refused("cancelled")
    if meeting.state == "minutes_approved":
        raise Refused("minutes_approved")
    cleaned = check_meeting(session, values)
    moved = any(
        getattr(meeting, key) != cleaned[key]
        for key in ("starts_at", "ends_at", "place_kind", "prison_code", "place_text", "online_url")
    )
    for key, value in cleaned.items():
        setattr(meeting, key, value)
    if moved:
        meeting.sequence += 1
    session.flush()
    return overlapping(session, meeting.body_id, meeting.starts_at, meeting.ends_at, meeting.id)


def mark_held(meeting: Meeting) -> None:
    if meeting.cancelled:
        raise Refused("cancelled")
    if meeting.state == "minutes_approved":
        raise Refused("minutes_approved")
    if meeting.starts_at > utcnow():
        raise Refused("not_started")
    meeting.state = "held"


# --- invitations -----------------------------------------------------------------------------


def invitees(meeting: Meeting) -> list[Membership]:
    """Members of the body on the day of the meeting; prison directors only when the meeting
    is one "with prison directors"."""
    day = in_brussels(meeting.starts_at).date()
    return [
        membership
        for membership in meeting.body.memberships
        if membership.active_on(day)
        and (membership.role != "prison_director" or meeting.with_prison_directors)
    ]


def invite(session: Session, meeting: Meeting) -> list[tuple[Invitation, str]]:
    """(Re)issue an invitation with a fresh reply link to every invitee; returns each
    invitation with its link secret, for the message. Earlier replies are kept."""
    if meeting.cancelled:
        raise Refused("cancelled")
    if meeting.state in ("held", "minutes_approved"):
        raise Refused("already_held")
    existing = {invitation.membership_id: invitation for invitation in meeting.invitations}
    issued = []
    for membership in invitees(meeting):
        secret = secrets.token_urlsafe(24)
        invitation = existing.get(membership.id)
        if invitation is None:
            invitation = Invitation(membership=membership, token_hash=digest(secret))
            meeting.invitations.append(invitation)
        else:
            invitation.token_hash = digest(secret)
            invitation.sent_at = utcnow()
        issued.append((invitation, secret))
    meeting.state = "invited"
    meeting.invited_at = utcnow()
    session.flush()
    return issued


def invitation_by_token(session: Session, token: str) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    return session.scalar(select(Invitation).where(Invitation.token_hash == digest(token)))


def answer(invitation: Invitation, reply: str) -> None:
    if reply not in REPLIES:
        raise Invalid({"reply": "choice"})
    meeting = invitation.meeting
    if meeting.cancelled:
        raise Refused("cancelled")
    if meeting.ends_at < utcnow():
        raise Refused("past")
    invitation.reply = reply
    invitation.replied_at = utcnow()


def invitation_of_user(
    meeting: Meeting, user_id: int | None, email: str | None = None, authority: str | None = None
) -> Invitation | None:
    """The person's invitation: through a membership linked to their account, or, while the
    secretariat has not linked it, one of their own authority written with the e-mail address
    its provider gave them (so another authority's provider cannot claim it). My work finds
    invitations the same way (core/work/services.py)."""
    if user_id is None:
        return None
    for invitation in meeting.invitations:
        if invitation.membership.user_id == user_id:
            return invitation
    address = (email or "").strip().lower()
    for invitation in meeting.invitations if address and authority else []:
        membership = invitation.membership
        if (
            membership.user_id is None
            and membership.authority_code == authority
            and (membership.email or "").strip().lower() == address
        ):
            return invitation
    return None


def cancel(meeting: Meeting, reason: str | None) -> None:
    if meeting.cancelled:
        raise Refused("cancelled")
    if meeting.state in ("held", "minutes_approved"):
        raise Refused("already_held")
    meeting.cancelled_at = utcnow()
    meeting.cancel_reason = (reason or "").strip()[:2000] or None
    meeting.sequence += 1


# --- the meetings listed (pages and API) ---------------------------------------------------------


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The first instant of ``year`` and of the next, Brussels time (as stored: UTC)."""
    return local_time(date(year, 1, 1), "00:00"), local_time(date(year + 1, 1, 1), "00:00")


def listed_meetings(
    *, body_id: int | None = None, body_code: str | None = None, year: int | None = None
) -> Select:
    """The meetings the index page and the API list, by start, with their body: of one body
    (by id or code) and one year (Brussels time) when asked."""
    query = select(Meeting).options(selectinload(Meeting.body)).order_by(Meeting.starts_at)
    if body_id:
        query = query.where(Meeting.body_id == body_id)
    if body_code:
        query = query.join(Body).where(Body.code == body_code[:64])
    if year is not None:
        start, end = year_bounds(year)
        query = query.where(Meeting.starts_at >= start, Meeting.starts_at < end)
    return query
