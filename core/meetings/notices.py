"""The meetings' events as people are told of them (core.events.kinds):

- an action item assigned, changed by someone else, or overdue (once a week): to its owner,
  the account with the owner's e-mail address, or the address itself (in the language of the
  owner's membership, else their authority's); an outside partner's owner at the address
  written with the action (the partner's contact address unless another was given), in the
  partner's language;
- draft minutes sent for remarks: to those present at the meeting who have an account (the
  remarks are left on the platform), with the closing date.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from core.events.kinds import About, Address, Kind, Recipient, users_by_email
from core.events.models import Event
from core.i18n import language_of_authority, show_date, show_datetime
from core.mail.services import base_url
from core.meetings.calendars import meeting_title
from core.meetings.models import ACTION_LABELS, ActionItem, Minutes
from core.meetings.services.remarks import attendees_to_tell


def _owner(session: Session, event: Event, _registry) -> list[Recipient]:
    action = session.get(ActionItem, event.record_id)
    if action is None:
        return []
    if action.partner is not None:
        # An outside partner has no account here: its contact address, in its language.
        partner = action.partner
        return [Address(action.owner_email or partner.email, partner.language, action.owner_name)]
    if not action.owner_email:
        return []
    users = [u for u in users_by_email(session, action.owner_email) if u.id != event.actor_user_id]
    if users:
        return users[:1]
    if event.actor_user_id is not None and any(
        u.id == event.actor_user_id for u in users_by_email(session, action.owner_email)
    ):
        return []  # the owner changed it themselves
    language = next(
        (
            m.language
            for m in action.meeting.body.memberships
            if m.email and m.email.lower() == action.owner_email.lower()
        ),
        language_of_authority(action.authority_code),
    )
    return [Address(action.owner_email, language, action.owner_name)]


def _action(session: Session, event: Event, language: str) -> About | None:
    action = session.get(ActionItem, event.record_id)
    if action is None:
        return None
    return About(
        title=action.local("title", language).text,
        link=f"{base_url()}/actions/{action.id}",
        detail=show_date(action.due_on) if action.due_on else "",
        extra={
            "action": action,
            "meeting": action.meeting,
            "status": str(ACTION_LABELS.get(action.status, action.status)),
        },
    )


def _attendees(session: Session, event: Event, _registry) -> list[Recipient]:
    """Those present at the meeting, by their accounts (remarks are left on the platform)."""
    minutes = session.get(Minutes, event.record_id)
    if minutes is None or minutes.approved:
        return []
    return attendees_to_tell(session, minutes)


def _minutes(session: Session, event: Event, language: str) -> About | None:
    minutes = session.get(Minutes, event.record_id)
    if minutes is None:
        return None
    meeting = minutes.meeting
    closes = event.data.get("closes_on")
    closes = date.fromisoformat(closes) if isinstance(closes, str) else None
    return About(
        title=f"{meeting_title(meeting, language)}, {show_datetime(meeting.starts_at)}",
        link=f"{base_url()}/minutes/{minutes.id}/remarks",
        detail=show_date(closes) if closes else "",
        extra={"meeting": meeting, "minutes": minutes},
    )


KINDS = (
    Kind(
        "action_assigned",
        _l("An action was assigned to me"),
        "now",
        _owner,
        _action,
        "notifications/mail/action_assigned.txt",
    ),
    Kind(
        "action_changed",
        _l("Someone else changed an action of mine"),
        "daily",
        _owner,
        _action,
        "notifications/mail/action_changed.txt",
    ),
    Kind(
        "action_overdue",
        _l("An action of mine is overdue"),
        "now",
        _owner,
        _action,
        "notifications/mail/action_overdue.txt",
    ),
    Kind(
        "minutes_sent_for_remarks",
        _l("Draft minutes wait for my remarks"),
        "now",
        _attendees,
        _minutes,
        "notifications/mail/minutes_sent_for_remarks.txt",
    ),
)
