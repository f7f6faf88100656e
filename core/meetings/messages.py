"""The e-mails about meetings, each written in the recipient's language and put in the
outbox under a key that makes sending it twice impossible."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy.orm import Session

from core.clock import in_brussels
from core.mail.services import base_url, queue
from core.meetings.calendars import invitation_file, meeting_title, place_of
from core.meetings.models import Meeting, Membership
from core.meetings.services.agenda_items import agenda
from core.meetings.services.meetings import invitees


def meeting_link(meeting: Meeting) -> str:
    return f"{base_url()}/meetings/{meeting.id}"


def _calendar_part(meeting: Meeting, membership: Membership) -> dict[str, str]:
    organizer = current_app.config["CONCERTO"]["mail_from"]
    return {
        "filename": "meeting.ics",
        "content_type": "text/calendar",
        "method": "CANCEL" if meeting.cancelled else "REQUEST",
        "text": invitation_file(meeting, membership, organizer, meeting_link(meeting)).decode(),
    }


def _send_to_member(
    session: Session,
    kind: str,
    key: str,
    meeting: Meeting,
    membership: Membership,
    *,
    reply_token: str | None = None,
    with_calendar: bool = True,
) -> bool:
    if not membership.email:
        return False
    language = membership.language
    with force_locale(language):
        title = meeting_title(meeting, language)
        body = render_template(
            f"meetings/mail/{kind}.txt",
            meeting=meeting,
            member=membership,
            title=title,
            starts=in_brussels(meeting.starts_at),
            items=agenda(meeting),
            language=language,
            place=place_of(meeting, language, private=False),
            link=meeting_link(meeting),
            reply_link=f"{base_url()}/invitations/{reply_token}" if reply_token else None,
        )
        subject, _, text = body.partition("\n")
    written = queue(
        session,
        key=key,
        kind=f"meeting_{kind}",
        recipient=membership.email,
        language=language,
        subject=subject.strip(),
        body=text.lstrip("\n"),
        attachments=[_calendar_part(meeting, membership)] if with_calendar else [],
    )
    return written is not None


def send_invitations(session: Session, meeting: Meeting, issued) -> int:
    """One invitation per invitee, for this version (SEQUENCE) of the meeting."""
    return sum(
        _send_to_member(
            session,
            "invitation",
            f"invitation:{meeting.id}:{invitation.membership_id}:{meeting.sequence}:"
            f"{invitation.token_hash[:12]}",
            meeting,
            invitation.membership,
            reply_token=secret,
        )
        for invitation, secret in issued
    )


def send_cancellation(session: Session, meeting: Meeting) -> int:
    return sum(
        _send_to_member(
            session,
            "cancellation",
            f"cancellation:{meeting.id}:{i.membership_id}",
            meeting,
            i.membership,
        )
        for i in meeting.invitations
    )


def send_agenda(session: Session, meeting: Meeting) -> int:
    return sum(
        _send_to_member(session, "agenda", f"agenda:{meeting.id}:{m.id}", meeting, m)
        for m in invitees(meeting)
    )


def send_reminder(session: Session, meeting: Meeting) -> int:
    excused = {i.membership_id for i in meeting.invitations if i.reply == "excused"}
    return sum(
        _send_to_member(
            session, "reminder", f"reminder:{meeting.id}:{m.id}", meeting, m, with_calendar=False
        )
        for m in invitees(meeting)
        if m.id not in excused
    )
