"""The study day's e-mails and calendar, each written in the registrant's language and put
in the outbox. The message follows from the registration's state, and its key from what it
says: telling the same thing twice (a double click, a job run again) sends it once, while
every real change is told."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import current_app, render_template
from flask_babel import force_locale
from icalendar import Event
from sqlalchemy.orm import Session

from core.clock import in_brussels, utcnow
from core.i18n import pick
from core.mail.services import base_url, queue
from core.meetings.calendars import calendar
from core.studyday.days import edit_deadline, private_token
from core.studyday.models import Registration, StudyDay, WorkshopChoice


def private_link(registration: Registration) -> str:
    token = private_token(registration, current_app.config["SECRET_KEY"])
    return f"{base_url()}/studyday/r/{token}"


def day_event(day: StudyDay, language: str, registration: Registration | None = None) -> Event:
    """The day as one event from its first to its last session, the programme (and the
    registrant's own workshops) in the description."""
    event = Event()
    # The study day keeps the uid it had when it was the only kind; a year has many others.
    uid = f"study-day-{day.year}" if day.kind == "study_day" else f"event-{day.id}"
    event.add("uid", f"{uid}@concerto")
    event.add("dtstamp", utcnow())
    sessions = sorted(day.workshops, key=lambda w: w.starts_at)
    if sessions:
        event.add("dtstart", in_brussels(sessions[0].starts_at))
        event.add("dtend", in_brussels(max(w.ends_at for w in sessions)))
    else:
        event.add("dtstart", day.held_on)
    event.add("summary", str(pick(day.texts("title"), language)))
    event.add("location", day.venue)
    mine = (
        {c.workshop_id for c in registration.choices if c.state == "confirmed"}
        if registration
        else set()
    )
    event.add(
        "description",
        "\n".join(
            f"{in_brussels(w.starts_at):%H:%M}-{in_brussels(w.ends_at):%H:%M} "
            f"{'* ' if w.id in mine else ''}{pick(w.texts('title'), language)}"
            + (f" ({w.room})" if w.room else "")
            for w in sessions
        ),
    )
    event.add(
        "status", "CANCELLED" if registration and registration.state != "confirmed" else "CONFIRMED"
    )
    return event


def day_calendar(day: StudyDay, language: str, registration: Registration | None = None) -> bytes:
    name = str(pick(day.texts("title"), language))
    method = "PUBLISH" if registration is None else "REQUEST"
    return calendar(name, [day_event(day, language, registration)], method=method)


def kind_of(registration: Registration) -> str:
    if registration.state == "pending":
        return "confirm_address"
    if registration.state == "offered" or any(c.state == "offered" for c in registration.choices):
        return "offer"
    return registration.state  # confirmed, waiting, cancelled, expired


def _deadline(registration: Registration) -> datetime | None:
    moments = [registration.expires_at] if registration.state in ("pending", "offered") else []
    moments += [c.expires_at for c in registration.choices if c.state == "offered"]
    return min((m for m in moments if m), default=None)


def tell(session: Session, registration: Registration) -> bool:
    """Write the message that the registration's state calls for; False when the same
    message was already written."""
    day = session.get(StudyDay, registration.study_day_id)
    kind = kind_of(registration)
    language = registration.language
    with force_locale(language):
        body = render_template(
            f"studyday/mail/{kind}.txt",
            day=day,
            title=str(pick(day.texts("title"), language)),
            registration=registration,
            choices=[c for c in registration.choices if c.state != "cancelled"],
            language=language,
            link=private_link(registration),
            deadline=_deadline(registration),
            edit_deadline=edit_deadline(day),
        )
        subject, _, text = body.partition("\n")
    attachments = []
    if kind == "confirmed":
        attachments.append(
            {
                "filename": "study-day.ics",
                "content_type": "text/calendar",
                "method": "REQUEST",
                "text": day_calendar(day, language, registration).decode(),
            }
        )
    said = hashlib.sha256(f"{subject}\n{text}".encode()).hexdigest()[:20]
    written = queue(
        session,
        key=f"studyday:{registration.id}:{kind}:{said}",
        kind=f"studyday_{kind}",
        recipient=registration.email,
        language=language,
        subject=subject.strip(),
        body=text.lstrip("\n"),
        attachments=attachments,
    )
    return written is not None


def tell_offers(session: Session, offers: list) -> int:
    """One message per registrant who was offered a place or a seat."""
    registrations = {
        (o.registration_id if isinstance(o, WorkshopChoice) else o.id): o for o in offers
    }
    told = 0
    for registration_id in registrations:
        registration = session.get(Registration, registration_id)
        told += tell(session, registration)
    return told
