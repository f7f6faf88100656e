"""The register of signalled unmet needs (operational goals 5.1 and 5.2)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.clock import utcnow
from core.events import services as events
from core.goals.lookup import goal_id_of
from core.inventory.models import LANGUAGE_CODES, NEED_STATES, Need, Service
from core.inventory.services import Reference
from core.links import services as links
from core.permissions import Principal
from core.reference.models import ServiceDomain
from core.validation import Invalid, text_problem

FIELDS = (
    "prison",
    "domain",
    "target_group",
    "language",
    "description_nl",
    "description_fr",
    "description_en",
    "status",
    "services",
    "goal",
    "links",
)


def check(
    session: Session,
    values: dict[str, Any],
    reference: Reference,
    need: Need | None = None,
    principal: Principal | None = None,
) -> dict[str, Any]:
    """The need's fields checked. With a ``principal``, a service that answers the need and
    a link must be records the person may read (core.links), unless the need had them."""
    errors: dict[str, str] = {key: "unknown" for key in values if key not in FIELDS}
    cleaned: dict[str, Any] = {}
    domains = set(session.scalars(select(ServiceDomain.code)))
    for key, known, required in (
        ("prison", reference.prisons, True),
        ("domain", domains, True),
        ("target_group", reference.target_groups, False),
        ("language", set(LANGUAGE_CODES), False),
        ("status", set(NEED_STATES), False),
    ):
        if key not in values:
            continue
        value = values[key] or None
        if value is None and required:
            errors[key] = "required"
        elif value is not None and (not isinstance(value, str) or value not in known):
            errors[key] = "unknown"
        else:
            cleaned[key] = value
    # A need is about today: a prison closed since cannot have one, unless it already did.
    if cleaned.get("prison") in reference.closed and (
        need is None or cleaned["prison"] != need.prison_code
    ):
        errors["prison"] = "closed"
        del cleaned["prison"]
    for lang in ("nl", "fr", "en"):
        key = f"description_{lang}"
        if key in values:
            value = values[key]
            if value is not None and not isinstance(value, str):
                errors[key] = "type"
            elif value and text_problem(value, multiline=True):
                errors[key] = "control"
            elif value and len(value) > 5000:
                errors[key] = "length"
            else:
                cleaned[key] = (value or "").strip() or None
    if "services" in values:
        ids = values["services"]
        if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids
        ):
            errors["services"] = "type"
        elif not all(0 < i < 2**31 for i in ids):  # beyond any id column: not a service
            errors["services"] = "unknown"
        else:
            found = session.scalars(select(Service).where(Service.id.in_(ids))).all()
            if len(found) != len(set(ids)):
                errors["services"] = "unknown"
            had = {service.id for service in need.services} if need is not None else set()
            if principal is not None and any(
                s.id not in had and not links.readable(principal, "service", s) for s in found
            ):
                errors["services"] = "link_unreadable"
            cleaned["services"] = found
    if "goal" in values:
        # The form shows the linked goal's code: given back, the link stays as it is.
        keep = need.goal if need is not None else None
        cleaned["goal_id"] = goal_id_of(session, values["goal"], errors, keep=keep)
    if "links" in values:
        cleaned["links"] = links.parse(
            session,
            principal or _SYSTEM,
            values["links"],
            errors,
            keep=need.links if need is not None else (),
        )
    if errors:
        raise Invalid(errors)
    return cleaned


_SYSTEM = Principal(channel="job", label="needs")


def _apply(need: Need, cleaned: dict[str, Any]) -> None:
    renamed = {"prison": "prison_code", "domain": "domain_code"}
    for key, value in cleaned.items():
        setattr(need, renamed.get(key, key), value)


def signal(session: Session, values: dict[str, Any], principal: Principal) -> Need:
    # Every problem at once: the missing fields as well as the wrong ones.
    errors = {key: "required" for key in ("prison", "domain") if not values.get(key)}
    texts = [values.get(f"description_{lang}") for lang in ("nl", "fr", "en")]
    if not any(isinstance(text, str) and text.strip() for text in texts):
        errors["description_nl"] = "required"
    try:
        cleaned = check(session, values, Reference.load(session), principal=principal)
    except Invalid as invalid:
        raise Invalid({**errors, **invalid.errors}) from None
    if errors:
        raise Invalid(errors)
    need = Need(
        status="open",
        authority_code=principal.authority,
        signalled_by=principal.label[:200],
        user_id=principal.user_id,
    )
    _apply(need, cleaned)
    session.add(need)
    session.flush()
    return need


def update(
    session: Session, need: Need, values: dict[str, Any], principal: Principal | None = None
) -> Need:
    was = need.status
    _apply(need, check(session, values, Reference.load(session), need, principal))
    need.updated_at = utcnow()
    session.flush()
    if need.status == "answered" and was != "answered":
        events.record(
            session,
            "need_answered",
            record_kind="need",
            record_id=need.id,
            authority=need.authority_code,
            actor=principal,
        )
    return need


def listing(session: Session, filters: dict[str, str]):
    statement = select(Need).options(selectinload(Need.services)).order_by(Need.id.desc())
    columns = {"prison": Need.prison_code, "domain": Need.domain_code, "status": Need.status}
    for key, column in columns.items():
        if filters.get(key):
            statement = statement.where(column == filters[key])
    return statement
