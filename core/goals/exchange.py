"""New plans, and a plan's goal tree in and out as CSV or XLSX. An import checks every row
first and writes all of them or none; errors name the row and the column. Importing the same
file twice changes nothing: goals are matched on their code."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import tabular
from core.goals.models import Goal, Plan
from core.goals.services import CODE as GOAL_CODE
from core.goals.services import Invalid

COLUMNS = [
    "code", "parent", "kind",
    "title_nl", "title_fr", "title_en",
    "description_nl", "description_fr", "description_en",
]  # fmt: skip
KINDS = ("result", "support")
MAX_ROWS = 1_000  # a plan has tens of goals; a longer file is a mistake, refused at once
PLAN_CODE = re.compile(r"^[a-z0-9_]{2,64}$")


def create_plan(session: Session, values: dict[str, Any]) -> Plan:
    errors: dict[str, str] = {}
    code = (values.get("code") or "").strip()
    if not code:
        errors["code"] = "required"
    elif not PLAN_CODE.match(code):
        errors["code"] = "code"
    elif session.scalar(select(Plan.id).where(Plan.code == code)) is not None:
        errors["code"] = "duplicate"
    years = {}
    for key in ("start_year", "end_year"):
        try:
            years[key] = int(values.get(key) or "")
            if not 2000 <= years[key] <= 2100:
                raise ValueError
        except ValueError:
            errors[key] = "year"
    if not errors.keys() & {"start_year", "end_year"} and years["end_year"] < years["start_year"]:
        errors["end_year"] = "before_start"
    titles = {
        f"title_{lang}": (values.get(f"title_{lang}") or "").strip() or None
        for lang in ("nl", "fr", "en")
    }
    for lang in ("nl", "fr"):
        if not titles[f"title_{lang}"]:
            errors[f"title_{lang}"] = "required"
    if errors:
        raise Invalid(errors)
    plan = Plan(code=code, **years, **titles)
    session.add(plan)
    session.flush()
    return plan


def read_rows(filename: str, data: bytes) -> list[dict[str, str]]:
    """Rows as dicts of text, from CSV (UTF-8, comma or semicolon) or XLSX, read one at a
    time and refused at the row after MAX_ROWS. Raises Invalid {"file": code}."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    try:
        rows = tabular.take(
            tabular.rows_of(data, "xlsx" if suffix == "xlsx" else "csv", MAX_ROWS), MAX_ROWS
        )
    except tabular.Unreadable as refused:
        raise Invalid({"file": refused.code}) from None
    found = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        if tabular.BEYOND_COLUMNS in row:
            raise Invalid({f"row {number}: columns": "beyond_columns"})
        found.append({str(k): "" if v is None else str(v).strip() for k, v in row.items()})
    return found


def import_goals(session: Session, plan: Plan, rows: list[dict[str, str]]) -> dict[str, int]:
    """All rows or none. Raises Invalid with keys "row N: column"."""
    errors: dict[str, str] = {}
    if rows and set(COLUMNS[:1] + ["title_nl", "title_fr"]) - set(rows[0]):
        raise Invalid({"row 1: columns": "columns"})
    existing = {g.code: g for g in session.scalars(select(Goal).where(Goal.plan_id == plan.id))}
    by_id = {g.id: g.code for g in existing.values()}
    parents: dict[str, str | None] = {
        code: by_id.get(goal.parent_id) for code, goal in existing.items()
    }
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        where = f"row {number}"
        code = row.get("code", "")
        if not code:
            errors[f"{where}: code"] = "required"
            continue
        if not GOAL_CODE.match(code):
            errors[f"{where}: code"] = "goal_code"
        if code in seen:
            errors[f"{where}: code"] = "duplicate"
        seen.add(code)
        parents[code] = row.get("parent") or None
        for lang in ("nl", "fr"):
            if not row.get(f"title_{lang}"):
                errors[f"{where}: title_{lang}"] = "required"
        if not row.get("parent") and row.get("kind") not in KINDS:
            errors[f"{where}: kind"] = "kind"
    for number, row in enumerate(rows, start=2):
        code, parent = row.get("code", ""), row.get("parent") or None
        if not code or parent is None:
            continue
        if parent not in parents:
            errors[f"row {number}: parent"] = "unknown"
            continue
        chain, current = {code}, parent
        while current is not None:
            if current in chain:
                errors[f"row {number}: parent"] = "cycle"
                break
            chain.add(current)
            current = parents.get(current)
    if errors:
        raise Invalid(errors)
    created = updated = 0
    goals = dict(existing)
    for position, row in enumerate(rows, start=1):
        goal = goals.get(row["code"])
        if goal is None:
            goal = Goal(plan_id=plan.id, code=row["code"], position=position, kind="operational")
            session.add(goal)
            goals[row["code"]] = goal
            created += 1
        else:
            updated += 1
        for key in COLUMNS[3:]:
            setattr(goal, key, row.get(key) or None)
        goal.kind = row.get("kind") if not row.get("parent") else "operational"
    session.flush()
    for row in rows:
        parent = row.get("parent") or None
        goals[row["code"]].parent_id = goals[parent].id if parent else None
    session.flush()
    return {"created": created, "updated": updated}


def export_rows(session: Session, plan: Plan) -> list[list[str]]:
    goals = session.scalars(
        select(Goal).where(Goal.plan_id == plan.id).order_by(Goal.position, Goal.id)
    ).all()
    codes = {g.id: g.code for g in goals}
    return [COLUMNS] + [
        [
            g.code,
            codes.get(g.parent_id, ""),
            g.kind if g.parent_id is None else "",
            *[getattr(g, key) or "" for key in COLUMNS[3:]],
        ]
        for g in goals
    ]
