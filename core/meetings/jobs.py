"""Scheduled work of the meetings feature: agendas sent a set number of days before,
reminders the day before and reminders about overdue actions (the outbox's delivery is core.mail.jobs).

Each job may run again after a crash, a restart or a missed run: every message it writes has
a key (core.mail), so running twice sends nothing twice, and a run missed during downtime
sends what is still due, once.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.audit.services import acting_as
from core.clock import in_brussels, utcnow
from core.events import services as events
from core.meetings import messages
from core.meetings.models import OPEN_ACTION_STATES, ActionItem, Body, Meeting
from core.permissions import system
from core.scheduler import job_app


def _upcoming(session, within: timedelta):
    now = utcnow()
    return session.scalars(
        select(Meeting)
        .where(
            Meeting.cancelled_at.is_(None),
            Meeting.state.in_(("planned", "invited")),
            Meeting.starts_at > now,
            Meeting.starts_at <= now + within,
        )
        .options(
            selectinload(Meeting.body).selectinload(Body.memberships),
            selectinload(Meeting.items),
            selectinload(Meeting.invitations),
        )
        .order_by(Meeting.starts_at)
    ).all()


def _for_upcoming(label: str, within: timedelta, send) -> int:
    app = job_app()
    sent = 0
    with (
        app.app_context(),
        acting_as(system("job", label)),
        app.extensions["concerto.db"].session() as session,
    ):
        for meeting in _upcoming(session, within):
            sent += send(session, meeting)
    return sent


def send_agendas() -> int:
    """The agenda of each meeting within `agenda_days_before` days, to every invitee."""
    days = job_app().config["CONCERTO"]["agenda_days_before"]

    def send(session, meeting) -> int:
        meeting.agenda_sent_at = meeting.agenda_sent_at or utcnow()
        return messages.send_agenda(session, meeting)

    return _for_upcoming("send agendas", timedelta(days=days), send)


def send_reminders() -> int:
    """A reminder `reminder_hours_before` hours before each meeting, to those not excused."""
    hours = job_app().config["CONCERTO"]["reminder_hours_before"]
    return _for_upcoming("send meeting reminders", timedelta(hours=hours), messages.send_reminder)


def remind_overdue_actions() -> int:
    """Once a week per overdue action, an event that reminds its owner (returns the events)."""
    app = job_app()
    today = in_brussels(utcnow()).date()
    year, week, _ = today.isocalendar()
    sent = 0
    with (
        app.app_context(),
        acting_as(system("job", "remind overdue actions")),
        app.extensions["concerto.db"].session() as session,
    ):
        overdue = session.scalars(
            select(ActionItem)
            .where(ActionItem.status.in_(OPEN_ACTION_STATES), ActionItem.due_on < today)
            .options(
                selectinload(ActionItem.meeting)
                .selectinload(Meeting.body)
                .selectinload(Body.memberships)
            )
        ).all()
        for action in overdue:
            # Once per action and week, whichever process records it; the notifier tells
            # the owner as they chose (core.meetings.notices).
            sent += (
                events.record(
                    session,
                    "action_overdue",
                    record_kind="action_item",
                    record_id=action.id,
                    authority=action.authority_code,
                    key=f"overdue:{action.id}:{year}-W{week:02d}",
                    week=f"{year}-W{week:02d}",
                )
                is not None
            )
    return sent
