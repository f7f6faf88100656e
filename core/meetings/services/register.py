"""The register of actions and the attendance figures of a body."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core.clock import local_time
from core.meetings.models import (
    ACTION_STATES,
    OPEN_ACTION_STATES,
    ActionItem,
    Attendance,
    Meeting,
    Minutes,
)

# --- the register of actions and attendance figures ---------------------------------------------


@dataclass
class ActionFilters:
    authority: str | None = None
    status: str | None = None  # open (open and in progress), overdue, done, any
    owner: str | None = None


def find_actions(session: Session, filters: ActionFilters, today: date) -> list[ActionItem]:
    query = select(ActionItem).options(selectinload(ActionItem.meeting).selectinload(Meeting.body))
    if filters.authority:
        query = query.where(ActionItem.authority_code == filters.authority)
    if filters.owner:
        query = query.where(ActionItem.owner_name == filters.owner)
    if filters.status in (None, "", "open"):
        query = query.where(ActionItem.status.in_(OPEN_ACTION_STATES))
    elif filters.status == "overdue":
        query = query.where(ActionItem.status.in_(OPEN_ACTION_STATES), ActionItem.due_on < today)
    elif filters.status in ACTION_STATES:
        query = query.where(ActionItem.status == filters.status)
    return list(
        session.scalars(
            query.order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)
        )
    )


def action_summary(session: Session, today: date) -> list[dict[str, Any]]:
    """Open and overdue actions per authority and owner, for the dashboard."""
    rows: dict[tuple, dict[str, Any]] = {}
    for action in session.scalars(
        select(ActionItem).where(ActionItem.status.in_(OPEN_ACTION_STATES))
    ):
        row = rows.setdefault(
            (action.authority_code, action.partner_id, action.owner_name),
            {
                "authority": action.authority_code,
                # An outside partner's owner: the partner, for its name (core.partners).
                "partner": action.partner,
                "owner": action.owner_name,
                "open": 0,
                "overdue": 0,
            },
        )
        row["open"] += 1
        row["overdue"] += action.overdue(today)
    # Partners after the authorities, each group by owner.
    return sorted(
        rows.values(),
        key=lambda r: (-r["overdue"], r["authority"] is None, r["authority"] or "", r["owner"]),
    )


def _latest_attendance(session: Session, body_id: int, year: int) -> list[Attendance]:
    """The attendance rows of the latest minutes of each of a year's meetings of a body."""
    start = local_time(date(year, 1, 1), "00:00")
    end = local_time(date(year + 1, 1, 1), "00:00")
    meetings = session.scalars(
        select(Meeting).where(
            Meeting.body_id == body_id,
            Meeting.starts_at >= start,
            Meeting.starts_at < end,
            Meeting.cancelled_at.is_(None),
        )
    ).all()
    latest = {
        meeting_id: minutes_id
        for meeting_id, minutes_id in session.execute(
            select(Minutes.meeting_id, func.max(Minutes.id))
            .where(Minutes.meeting_id.in_([m.id for m in meetings]))
            .group_by(Minutes.meeting_id)
        )
    }
    return list(
        session.scalars(select(Attendance).where(Attendance.minutes_id.in_(list(latest.values()))))
    )


def _presence_counts(rows: list[Attendance], key) -> dict:
    figures: dict = {}
    represented: dict = defaultdict(set)
    for row in rows:
        counts = figures.setdefault(
            key(row), {"present": 0, "excused": 0, "absent": 0, "meetings": 0}
        )
        counts[row.presence] += 1
        if row.presence == "present":
            represented[key(row)].add(row.minutes_id)
    for code, counts in figures.items():
        counts["meetings"] = len(represented[code])
    return figures


def attendance_by_authority(session: Session, body_id: int, year: int) -> dict[str, dict]:
    """Presence per authority over a year's meetings, from each meeting's latest minutes:
    {authority: {"present": n, "excused": n, "absent": n, "meetings": n}}. Outside partners
    are counted apart (attendance_by_partner): they are not among the authorities."""
    rows = [r for r in _latest_attendance(session, body_id, year) if r.authority_code]
    return dict(sorted(_presence_counts(rows, lambda r: r.authority_code).items()))


def attendance_by_partner(session: Session, body_id: int, year: int) -> dict[int, dict]:
    """Presence per outside partner over a year's meetings, as attendance_by_authority:
    {partner id: {"present": n, "excused": n, "absent": n, "meetings": n}}."""
    rows = [r for r in _latest_attendance(session, body_id, year) if r.partner_id is not None]
    return _presence_counts(rows, lambda r: r.partner_id)
