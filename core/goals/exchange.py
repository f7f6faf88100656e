"""New plans, and a plan's goals and steps in and out as CSV or XLSX. An import checks every
row first and writes all of them or none; errors name the row and the column. Importing the
same file twice changes nothing: goals are matched on their code, steps on their number under
their goal.

One file carries a whole plan, so that an authority can ship its own plan as data (hook
``shipped_data``, loaded by ``load_shipped_plan``):
- a row of kind ``plan`` names the plan: its code, title and years (in ``term``: 2015-2020);
- a goal row has a ``code``: kind ``result`` or ``support`` for a strategic goal, none with a
  ``parent`` for an operational goal under it, ``goal`` for a numbered goal of a flat plan,
  ``option`` for a strategic option that frames the plan (codes O1, O2, ...);
- a step row has the goal's ``code`` and a ``step`` number (1, then 1.1 under it), with
  ``lead`` (an authority's code or who leads in words), ``involved`` (separated by ";"),
  ``term`` as the plan writes it and the ``milestone`` that shows it is done.
A title or text in one language is enough: an authority's plan is in its own language."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import tabular
from core.goals import services as plans
from core.goals.models import Goal, Plan, PlanAction
from core.goals.services import CODE as GOAL_CODE
from core.goals.services import Invalid
from core.reference.models import Authority, Prison
from core.validation import text_problem

COLUMNS = [
    "code", "parent", "kind",
    "title_nl", "title_fr", "title_en",
    "description_nl", "description_fr", "description_en",
    "step", "lead", "involved", "term", "milestone_nl", "milestone_fr",
]  # fmt: skip
GOAL_TEXTS = COLUMNS[3:9]
STEP_COLUMNS = COLUMNS[9:]
KINDS = ("result", "support", "goal", "option")
MAX_ROWS = 1_000  # a plan has tens of goals and some hundreds of steps; more is a mistake
PLAN_CODE = re.compile(r"^[a-z0-9_]{2,64}$")
OPTION_CODE = re.compile(r"^O\d{1,2}$")
STEP_NUMBER = re.compile(r"^\d{1,2}(\.\d{1,2}){0,2}$")
YEARS = re.compile(r"^(\d{4})\s*-\s*(\d{4})$")
# The statuses a step starts in when a file brings it (the configured ones are a superset).
STATUSES = {"planned": 0, "started": 20, "ongoing": 50, "done": 100, "postponed": 0, "stopped": 0}


def _titles(values: dict[str, Any], errors: dict[str, str], where: str = "") -> dict:
    """The title in each language, one of Dutch and French at least (an authority writes its
    own plan in its own language; nothing is translated for it)."""
    titles = {
        f"title_{lang}": (values.get(f"title_{lang}") or "").strip() or None
        for lang in ("nl", "fr", "en")
    }
    if not titles["title_nl"] and not titles["title_fr"]:
        errors[f"{where}title_nl"] = "one_title"
    for key, text in titles.items():
        if text and text_problem(text):
            errors[f"{where}{key}"] = text_problem(text)
    return titles


def create_plan(session: Session, values: dict[str, Any], owner: str | None = None) -> Plan:
    """A new plan of ``owner`` (an authority's code; None: the committee), for one of its
    prisons when ``prison`` is given (a local action plan)."""
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
    titles = _titles(values, errors)
    if owner is not None and session.get(Authority, owner) is None:
        errors["owner"] = "unknown"
    prison = (values.get("prison") or "").strip() or None
    if prison is not None and (owner is None or session.get(Prison, prison[:32]) is None):
        errors["prison"] = "unknown"
    if errors:
        raise Invalid(errors)
    plan = Plan(code=code, **years, **titles, authority_code=owner, prison_code=prison)
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


def _goal_row_errors(row: dict[str, str], where: str, errors: dict[str, str], plan: Plan) -> None:
    code, kind = row.get("code", ""), row.get("kind", "")
    pattern = OPTION_CODE if kind == "option" else GOAL_CODE
    if not pattern.match(code):
        errors[f"{where}: code"] = "option_code" if kind == "option" else "goal_code"
    _titles(row, errors, f"{where}: ")
    if row.get("parent"):
        if kind:
            errors[f"{where}: kind"] = "kind_with_parent"
    elif kind not in KINDS:
        errors[f"{where}: kind"] = "kind"
    for key in GOAL_TEXTS[3:]:
        text = row.get(key) or ""
        if text and text_problem(text, multiline=True):
            errors[f"{where}: {key}"] = text_problem(text, multiline=True)


def _plan_row_errors(row: dict[str, str], where: str, errors: dict[str, str], plan: Plan) -> None:
    """The plan's own row must name the plan the file goes into."""
    if row.get("code") != plan.code:
        errors[f"{where}: code"] = "other_plan"


def import_goals(
    session: Session,
    plan: Plan,
    rows: list[dict[str, str]],
    statuses: dict[str, int] | None = None,
) -> dict[str, int]:
    """All rows or none: the plan's goals, and the steps under them when the file has a
    ``step`` column. Raises Invalid with keys "row N: column"."""
    statuses = statuses or STATUSES
    return _write(session, plan, _check(session, plan, rows, statuses), statuses)


def _check(
    session: Session, plan: Plan, rows: list[dict[str, str]], statuses: dict[str, int]
) -> tuple[list, list]:
    """Every row checked, nothing written: the goal rows and the cleaned steps."""
    errors: dict[str, str] = {}
    if rows and {"code"} - set(rows[0]) or rows and not {"title_nl", "title_fr"} & set(rows[0]):
        raise Invalid({"row 1: columns": "columns"})
    existing = {g.code: g for g in session.scalars(select(Goal).where(Goal.plan_id == plan.id))}
    by_id = {g.id: g.code for g in existing.values()}
    parents: dict[str, str | None] = {
        code: by_id.get(goal.parent_id) for code, goal in existing.items()
    }
    kinds: dict[str, str] = {code: goal.kind for code, goal in existing.items()}
    goal_rows: list[tuple[int, dict[str, str]]] = []
    step_rows: list[tuple[int, dict[str, str]]] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        where = f"row {number}"
        code = row.get("code", "")
        if not code:
            errors[f"{where}: code"] = "required"
            continue
        if row.get("kind") == "plan":
            _plan_row_errors(row, where, errors, plan)
            continue
        if row.get("step"):
            step_rows.append((number, row))
            continue
        _goal_row_errors(row, where, errors, plan)
        if code in seen:
            errors[f"{where}: code"] = "duplicate"
        seen.add(code)
        goal_rows.append((number, row))
        parents[code] = row.get("parent") or None
        kinds[code] = row.get("kind") or "operational"
    for number, row in goal_rows:
        code, parent = row.get("code", ""), row.get("parent") or None
        if parent is None:
            continue
        if parent not in parents:
            errors[f"row {number}: parent"] = "unknown"
            continue
        if kinds.get(parent) not in ("result", "support"):
            # Goals of a flat plan and options stand alone; operational goals are one level.
            errors[f"row {number}: parent"] = "parent_kind"
            continue
        chain, current = {code}, parent
        while current is not None:
            if current in chain:
                errors[f"row {number}: parent"] = "cycle"
                break
            chain.add(current)
            current = parents.get(current)
    steps = _check_steps(session, plan, step_rows, kinds, statuses, errors)
    if errors:
        raise Invalid(errors)
    return goal_rows, steps


def _write(
    session: Session, plan: Plan, checked: tuple[list, list], statuses: dict[str, int]
) -> dict[str, int]:
    goal_rows, steps = checked
    existing = {g.code: g for g in session.scalars(select(Goal).where(Goal.plan_id == plan.id))}
    created = updated = 0
    goals = dict(existing)
    for position, (_number, row) in enumerate(goal_rows, start=1):
        goal = goals.get(row["code"])
        if goal is None:
            goal = Goal(plan_id=plan.id, code=row["code"], position=position, kind="operational")
            session.add(goal)
            goals[row["code"]] = goal
            created += 1
        else:
            updated += 1
        for key in GOAL_TEXTS:
            setattr(goal, key, (row.get(key) or "").strip() or None)
        goal.kind = row.get("kind") if not row.get("parent") else "operational"
    session.flush()
    for _number, row in goal_rows:
        parent = row.get("parent") or None
        goals[row["code"]].parent_id = goals[parent].id if parent else None
    session.flush()
    counts = _write_steps(session, goals, steps, statuses)
    return {"created": created, "updated": updated, **counts}


def _check_steps(
    session: Session,
    plan: Plan,
    step_rows: list[tuple[int, dict[str, str]]],
    kinds: dict[str, str],
    statuses: dict[str, int],
    errors: dict[str, str],
) -> list[tuple[str, str, dict[str, Any]]]:
    """Each step row checked as the step form checks it, under a goal that takes actions;
    a step without its own lead has the lead of the step it is under, or the plan's owner;
    a lead in words is one of the owner's services.
    Returns (goal code, step number, cleaned values) in file order."""
    numbers: set[tuple[str, str]] = set()
    leads: dict[tuple[str, str], dict[str, Any]] = {}
    checked = []
    authorities = set(session.scalars(select(Authority.code)))
    for number, row in step_rows:
        where = f"row {number}"
        code, step = row.get("code", ""), row.get("step", "")
        if code not in kinds:
            errors[f"{where}: code"] = "unknown"
            continue
        if kinds[code] not in ("operational", "goal"):
            errors[f"{where}: code"] = "no_steps"
            continue
        if not STEP_NUMBER.match(step):
            errors[f"{where}: step"] = "step_number"
            continue
        if (code, step) in numbers:
            errors[f"{where}: step"] = "duplicate"
            continue
        above = step.rpartition(".")[0]
        if above and (code, above) not in numbers:
            errors[f"{where}: step"] = "step_parent"
            continue
        numbers.add((code, step))
        lead = (row.get("lead") or "").strip()
        if lead:
            leads[(code, step)] = (
                {"authority": lead, "lead_text": None}
                if lead in authorities
                # a service of the plan's owner (SAW of the Flemish Community): its
                # coordinators keep the step up to date
                else {"authority": plan.authority_code, "lead_text": lead}
            )
        else:
            leads[(code, step)] = leads.get(
                (code, above), {"authority": plan.authority_code, "lead_text": None}
            )
        values = {
            "title_nl": row.get("title_nl") or None,
            "title_fr": row.get("title_fr") or None,
            "title_en": row.get("title_en") or None,
            "involved": row.get("involved") or "",
            "term": row.get("term") or "",
            "milestone_nl": row.get("milestone_nl") or "",
            "milestone_fr": row.get("milestone_fr") or "",
            "status": "planned",
            **leads[(code, step)],
        }
        # The step form's checks; a goal still to be made is stood in for by its plan.
        under = SimpleNamespace(plan=plan, id=None)
        try:
            cleaned = plans.check_action(session, under, values, statuses)
        except Invalid as invalid:
            for key, problem in invalid.errors.items():
                column = {"authority": "lead", "lead_text": "lead"}.get(key, key)
                errors[f"{where}: {column}"] = problem
            continue
        cleaned.pop("parent_id", None)
        checked.append((code, step, cleaned))
    return checked


def _write_steps(
    session: Session,
    goals: dict[str, Goal],
    steps: list[tuple[str, str, dict[str, Any]]],
    statuses: dict[str, int],
) -> dict[str, int]:
    """Steps matched on their goal and number ("1.2": the second step under the first);
    a step that is there gets the file's text, lead, term and milestone, and keeps how far
    it is (its status and progress are kept up to date on the platform)."""
    created = updated = 0
    made: dict[tuple[str, str], PlanAction] = {}
    for code, step, cleaned in steps:
        goal = goals[code]
        above, _dot, last = step.rpartition(".")
        parent = made.get((code, above)) if above else None
        position = int(last)
        found = session.scalar(
            select(PlanAction).where(
                PlanAction.goal_id == goal.id,
                PlanAction.parent_id.is_(None)
                if parent is None
                else PlanAction.parent_id == parent.id,
                PlanAction.position == position,
            )
        )
        if found is None:
            found = PlanAction(
                goal_id=goal.id,
                parent_id=parent.id if parent else None,
                position=position,
                **{"progress": statuses.get(cleaned["status"], 0), **cleaned},
            )
            session.add(found)
            created += 1
        else:
            for key, value in cleaned.items():
                if key not in ("status", "progress", "weight"):
                    setattr(found, key, value)
            updated += 1
        session.flush()
        made[(code, step)] = found
    return {"steps_created": created, "steps_updated": updated}


def plan_row(rows: list[dict[str, str]]) -> dict[str, str] | None:
    return next((row for row in rows if row.get("kind") == "plan"), None)


def load_shipped_plan(session: Session, authority: str, path: Path) -> str:
    """The plan an authority ships (hook ``shipped_data``): made with its goals and steps
    when no plan has its code; left as it is when one has (what its coordinators changed
    since is kept). All or nothing: a bad file raises Invalid naming the row and writes
    nothing."""
    rows = read_rows(path.name, path.read_bytes())
    head = plan_row(rows)
    if head is None:
        raise Invalid({"row 2: kind": "no_plan_row"})
    number = rows.index(head) + 2
    code = head.get("code", "")
    if session.scalar(select(Plan.id).where(Plan.code == code)) is not None:
        return f"plan {code}: already there"
    years = YEARS.match(head.get("term") or "")
    if years is None:
        raise Invalid({f"row {number}: term": "plan_years"})
    values = {
        "code": code,
        "start_year": years.group(1),
        "end_year": years.group(2),
        **{key: head.get(key) for key in ("title_nl", "title_fr", "title_en")},
        # A local action plan names its prison in an extra column of the plan's row.
        "prison": head.get("prison"),
    }
    # The rows are checked against the plan to be before anything is written.
    to_be = Plan(
        code=code,
        start_year=int(years.group(1)),
        end_year=int(years.group(2)),
        authority_code=authority,
    )
    checked = _check(session, to_be, rows, STATUSES)
    try:
        plan = create_plan(session, values, owner=authority)
    except Invalid as invalid:
        raise Invalid({f"row {number}: {k}": v for k, v in invalid.errors.items()}) from None
    counts = _write(session, plan, checked, STATUSES)
    return f"plan {code}: {counts['created']} goals, {counts['steps_created']} steps"


def export_rows(session: Session, plan: Plan) -> list[list[str]]:
    """The plan as one file: its row, its goals, then the steps of each goal numbered as
    the import reads them back."""
    goals = session.scalars(
        select(Goal).where(Goal.plan_id == plan.id).order_by(Goal.position, Goal.id)
    ).all()
    codes = {g.id: g.code for g in goals}
    head = dict.fromkeys(COLUMNS, "")
    head.update(
        code=plan.code,
        kind="plan",
        term=f"{plan.start_year}-{plan.end_year}",
        **{f"title_{lang}": getattr(plan, f"title_{lang}") or "" for lang in ("nl", "fr", "en")},
    )
    rows = [COLUMNS, list(head.values())]
    for g in goals:
        rows.append(
            [
                g.code,
                codes.get(g.parent_id, ""),
                g.kind if g.parent_id is None else "",
                *[getattr(g, key) or "" for key in GOAL_TEXTS],
                *[""] * len(STEP_COLUMNS),
            ]
        )
    actions = plans.plan_actions(session, plan)
    by_parent: dict[int | None, list[PlanAction]] = {}
    for action in actions:
        by_parent.setdefault(action.parent_id, []).append(action)
    for g in goals:

        def walk(parent_id: int | None, prefix: str, goal: Goal = g) -> None:
            siblings = [a for a in by_parent.get(parent_id, []) if a.goal_id == goal.id]
            for action in sorted(siblings, key=lambda a: a.position):
                number = f"{prefix}{action.position}"
                rows.append(
                    [
                        goal.code,
                        "",
                        "",
                        action.title_nl or "",
                        action.title_fr or "",
                        action.title_en or "",
                        "",
                        "",
                        "",
                        number,
                        action.authority_code or action.lead_text or "",
                        "; ".join(action.involved or []),
                        action.term_text or "",
                        action.milestone_nl or "",
                        action.milestone_fr or "",
                    ]  # fmt: skip
                )
                if len(number.split(".")) < 3:
                    walk(action.id, f"{number}.", goal)

        walk(None, "")
    return rows
