"""The workshop reports written after an event, with the goals and needs they link to
(no Flask here). The goal's page asks here for the reports that name it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.goals.lookup import goal_id
from core.goals.models import Goal
from core.inventory.models import Need
from core.studyday.days import refuse_control
from core.studyday.models import (
    Workshop,
    WorkshopReport,
    report_goals,
)
from core.validation import (
    Invalid,
    Stale,
)

# --- afterwards ------------------------------------------------------------------------------


def save_report(
    session: Session, workshop: Workshop, values: dict[str, Any], version: Any = None
) -> WorkshopReport:
    """A workshop's report in Dutch and French with the needs and goals it links to.
    ``version`` is the one the writer read: a report saved since is never overwritten."""
    errors: dict[str, str] = {}
    texts = {
        f"text_{lang}": (str(values.get(f"text_{lang}") or "").strip() or None)
        for lang in ("nl", "fr")
    }
    if not any(texts.values()):
        errors["text_nl"] = "one_text"
    refuse_control(values, errors, multi=list(texts))

    def entries(raw: Any) -> list:
        if isinstance(raw, str | int):
            raw = str(raw).replace(",", " ").split()
        return list(raw) if isinstance(raw, list | tuple) else []

    # Goals by number or by code in the current plan, as everywhere (core.goals.lookup).
    goal_ids = [goal_id(session, entry) for entry in entries(values.get("goals"))]
    if None in goal_ids:
        errors["goals"] = "unknown"
        goal_ids = [found for found in goal_ids if found is not None]
    try:
        need_ids = [int(i) for i in entries(values.get("needs"))]
    except (TypeError, ValueError):
        need_ids = None
    # Not numbers, or numbers no id column holds (a crafted form): none of them is a need.
    if need_ids is None or not all(0 < i < 2**31 for i in need_ids):
        errors["needs"] = "unknown"
        need_ids = []
    goals = list(session.scalars(select(Goal).where(Goal.id.in_(goal_ids)))) if goal_ids else []
    needs = list(session.scalars(select(Need).where(Need.id.in_(need_ids)))) if need_ids else []
    if len(goals) != len(set(goal_ids)):
        errors["goals"] = "unknown"
    if len(needs) != len(set(need_ids)):
        errors["needs"] = "unknown"
    if errors:
        raise Invalid(errors)
    report = workshop.report
    if report is None:
        report = WorkshopReport(workshop_id=workshop.id)
        session.add(report)
        workshop.report = report
    elif version not in (None, "") and str(report.version) != str(version):
        raise Stale(report.version)
    for key, value in texts.items():
        setattr(report, key, value)
    report.goals, report.needs = goals, needs
    session.flush()
    return report


def reports_for_goal(session: Session, goal_id: int) -> list[WorkshopReport]:
    return list(
        session.scalars(
            select(WorkshopReport)
            .join(report_goals, report_goals.c.report_id == WorkshopReport.id)
            .where(report_goals.c.goal_id == goal_id)
            .options(selectinload(WorkshopReport.workshop))
        )
    )
