"""What the My work page is made of: a person's sections of entries, each a record with the
facts shown beside it, in groups by role (core.work.services fills them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.meetings.models import Meeting

# The groups of sections in the order the page shows them, and who gets each.
GROUPS = ("coordinator", "committee", "secretariat", "studyday", "administration")
OPEN_NEED_STATES = ("open", "being_addressed")
FINISHED_PLAN_STATES = ("done", "stopped")
# How many coming meetings a person sees; further ones are on the meetings page.
NEXT_MEETINGS = 5
# A meeting held longer ago than this without minutes is the secretary's old business, not
# today's work; the meetings page still lists it.
MINUTES_LOOKBACK_DAYS = 120


@dataclass
class Entry:
    """One record in a section, with the facts shown beside it (dates, replies, what lacks)."""

    kind: str  # service, need, action_item, plan_action, meeting, minutes, decision, ...
    record: Any
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Section:
    group: str
    key: str
    entries: list[Entry]

    @property
    def count(self) -> int:
        return len(self.entries)


@dataclass
class Work:
    sections: list[Section]

    def groups(self) -> list[tuple[str, list[Section]]]:
        return [
            (group, [s for s in self.sections if s.group == group])
            for group in GROUPS
            if any(s.group == group for s in self.sections)
        ]


def upcoming_meetings(now: datetime):
    """The meetings not yet over (nor cancelled), the soonest first."""
    return (
        select(Meeting)
        .where(Meeting.ends_at >= now, Meeting.cancelled_at.is_(None))
        .options(selectinload(Meeting.body))
        .order_by(Meeting.starts_at, Meeting.id)
    )
