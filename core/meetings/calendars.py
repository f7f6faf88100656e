"""Meetings as iCalendar (RFC 5545): the file sent with an invitation, the feed of a body and
the personal feed of a member. Built with the icalendar library; times carry the
Europe/Brussels zone with its VTIMEZONE, so calendar programs show them right across
daylight-saving changes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from icalendar import Calendar, Event, vCalAddress, vText
from sqlalchemy.orm import object_session

from core.clock import in_brussels, utcnow
from core.i18n import pick
from core.meetings.models import Meeting, Membership
from core.meetings.services.agenda_items import agenda
from core.reference.models import Prison
from core.validation import EARLIEST_DATE, LATEST_DATE, one_line

PRODID = "-//Concerto//Brussels consultation committee//EN"


def meeting_title(meeting: Meeting, language: str) -> str:
    body = str(pick(meeting.body.texts("name"), language))
    own = pick(meeting.texts("title"), language)
    return f"{body}: {own}" if own.text else body


def place_of(meeting: Meeting, language: str, *, private: bool) -> str:
    parts = []
    if meeting.place_kind == "prison" and meeting.prison_code:
        prison = object_session(meeting).get(Prison, meeting.prison_code)
        parts.append(prison.local("name", language).text if prison else meeting.prison_code)
    if meeting.place_text:
        parts.append(meeting.place_text)
    if meeting.place_kind == "online" and meeting.online_url and private:
        parts.append(meeting.online_url)
    return ", ".join(parts)


def event_of(meeting: Meeting, language: str, *, private: bool, link: str | None) -> Event:
    event = Event()
    event.add("uid", meeting.uid)
    event.add("dtstamp", utcnow())
    event.add("dtstart", in_brussels(meeting.starts_at))
    event.add("dtend", in_brussels(meeting.ends_at))
    event.add("summary", one_line(meeting_title(meeting, language)))
    event.add("sequence", meeting.sequence)
    event.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
    location = place_of(meeting, language, private=private)
    if location:
        event.add("location", one_line(location))
    if link:
        event.add("url", link)
    if private and meeting.items:
        lines = [
            f"{number}. {pick(item.texts('title'), language)}"
            for number, item, _ in agenda(meeting)
        ]
        event.add("description", "\n".join(lines))
    return event


def calendar(name: str, events: Iterable[Event], method: str | None = None) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", one_line(name))
    if method:
        cal.add("method", method)
    starts = []
    for event in events:
        cal.add_component(event)
        starts.append(event.decoded("dtstart").date())
    if starts:
        # The zone's rules for the years the events span, not since 1970: smaller files.
        cal.add_missing_timezones(
            first_date=date(min(starts).year - 1, 1, 1), last_date=date(max(starts).year + 2, 1, 1)
        )
    return cal.to_ical()


def invitation_file(
    meeting: Meeting, membership: Membership, organizer: str, link: str | None
) -> bytes:
    """The .ics sent to one member: a REQUEST, or a CANCEL once the meeting is cancelled."""
    event = event_of(meeting, membership.language, private=True, link=link)
    event.add("organizer", vCalAddress(f"mailto:{organizer}"))
    if membership.email:
        attendee = vCalAddress(f"mailto:{membership.email}")
        attendee.params["cn"] = vText(membership.name)
        attendee.params["role"] = vText(
            "OPT-PARTICIPANT" if membership.role == "observer" else "REQ-PARTICIPANT"
        )
        event.add("attendee", attendee)
    method = "CANCEL" if meeting.cancelled else "REQUEST"
    return calendar(meeting_title(meeting, membership.language), [event], method)


def feed(name: str, meetings: Iterable[Meeting], language: str, *, private: bool, link) -> bytes:
    """A subscription feed; ``link(meeting)`` gives each meeting's page address. A meeting
    stored outside the years a meeting can be planned in (before the forms checked dates)
    is left out rather than failing the feed for every subscriber."""
    return calendar(
        name,
        (
            event_of(m, language, private=private, link=link(m))
            for m in meetings
            if _plannable(m.starts_at) and _plannable(m.ends_at)
        ),
        "PUBLISH",
    )


def _plannable(moment) -> bool:
    return EARLIEST_DATE.year <= moment.year <= LATEST_DATE.year
