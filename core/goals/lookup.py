"""Finding a goal by its code, the one way every feature does it.

People write goals by code: "4.3" in a decision's, an action item's or a need's goal
field, a link's id in the API (core.links). Codes repeat from one plan to the next, so a
code always means the goal of the *current* plan: the plan whose years include today, or
the latest plan when none does. A number names a goal by its id, in
whichever plan it is.

This module imports only the goals' models, so that meetings, needs, the study day and
the API can all use it without importing one another.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import BRUSSELS, utcnow
from core.goals.models import Goal, Plan


def current_plan(session: Session, today: date | None = None) -> Plan | None:
    """The committee's plan whose years include ``today`` (the latest-starting one if plans
    overlap), else its latest plan; None when there is no plan at all. An authority's own
    plan is never the current one: "4.3" in a decision means the committee's goal."""
    year = (today or utcnow().astimezone(BRUSSELS).date()).year
    latest_first = (Plan.start_year.desc(), Plan.end_year.desc(), Plan.id.desc())
    committee = select(Plan).where(Plan.authority_code.is_(None))
    running = session.scalar(
        committee.where(Plan.start_year <= year, Plan.end_year >= year)
        .order_by(*latest_first)
        .limit(1)
    )
    return running or session.scalar(committee.order_by(*latest_first).limit(1))


def goal_by_code(session: Session, code: str, today: date | None = None) -> Goal | None:
    """The goal with this code in the current plan, or None."""
    plan = current_plan(session, today)
    if plan is None:
        return None
    return session.scalar(select(Goal).where(Goal.plan_id == plan.id, Goal.code == code.strip()))


def goal_id(
    session: Session, raw: Any, keep: Goal | None = None, today: date | None = None
) -> int | None:
    """The id of the goal ``raw`` names: a number is a goal's id, anything else a code in
    the current plan (a number no goal has is read as a code: "4" is strategic goal 4
    when no goal has id 4). ``keep`` is the goal a record links to already: given back by its own
    code, it stays, even if it belongs to an older plan (saving a need whose form shows
    "1.3" must not move it to another plan's 1.3). None when nothing matches."""
    text = str(raw).strip()
    if keep is not None and text == keep.code:
        return keep.id
    if text.isdecimal() and int(text) < 2**31 and session.get(Goal, int(text)) is not None:
        return int(text)
    found = goal_by_code(session, text, today)
    return found.id if found is not None else None


def goal_id_of(
    session: Session,
    raw: Any,
    errors: dict[str, str],
    key: str = "goal",
    keep: Goal | None = None,
) -> int | None:
    """A goal named by its number or by its code in the current plan (see ``goal_id``), for
    a form's or a body's field: None when nothing is named, an error under ``key`` when
    nothing matches. ``keep``: the goal the record links to already, kept when named by its code."""
    if raw in (None, ""):
        return None
    found = goal_id(session, raw, keep=keep)
    if found is None:
        errors[key] = "unknown"
    return found
