"""The logic of the strategic plan's actions, shared by pages, API and jobs (no Flask here):
checking and saving actions, their progress rolled up the goal tree by weight, what is
overdue, the dashboard's figures, and everything else on the platform linked to a goal."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from core.goals import terms
from core.goals.lookup import goal_id_of  # noqa: F401 - the name services' callers know
from core.goals.models import Goal, GoalLink, Plan, PlanAction
from core.inventory.models import Need
from core.meetings.models import ActionItem, AgendaItem, Decision, Minutes
from core.partners.services import with_partners
from core.reference.models import Authority
from core.validation import Invalid, Stale, text_problem

LANGUAGES = ("nl", "fr", "en")
CODE = re.compile(r"^\d{1,2}(\.\d{1,2}){0,2}$")  # 4, 4.3, 4.3.1
DONE = 100


def _whole(value: Any, low: int, high: int) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: infinity
        return None
    return number if low <= number <= high else None


def check_action(
    session: Session,
    goal: Goal,
    values: dict[str, Any],
    statuses: dict[str, int],
    *,
    action: PlanAction | None = None,
) -> dict[str, Any]:
    """Clean an action's values; on a new action every field is read, on an existing one
    only those given. Raises Invalid with a code per field."""
    creating = action is None
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for lang in LANGUAGES:
        key = f"title_{lang}"
        if creating or key in values:
            text = values.get(key)
            if text is not None and not isinstance(text, str):
                errors[key] = "type"
            else:
                text = (text or "").strip() or None
                if text and text_problem(text):
                    errors[key] = text_problem(text)
                elif text and len(text) > 2000:
                    errors[key] = "length"
                cleaned[key] = text
    titles = {
        lang: cleaned.get(f"title_{lang}", getattr(action, f"title_{lang}", None))
        for lang in ("nl", "fr")
    }
    if not any(titles.values()) and "title_nl" not in errors:
        errors["title_nl"] = "one_title"
    if creating or "term" in values:
        _check_term(goal, values.get("term"), cleaned, errors)
    if creating or "status" in values:
        status = values.get("status") or next(iter(statuses))
        if status not in statuses:
            errors["status"] = "choice"
        cleaned["status"] = status
    if "progress" in values and values["progress"] not in (None, ""):
        progress = _whole(values["progress"], 0, 100)
        if progress is None:
            errors["progress"] = "percent"
        cleaned["progress"] = progress
    elif "status" in cleaned and cleaned["status"] in statuses:
        # A status change without a figure moves progress to the status's default.
        changed = action is None or action.status != cleaned["status"]
        if changed:
            cleaned["progress"] = statuses[cleaned["status"]]
    if creating or "weight" in values:
        weight = _whole(values.get("weight", 1) or 1, 1, 100)
        if weight is None:
            errors["weight"] = "weight"
        cleaned["weight"] = weight
    if creating or "authority" in values:
        code = values.get("authority") or None
        if code is not None and (not isinstance(code, str) or session.get(Authority, code) is None):
            errors["authority"] = "unknown"
        cleaned["authority_code"] = code
    if creating or "lead_text" in values:
        lead = values.get("lead_text")
        if lead is not None and not isinstance(lead, str):
            errors["lead_text"] = "type"
            lead = None
        lead = (lead or "").strip() or None
        if lead and text_problem(lead):
            errors["lead_text"] = text_problem(lead)
        elif lead and len(lead) > 300:
            errors["lead_text"] = "length"
        cleaned["lead_text"] = lead
    # Someone leads every action: an authority, or a body written out.
    lead = cleaned.get("lead_text", getattr(action, "lead_text", None))
    if "authority_code" in cleaned and not cleaned["authority_code"] and not lead:
        errors["authority"] = "lead"
    if creating or "involved" in values:
        raw = values.get("involved") or []
        if isinstance(raw, str):
            raw = [part for part in raw.replace("\n", ";").split(";")]
        if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
            errors["involved"] = "type"
            raw = []
        cleaned["involved"] = [p.strip()[:200] for p in raw if p.strip()][:30]
        # Outside partners of the register are named "partner:<id>" (core.partners).
        cleaned["involved"] = with_partners(
            session, cleaned["involved"], values.get("involved_partners"), errors
        )
    for lang in ("nl", "fr"):
        key = f"milestone_{lang}"
        if creating or key in values:
            text = values.get(key)
            if text is not None and not isinstance(text, str):
                errors[key] = "type"
                continue
            text = (text or "").strip() or None
            if text and text_problem(text, multiline=True):
                errors[key] = text_problem(text, multiline=True)
            elif text and len(text) > 2000:
                errors[key] = "length"
            cleaned[key] = text
    if creating or "parent_id" in values:
        cleaned["parent_id"] = _parent(session, goal, values.get("parent_id"), action, errors)
    if errors:
        raise Invalid(errors)
    return cleaned


TERM_LENGTH = 300  # the longest cells of seed 002's term column, with their labels


def _check_term(goal: Goal, raw: Any, cleaned: dict[str, Any], errors: dict[str, str]) -> None:
    """The term as typed, what it reads as, and the dates the action runs: an action without
    a term (the plan gives none) or one still to be determined has no dates and is never
    overdue; an ongoing one, or one that runs on from a point, ends with the plan."""
    if raw is not None and not isinstance(raw, str):
        errors["term"] = "type"
        return
    text = (raw or "").strip()
    if not text:
        cleaned.update(term_text="", term={}, starts_on=None, ends_on=None)
        return
    if text_problem(text):
        errors["term"] = text_problem(text)
        return
    if len(text) > TERM_LENGTH:
        errors["term"] = "length"
        return
    try:
        term = terms.parse(text)
    except terms.TermError as refused:
        errors["term"] = "term" if refused.reason == "unknown" else f"term_{refused.reason}"
        return
    start, end = term.start, term.end
    if term.open_ended:
        plan = goal.plan
        start = start or date(plan.start_year, 1, 1)
        end = max(date(plan.end_year, 12, 31), start)
    cleaned.update(term_text=text, term=term.as_dict(), starts_on=start, ends_on=end)


def _parent(session, goal: Goal, raw, action: PlanAction | None, errors) -> int | None:
    if raw in (None, ""):
        return None
    parent = (
        session.get(PlanAction, int(raw)) if str(raw).isdecimal() and int(raw) < 2**31 else None
    )
    if parent is None or parent.goal_id != goal.id:
        errors["parent_id"] = "unknown"
        return None
    # A step under itself, or under one of its own steps, would make a circle.
    seen, current = set(), parent
    while current is not None:
        if action is not None and current.id == action.id or current.id in seen:
            errors["parent_id"] = "cycle"
            return None
        seen.add(current.id)
        current = session.get(PlanAction, current.parent_id) if current.parent_id else None
    return parent.id


def create_action(
    session: Session, goal: Goal, values: dict[str, Any], statuses: dict[str, int]
) -> PlanAction:
    cleaned = check_action(session, goal, values, statuses)
    cleaned.setdefault("progress", statuses[cleaned["status"]])
    same_parent = (
        PlanAction.parent_id.is_(None)
        if cleaned["parent_id"] is None
        else PlanAction.parent_id == cleaned["parent_id"]
    )
    siblings = session.scalars(
        select(PlanAction.position).where(PlanAction.goal_id == goal.id, same_parent)
    ).all()
    action = PlanAction(goal_id=goal.id, position=max(siblings, default=0) + 1, **cleaned)
    session.add(action)
    session.flush()
    return action


def update_action(
    session: Session,
    action: PlanAction,
    values: dict[str, Any],
    statuses: dict[str, int],
    expected_version: int | None,
) -> None:
    # Compared as text: a version that is no whole number ("1,5", "1e400") was never read
    # from us, so it is as stale as an old one, not a reason to fail.
    if expected_version is not None and str(expected_version).strip() != str(action.version):
        raise Stale(action.version)
    cleaned = check_action(session, action.goal, values, statuses, action=action)
    for key, value in cleaned.items():
        setattr(action, key, value)
    session.flush()


def move_goal(session: Session, goal: Goal, parent_id: int | None) -> None:
    """Put a goal under another of the same plan; a goal under its own descendant is a
    circle and refused."""
    if parent_id is None:
        goal.parent_id = None
        return
    parent = session.get(Goal, parent_id) if 0 < parent_id < 2**31 else None
    if parent is None or parent.plan_id != goal.plan_id:
        raise Invalid({"parent_id": "unknown"})
    current = parent
    while current is not None:
        if current.id == goal.id:
            raise Invalid({"parent_id": "cycle"})
        current = current.parent
    goal.parent_id = parent.id
    goal.kind = "operational"


# --- progress ------------------------------------------------------------------------------


@dataclass
class Progress:
    """Progress of every action and goal of a plan, weighted up the tree."""

    actions: dict[int, float] = field(default_factory=dict)
    goals: dict[int, float | None] = field(default_factory=dict)
    weights: dict[int, int] = field(default_factory=dict)  # a goal's weight: its actions'


def plan_actions(session: Session, plan: Plan) -> list[PlanAction]:
    return list(
        session.scalars(
            select(PlanAction)
            .join(Goal, PlanAction.goal_id == Goal.id)
            .where(Goal.plan_id == plan.id)
            .order_by(PlanAction.goal_id, PlanAction.position, PlanAction.id)
        )
    )


def progress_of(plan: Plan, actions: list[PlanAction]) -> Progress:
    result = Progress()
    children: dict[int | None, list[PlanAction]] = defaultdict(list)
    for action in actions:
        children[action.parent_id].append(action)

    def of_action(action: PlanAction) -> float:
        if action.id in result.actions:
            return result.actions[action.id]
        steps = children.get(action.id, [])
        if steps:
            total = sum(step.weight for step in steps)
            value = sum(of_action(step) * step.weight for step in steps) / total
        else:
            value = float(action.progress)
        result.actions[action.id] = value
        return value

    top_by_goal: dict[int, list[PlanAction]] = defaultdict(list)
    for action in children[None]:
        top_by_goal[action.goal_id].append(action)

    def of_goal(goal: Goal) -> float | None:
        parts = [(of_action(a), a.weight) for a in top_by_goal.get(goal.id, [])]
        for child in goal.children:
            value = of_goal(child)
            if value is not None:
                parts.append((value, result.weights[child.id]))
        weight = sum(w for _v, w in parts)
        result.weights[goal.id] = weight
        value = sum(v * w for v, w in parts) / weight if weight else None
        result.goals[goal.id] = value
        return value

    for goal in plan.strategic_goals():
        of_goal(goal)
    return result


def overdue(action: PlanAction, today: date, progress: float | None = None) -> bool:
    done = (progress if progress is not None else action.progress) >= DONE
    return action.ends_on is not None and action.ends_on < today and not done


def dashboard(session: Session, plan: Plan, today: date) -> dict[str, Any]:
    actions = plan_actions(session, plan)
    progress = progress_of(plan, actions)
    # Overdue is judged on the steps that do the work, not on the actions made of steps.
    parents = {a.parent_id for a in actions}
    late = [
        a for a in actions if a.id not in parents and overdue(a, today, progress.actions.get(a.id))
    ]
    by_authority: dict[str, dict[str, Any]] = {}
    for action in actions:
        if action.parent_id is not None:
            continue
        key = action.authority_code or ""
        row = by_authority.setdefault(
            key, {"authority": key, "actions": 0, "sum": 0.0, "overdue": 0}
        )
        row["actions"] += 1
        row["sum"] += progress.actions[action.id]
        row["overdue"] += overdue(action, today, progress.actions[action.id])
    for row in by_authority.values():
        row["progress"] = row.pop("sum") / row["actions"]
    return {
        "goals": [
            {
                "goal": goal,
                "progress": progress.goals.get(goal.id),
                "actions": sum(
                    1 for a in actions if a.goal_id in {goal.id, *(c.id for c in goal.children)}
                ),
            }
            for goal in plan.strategic_goals()
        ],
        "overdue": sorted(late, key=lambda a: a.ends_on),
        "authorities": sorted(by_authority.values(), key=lambda r: r["authority"]),
        "progress": progress,
    }


def links_of(session: Session, goal: Goal) -> dict[str, list]:
    """What else on the platform points at this goal: meeting decisions and action items,
    agenda items and signalled needs; a decision or a need by its goal or by one of its
    links. (The study day's workshop reports that name the goal are the study day's own
    query, ``core.studyday.reports.reports_for_goal``, which the goal's page and API add.)"""

    def linking(statement) -> list[int]:
        # Links are a small JSON list per record (core.links); read only the id and the
        # list to look in them.
        return [
            ident
            for ident, links in session.execute(statement)
            if any(link.get("kind") == "goal" and link.get("id") == goal.id for link in links or [])
        ]

    approved = Minutes.state == "approved"
    linked_decisions = linking(
        select(Decision.id, Decision.links)
        .join(Minutes, Decision.minutes_id == Minutes.id)
        .where(approved)
    )
    decisions = session.scalars(
        select(Decision)
        .join(Minutes, Decision.minutes_id == Minutes.id)
        .where(or_(Decision.goal_id == goal.id, Decision.id.in_(linked_decisions)), approved)
        .options(selectinload(Decision.minutes).selectinload(Minutes.meeting))
        .order_by(Decision.id)
    ).all()
    linked_ids = linking(select(AgendaItem.id, AgendaItem.links))
    agenda = (
        list(
            session.scalars(
                select(AgendaItem)
                .where(AgendaItem.id.in_(linked_ids))
                .options(selectinload(AgendaItem.meeting))  # the page names each one's day
            )
        )
        if linked_ids
        else []
    )
    linked_needs = linking(select(Need.id, Need.links))
    return {
        "decisions": list(decisions),
        "action_items": list(
            session.scalars(select(ActionItem).where(ActionItem.goal_id == goal.id))
        ),
        "agenda_items": agenda,
        "needs": list(
            session.scalars(
                select(Need)
                .where(or_(Need.goal_id == goal.id, Need.id.in_(linked_needs)))
                .order_by(Need.id)
            )
        ),
    }


# --- goals of one plan contributing to goals of another (issue 24) -----------------------------


def link_goals(session: Session, goal: Goal, target_id: Any, note: Any) -> GoalLink:
    """Say that ``goal`` contributes to the goal ``target_id`` of another plan. Raises
    Invalid on "target" (unknown, same plan, already linked) or "note"."""
    errors: dict[str, str] = {}
    target = None
    if (
        isinstance(target_id, int)
        and not isinstance(target_id, bool)
        or (isinstance(target_id, str) and target_id.isdecimal())
    ):
        number = int(target_id)
        target = session.get(Goal, number) if 0 < number < 2**31 else None
    if target is None:
        errors["target"] = "unknown"
    elif target.plan_id == goal.plan_id:
        errors["target"] = "same_plan"
    elif session.scalar(
        select(GoalLink.id).where(GoalLink.goal_id == goal.id, GoalLink.target_id == target.id)
    ):
        errors["target"] = "linked"
    if note is not None and not isinstance(note, str):
        errors["note"] = "type"
        note = None
    note = (note or "").strip() or None
    if note and text_problem(note, multiline=True):
        errors["note"] = text_problem(note, multiline=True)
    elif note and len(note) > 2000:
        errors["note"] = "length"
    if errors:
        raise Invalid(errors)
    link = GoalLink(goal_id=goal.id, target_id=target.id, note=note)
    session.add(link)
    session.flush()
    return link


def goal_links_of(session: Session, goal: Goal) -> dict[str, list[GoalLink]]:
    """The goals this goal contributes to, and those contributing to it, with their plans."""
    options = (
        selectinload(GoalLink.goal).selectinload(Goal.plan),
        selectinload(GoalLink.target).selectinload(Goal.plan),
    )
    return {
        "contributes_to": list(
            session.scalars(
                select(GoalLink)
                .where(GoalLink.goal_id == goal.id)
                .options(*options)
                .order_by(GoalLink.id)
            )
        ),
        "contributed_by": list(
            session.scalars(
                select(GoalLink)
                .where(GoalLink.target_id == goal.id)
                .options(*options)
                .order_by(GoalLink.id)
            )
        ),
    }


def plan_goal_links(session: Session, plan: Plan) -> list[GoalLink]:
    """Every link from or to a goal of ``plan``, for its dashboard."""
    ids = select(Goal.id).where(Goal.plan_id == plan.id)
    return list(
        session.scalars(
            select(GoalLink)
            .where(or_(GoalLink.goal_id.in_(ids), GoalLink.target_id.in_(ids)))
            .options(
                selectinload(GoalLink.goal).selectinload(Goal.plan),
                selectinload(GoalLink.target).selectinload(Goal.plan),
            )
            .order_by(GoalLink.id)
        )
    )


def link_targets(session: Session, goal: Goal) -> list[Goal]:
    """The goals of the other plans, that ``goal`` may contribute to."""
    return list(
        session.scalars(
            select(Goal)
            .join(Plan, Goal.plan_id == Plan.id)
            .where(Goal.plan_id != goal.plan_id, Goal.kind != "option")
            .options(selectinload(Goal.plan))
            .order_by(Plan.start_year.desc(), Plan.code, Goal.position, Goal.id)
        )
    )
