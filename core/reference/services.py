"""Loading reference data and the strategic plan, idempotently: keyed by code, updated in
place, never duplicated, so `concerto seed demo` can run any number of times."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import today
from core.goals.models import Goal, Plan
from core.reference.data import PLAN_2014_2019, REFERENCE
from core.reference.models import Authority, Prison, ServiceDomain, TargetGroup
from core.validation import EMAIL, WEB_ADDRESS, Invalid, Stale, text_problem


def _upsert(session: Session, model, key: str, values: dict[str, Any]):
    row = session.get(model, key)
    if row is None:
        row = model(**values)
        session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    return row


def sync_authorities(session: Session, registry) -> list[Authority]:
    """Store the authorities the enabled plugins register. Rows of authorities whose plugin
    is disabled stay, so that their records keep pointing somewhere."""
    rows = []
    for authority in registry.authorities.values():
        rows.append(
            _upsert(
                session,
                Authority,
                authority.code,
                {
                    "code": authority.code,
                    "plugin": authority.plugin,
                    "name_nl": authority.names["nl"],
                    "name_fr": authority.names["fr"],
                    "name_en": authority.names["en"],
                    "default_language": authority.default_language,
                    "languages": authority.languages,
                },
            )
        )
    return rows


def load_reference(session: Session) -> None:
    for position, item in enumerate(REFERENCE["domains"]):
        _upsert(session, ServiceDomain, item["code"], _names(item) | {"position": position})
    for position, item in enumerate(REFERENCE["target_groups"]):
        _upsert(session, TargetGroup, item["code"], _names(item) | {"position": position})
    for item in REFERENCE["prisons"]:
        _upsert(
            session,
            Prison,
            item["code"],
            _names(item)
            | {
                "opened_on": item.get("opened"),
                "closed_on": item.get("closed"),
                "capacity": item.get("capacity"),
                "holds_women": item.get("women", False),
            },
        )


def _names(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": item["code"],
        "name_nl": item["nl"],
        "name_fr": item["fr"],
        "name_en": item["en"],
    }


def load_plan(session: Session, data: dict[str, Any] = PLAN_2014_2019) -> Plan:
    """Create or update a plan and its goals from a plan file's data."""
    plan = session.scalar(select(Plan).where(Plan.code == data["code"]))
    if plan is None:
        plan = Plan(code=data["code"])
        session.add(plan)
    plan.start_year, plan.end_year = data["start_year"], data["end_year"]
    plan.title_nl, plan.title_fr, plan.title_en = data["nl"], data["fr"], data.get("en")
    session.flush()
    existing = {goal.code: goal for goal in plan.goals}
    for position, item in enumerate(data["goals"]):
        goal = existing.get(item["code"])
        if goal is None:
            goal = Goal(plan=plan, code=item["code"])
            session.add(goal)
            existing[goal.code] = goal
        parent_code = item["code"].rpartition(".")[0]
        goal.parent = existing[parent_code] if parent_code else None
        goal.kind = item.get("kind", "operational")
        goal.position = position
        goal.title_nl, goal.title_fr, goal.title_en = item["nl"], item["fr"], item.get("en")
    session.flush()
    return plan


def seed_reference(session: Session, registry) -> None:
    """Everything `seed demo` and `demo` load: authorities, reference data, the 2014 plan."""
    sync_authorities(session, registry)
    load_reference(session)
    load_plan(session)


def prisons_open(
    session: Session,
    year: int | None = None,
    on: date | None = None,
    among: list[Prison] | None = None,
) -> list[Prison]:
    """The prisons open in ``year`` (on at least one of its days) or on the day ``on``;
    today in Brussels when neither is given. Every list of prisons for a time comes from
    here (the coverage matrix and its CSV, the indicators, the authorities' reports, the
    figures and the forms), so a prison closed in 2022 is listed for 2021 and not for 2026
    everywhere at once. In the order the estate grew, as the pages list prisons (``among``:
    every prison in that order, when the caller has read them already)."""
    prisons = (
        among
        if among is not None
        else session.scalars(select(Prison).order_by(Prison.opened_on, Prison.code)).all()
    )
    if year is not None:
        return [prison for prison in prisons if prison.is_open_in(year)]
    day = on or today()
    return [prison for prison in prisons if prison.is_open_on(day)]


# --- the authority's own profile ------------------------------------------------------------

PROFILE_FIELDS = ("website", "contact_email", "description_nl", "description_fr", "description_en")


def profile_values(authority: Authority) -> dict[str, Any]:
    return {name: getattr(authority, name) for name in PROFILE_FIELDS}


def check_profile(values: dict[str, Any]) -> dict[str, str]:
    """Field name to error code for each value that cannot be stored; empty when all can."""
    errors = {}
    unknown = set(values) - set(PROFILE_FIELDS)
    for name in unknown:
        errors[name] = "unknown"
    for name in set(values) & set(PROFILE_FIELDS):
        value = values[name]
        if value is not None and not isinstance(value, str):
            errors[name] = "type"
        elif value and text_problem(value, multiline=name.startswith("description")):
            errors[name] = text_problem(value, multiline=name.startswith("description"))
        elif value and name == "website" and not WEB_ADDRESS.match(value):
            errors[name] = "url"
        elif value and name == "contact_email" and not EMAIL.match(value):
            errors[name] = "email"
        elif value and len(value) > (5000 if name.startswith("description") else 320):
            errors[name] = "length"
    return errors


def update_profile(
    session: Session, authority: Authority, values: dict[str, Any], expected_version: int | str
) -> Authority:
    """Store ``values`` if each can be stored (``Invalid``, by field) and nobody changed the
    profile since ``expected_version`` (``Stale``). Empty text is stored as no value. The
    version check is repeated by the UPDATE itself, so two editors racing past this line
    still cannot both win (the flush's StaleDataError, which the web layer takes as stale)."""
    errors = check_profile(values)
    if errors:
        raise Invalid(errors)
    if str(expected_version).strip() != str(authority.version):
        raise Stale(authority.version)
    for name, value in values.items():
        setattr(authority, name, (value or "").strip() or None)
    session.flush()
    return authority
