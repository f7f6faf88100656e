"""The sections of My work for the secretariat, the study day's organisers and the
administrators."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.identity.models import User
from core.meetings import services as meetings
from core.meetings.models import (
    Body,
    Meeting,
    Minutes,
)
from core.reports.services import failures as report_failures
from core.scheduler import job_runs
from core.studyday import services as studyday
from core.studyday.models import Registration, StudyDay
from core.work.entries import MINUTES_LOOKBACK_DAYS, NEXT_MEETINGS, Entry, upcoming_meetings

# --- secretary ------------------------------------------------------------------------------


def _lacks(session: Session, meeting: Meeting) -> dict[str, Any]:
    """What a coming meeting still lacks: the invitations, the agenda sent, replies, and
    the earlier minutes it is to approve."""
    lacks: dict[str, Any] = {}
    if meeting.invited_at is None:
        lacks["invitations"] = True
    else:
        missing = sum(1 for i in meeting.invitations if i.reply is None)
        if missing:
            lacks["replies"] = missing
    if meeting.agenda_sent_at is None:
        lacks["agenda"] = True
    to_approve = meetings.minutes_to_approve(session, meeting)
    if to_approve:
        lacks["minutes_to_approve"] = len(to_approve)
    return lacks


def meetings_lacking(session: Session, now: datetime) -> list[Entry]:
    """Meetings held lately without minutes (to write), then the next meetings, each with
    what it still lacks (nothing: ready)."""
    since = now - timedelta(days=MINUTES_LOOKBACK_DAYS)
    written = select(Minutes.meeting_id)
    # The secretariat keeps the committee's bodies; an authority's own are its coordinators'.
    committee = Meeting.body_id.in_(select(Body.id).where(Body.authority_code.is_(None)))
    without_minutes = session.scalars(
        select(Meeting)
        .where(
            committee,
            Meeting.ends_at < now,
            Meeting.starts_at >= since,
            Meeting.cancelled_at.is_(None),
            Meeting.id.not_in(written),
        )
        .options(selectinload(Meeting.body))
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    entries = [
        Entry("meeting", m, {"starts_at": m.starts_at, "lacks": {"minutes": True}})
        for m in without_minutes
    ]
    coming = session.scalars(
        upcoming_meetings(now)
        .where(committee)
        .options(selectinload(Meeting.invitations))
        .limit(NEXT_MEETINGS)
    ).all()
    entries += [
        Entry("meeting", m, {"starts_at": m.starts_at, "lacks": _lacks(session, m)}) for m in coming
    ]
    return entries


def overdue_actions(session: Session, today: date) -> list[Entry]:
    """Overdue action items, by authority (the page groups them), the oldest first."""
    found = meetings.find_actions(session, meetings.ActionFilters(status="overdue"), today)
    found = sorted(found, key=lambda a: (a.authority_code, a.due_on, a.id))
    return [
        Entry(
            "action_item",
            action,
            {"due_on": action.due_on, "overdue": True, "status": action.status},
        )
        for action in found
    ]


# --- study-day organiser --------------------------------------------------------------------


def next_study_day(session: Session, today: date) -> StudyDay | None:
    return session.scalar(
        select(StudyDay)
        .where(StudyDay.kind == "study_day", StudyDay.held_on >= today)
        .options(selectinload(StudyDay.workshops))
        .order_by(StudyDay.held_on)
        .limit(1)
    )


def registrations_to_confirm(session: Session, day: StudyDay | None) -> list[Entry]:
    """Places held for a registrant who has not confirmed yet (a guest's address, or a
    place freed from the waiting list), the first to lapse first."""
    if day is None:
        return []
    found = session.scalars(
        select(Registration)
        .where(
            Registration.study_day_id == day.id,
            Registration.state.in_(("pending", "offered")),
        )
        .order_by(Registration.expires_at, Registration.id)
    )
    return [
        Entry(
            "registration",
            registration,
            {"day": day, "state": registration.state, "held_until": registration.expires_at},
        )
        for registration in found
    ]


def waiting_lists(session: Session, day: StudyDay | None) -> list[Entry]:
    if day is None:
        return []
    found = session.scalars(
        select(Registration)
        .where(Registration.study_day_id == day.id, Registration.state == "waiting")
        .order_by(Registration.created_at, Registration.id)
    )
    return [
        Entry("registration", registration, {"day": day, "since": registration.created_at})
        for registration in found
    ]


def places_left(session: Session, day: StudyDay | None) -> list[Entry]:
    """Every workshop of the day with its places left and its waiting list."""
    if day is None:
        return []
    figures = studyday.places(session, day)["workshops"]
    entries = []
    for workshop in studyday.workshops_of(day):
        taken = figures[workshop.id]
        entries.append(
            Entry(
                "workshop",
                workshop,
                {
                    "day": day,
                    "capacity": taken["capacity"],
                    "left": max(taken["capacity"] - taken["taken"], 0),
                    "waiting": taken["waiting"],
                },
            )
        )
    return entries


# --- administrator --------------------------------------------------------------------------


def failed_plugins(registry) -> list[Entry]:
    return [
        Entry("plugin", plugin, {"reason": plugin.reason})
        for plugin in sorted(registry.failed(), key=lambda p: p.name)
    ]


def failed_jobs(session: Session) -> list[Entry]:
    """Scheduled jobs whose last run failed."""
    rows = session.execute(
        select(job_runs.c.job_id, job_runs.c.last_run_at, job_runs.c.last_error)
        .where(job_runs.c.last_error.is_not(None))
        .order_by(job_runs.c.job_id)
    ).all()
    return [
        Entry("job", row.job_id, {"failed_at": _aware(row.last_run_at), "reason": row.last_error})
        for row in rows
    ]


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def failed_reports(session: Session, registry) -> list[Entry]:
    entries = []
    for (authority, code), (failed_at, reason) in sorted(report_failures(session).items()):
        found = registry.authorities.get(authority)
        report = next((r for r in found.reports if r.code == code), None) if found else None
        entries.append(
            Entry(
                "report",
                (authority, code),
                {
                    "authority": authority,
                    "report": report,
                    "failed_at": _aware(failed_at),
                    "reason": reason,
                },
            )
        )
    return entries


def people_without_role(session: Session) -> list[Entry]:
    """People who logged in and may do nothing beyond reading: no role from their
    authority and none from the platform (a mapping to fix, or an account to close)."""
    found = session.scalars(
        select(User)
        .where(User.disabled.is_(False))
        .options(selectinload(User.identities), selectinload(User.platform_roles))
        .order_by(User.display_name, User.id)
    )
    return [
        Entry("person", user, {"authorities": sorted({i.authority_code for i in user.identities})})
        for user in found
        if not user.platform_roles and not any(i.access_roles for i in user.identities)
    ]
