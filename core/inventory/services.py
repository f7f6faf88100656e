"""The inventory's logic: validation, the review workflow, versions, search and facets,
coverage, snapshots. Pages, API, CLI and jobs all call these functions.

Values come in as plain dicts (from a form, a JSON body or an import row) and are checked
field by field; an error names the field and a code the caller turns into words in the
reader's language.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.events import services as events
from core.inventory import schedules, search, verification
from core.inventory.changes import diff

# Finding services and the inventory seen whole live beside this module; their functions stay
# reachable from here, the inventory's one entry point for pages, API, CLI and plugins.
from core.inventory.coverage import Coverage as Coverage
from core.inventory.coverage import compare as compare
from core.inventory.coverage import coverage as coverage
from core.inventory.coverage import coverage_of_year as coverage_of_year
from core.inventory.coverage import freeze as freeze
from core.inventory.finding import FACETS as FACETS
from core.inventory.finding import SORTS as SORTS
from core.inventory.finding import Filters as Filters
from core.inventory.finding import facet_counts as facet_counts
from core.inventory.finding import find as find
from core.inventory.models import (
    ACCESS,
    DELIVERY,
    LANGUAGE_CODES,
    SETTINGS,
    Organization,
    Service,
    ServiceLocation,
    ServiceVersion,
)
from core.permissions import Principal
from core.reference.models import Prison, TargetGroup
from core.reference.services import prisons_open
from core.validation import EMAIL, Invalid, Refused, Stale, clean_text

LANGS = ("nl", "fr", "en")
TEXT_FIELDS = [
    f"{field}_{lang}"
    for field in ("name", "description", "application_process", "eligibility")
    for lang in LANGS
]
CHOICES = {"delivery": DELIVERY, "setting": SETTINGS, "access": ACCESS}
FLAGS = ("free_of_charge", "waiting_list", "active")
NUMBERS = ("capacity", "typical_wait_days")
CONTACT = ("contact_name", "contact_email", "contact_phone")
LISTS = ("target_groups", "languages")
# Places in one prison: at most as many as the prison holds people, or this where its
# capacity is not known (100,000 places in one prison is a typing error).
MOST_PLACES = 1000
# Every field a person may set, in the order forms and exports show them.
FIELDS = (
    "external_id",
    "category",
    *TEXT_FIELDS,
    *LISTS,
    *CHOICES,
    *FLAGS,
    *NUMBERS,
    *CONTACT,
    "locations",
    "extra",
    "organization_id",
)


@dataclass
class Reference:
    """The codes values are checked against, read once per request or import."""

    prisons: set[str]
    target_groups: set[str]
    organizations: dict[str, set[int]] = dataclasses.field(default_factory=dict)  # by authority
    # The same by their own identifiers, by authority: an import names an organisation so.
    organization_keys: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    capacities: dict[str, int] = dataclasses.field(default_factory=dict)  # prisons, if known
    # Prisons closed today: a service may keep one it already lists, not add one.
    closed: set[str] = dataclasses.field(default_factory=set)

    @classmethod
    def load(cls, session: Session) -> Reference:
        organizations: dict[str, set[int]] = defaultdict(set)
        keys: dict[str, dict[str, int]] = defaultdict(dict)
        for authority, organization, key in session.execute(
            select(Organization.authority_code, Organization.id, Organization.external_id)
        ):
            organizations[authority].add(organization)
            keys[authority][key] = organization
        prisons = dict(session.execute(select(Prison.code, Prison.capacity)).all())
        return cls(
            prisons=set(prisons),
            target_groups=set(session.scalars(select(TargetGroup.code))),
            organizations=dict(organizations),
            organization_keys=dict(keys),
            capacities={code: capacity for code, capacity in prisons.items() if capacity},
            closed=set(prisons) - {prison.code for prison in prisons_open(session)},
        )


# --- validation ---------------------------------------------------------------------------


def _text(value: Any, limit: int, multiline: bool = False) -> tuple[str | None, str | None]:
    return clean_text(value, limit=limit, multiline=multiline)


def _integer(value: Any) -> tuple[int | None, str | None]:
    if value in (None, ""):
        return None, None
    if isinstance(value, bool):
        return None, "integer"
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: infinity
        return None, "integer"
    if number < 0 or number > 100_000:
        return None, "range"
    return number, None


def _flag(value: Any) -> tuple[bool | None, str | None]:
    if isinstance(value, bool):
        return value, None
    if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "ja", "oui"):
        return True, None
    if isinstance(value, str) and value.lower() in ("0", "false", "no", "off", "nee", "non", ""):
        return False, None
    return None, "boolean"


def _codes(value: Any) -> list[str] | None:
    if isinstance(value, str):
        value = [part.strip() for part in re.split(r"[,;|]", value) if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return list(dict.fromkeys(value))


def _schedule(value: Any) -> tuple[str | None, str | None]:
    """A location's schedule: the picker's choices (a form) or a stored rule (the API, or a
    form keeping the rule as it is); the stored text and the reason for refusing it."""
    if isinstance(value, dict):
        try:
            return schedules.compose(value), None
        except schedules.ScheduleProblem as problem:
            return None, problem.code
    schedule, problem = _text(value, 300, multiline=True)
    if not problem and schedule and not schedules.valid(schedule):
        problem = "rrule"
    return schedule, problem


def _locations(value: Any, reference: Reference, errors: dict, kept: set[str]) -> list[dict] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        errors["locations"] = "type"
        return None
    cleaned = []
    seen = set()
    for index, item in enumerate(value):
        where = f"locations.{index}"
        if isinstance(item, str):
            item = {"prison": item}
        if not isinstance(item, dict):
            errors[where] = "type"
            continue
        prison = item.get("prison")
        if not isinstance(prison, str) or prison not in reference.prisons:
            errors[f"{where}.prison"] = "unknown"
            continue
        if prison in seen:
            errors[f"{where}.prison"] = "duplicate"
            continue
        if prison in reference.closed and prison not in kept:
            errors[f"{where}.prison"] = "closed"
            continue
        seen.add(prison)
        schedule, problem = _schedule(item.get("schedule"))
        if problem:
            errors[f"{where}.schedule"] = problem
        places, problem = _integer(item.get("places"))
        if not problem and (places or 0) > reference.capacities.get(prison, MOST_PLACES):
            problem = "too_many_places"
        if problem:
            errors[f"{where}.places"] = problem
        notes = {}
        for lang in LANGS:
            note, problem = _text(item.get(f"notes_{lang}"), 2000, multiline=True)
            if problem:
                errors[f"{where}.notes_{lang}"] = problem
            notes[f"notes_{lang}"] = note
        cleaned.append({"prison": prison, "schedule": schedule, "places": places, **notes})
    return cleaned


def _extra(value: Any, authority, errors: dict) -> dict | None:
    """The authority's own fields: only those its plugin declares, each of its type."""
    if value is None:
        return None
    if not isinstance(value, dict):
        errors["extra"] = "type"
        return None
    declared = {field.name: field for field in authority.service_fields}
    cleaned = {}
    for name, raw in value.items():
        field = declared.get(name)
        if field is None:
            errors[f"extra.{name}"] = "unknown"
            continue
        if raw in (None, ""):
            continue
        if field.type == "boolean":
            parsed, problem = _flag(raw)
        elif field.type == "integer":
            parsed, problem = _integer(raw)
        elif field.type == "choice":
            known = isinstance(raw, str) and raw in field.choices
            parsed, problem = (raw, None) if known else (None, "choice")
        elif field.type == "date":
            ok = isinstance(raw, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw)
            parsed, problem = (raw, None) if ok else (None, "date")
        else:
            parsed, problem = _text(raw, 2000, multiline=True)
        if problem:
            errors[f"extra.{name}"] = problem
        else:
            cleaned[name] = parsed
    return cleaned


def check(
    values: dict[str, Any], authority, reference: Reference, kept: set[str] | None = None
) -> dict[str, Any]:
    """Clean ``values`` (only the keys given) or raise Invalid naming every field
    that is wrong. ``kept``: the prisons the service lists already (it may keep a closed
    one, to be taken off, but not add one)."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for key in values:
        if key not in FIELDS:
            errors[key] = "unknown"
    vocabulary = {term.code: term.domain for term in authority.vocabulary}
    for key, raw in values.items():
        if key not in FIELDS:
            continue
        if key == "external_id":
            value, problem = _text(raw, 100)
            problem = problem or (None if value else "required")
        elif key == "category":
            known = isinstance(raw, str) and raw in vocabulary
            value, problem = (raw, None) if known else (None, "category")
        elif key in TEXT_FIELDS:
            single = key.startswith("name_")
            value, problem = _text(raw, 300 if single else 5000, multiline=not single)
        elif key in LISTS:
            value = _codes(raw)
            known = reference.target_groups if key == "target_groups" else set(LANGUAGE_CODES)
            problem = "type" if value is None else ("unknown" if set(value) - known else None)
        elif key in CHOICES:
            known = isinstance(raw, str) and raw in CHOICES[key]
            value, problem = (raw, None) if known else (None, "choice")
        elif key in FLAGS:
            value, problem = _flag(raw)
        elif key in NUMBERS:
            value, problem = _integer(raw)
        elif key == "contact_email":
            value, problem = _text(raw, 320)
            problem = problem or (None if not value or EMAIL.match(value) else "email")
        elif key in CONTACT:
            value, problem = _text(raw, 200)
        elif key == "locations":
            value, problem = _locations(raw, reference, errors, kept or set()), None
        elif key == "organization_id":
            value, problem = _integer(raw)
            known = reference.organizations.get(authority.code, set())
            if not problem and value is not None and value not in known:
                problem = "unknown"
        else:  # extra
            value, problem = _extra(raw, authority, errors), None
        if problem:
            errors[key] = problem
        else:
            cleaned[key] = value
    if "category" in cleaned:
        cleaned["domain_code"] = vocabulary[cleaned["category"]]
    if errors:
        raise Invalid(errors)
    return cleaned


def check_complete(record: dict[str, Any], authority) -> None:
    """What a service needs before the committee may see it: names in both official
    languages, a category, at least one prison (unless it is offered only outside, as a
    placement site for community service is), the authority's required fields."""
    errors = {}
    for key in ("name_nl", "name_fr", "category"):
        if not record.get(key):
            errors[key] = "required"
    if not record.get("locations") and record.get("setting") != "outside":
        errors["locations"] = "required"
    for field in authority.service_fields:
        if field.required and (record.get("extra") or {}).get(field.name) in (None, ""):
            errors[f"extra.{field.name}"] = "required"
    if errors:
        raise Invalid(errors)


# --- records and versions -------------------------------------------------------------------


def record_of(service: Service) -> dict[str, Any]:
    """The service as people set it (columns), without the workflow's own fields."""
    record = {key: getattr(service, key) for key in FIELDS if key not in ("locations",)}
    record["domain_code"] = service.domain_code
    record["locations"] = [
        {
            "prison": location.prison_code,
            "schedule": location.schedule,
            "places": location.places,
            **{f"notes_{lang}": getattr(location, f"notes_{lang}") for lang in LANGS},
        }
        for location in service.locations
    ]
    return record


def working_copy(service: Service) -> dict[str, Any]:
    """What the editors see: the published values with their pending changes applied."""
    return {**record_of(service), **(service.pending or {})}


def _version(
    session: Session,
    service: Service,
    action: str,
    principal: Principal,
    changes: dict,
    comment: str | None = None,
) -> None:
    number = (
        session.scalar(
            select(func.max(ServiceVersion.number)).where(ServiceVersion.service_id == service.id)
        )
        or 0
    ) + 1
    session.add(
        ServiceVersion(
            service_id=service.id,
            number=number,
            actor=principal.label[:200],
            user_id=principal.user_id,
            action=action,
            changes=changes,
            comment=comment,
            record=working_copy(service),
        )
    )


def _apply(service: Service, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if key == "locations":
            _apply_locations(service, value)
        elif key != "domain_code" or value:
            setattr(service, key, value)


def _apply_locations(service: Service, items: list[dict]) -> None:
    """Update the prisons in place: a prison kept keeps its row (and its id in HSDS)."""
    existing = {location.prison_code: location for location in service.locations}
    wanted = {item["prison"]: item for item in items}
    for code, location in existing.items():
        if code not in wanted:
            service.locations.remove(location)
    for code, item in wanted.items():
        location = existing.get(code)
        if location is None:
            location = ServiceLocation(prison_code=code)
            service.locations.append(location)
        location.schedule = item.get("schedule")
        location.places = item.get("places")
        for lang in LANGS:
            setattr(location, f"notes_{lang}", item.get(f"notes_{lang}"))


# --- the workflow ---------------------------------------------------------------------------


def create_service(
    session: Session,
    authority,
    values: dict[str, Any],
    principal: Principal,
    reference: Reference | None = None,
) -> Service:
    cleaned = check(values, authority, reference or Reference.load(session))
    missing = {key: "required" for key in ("external_id", "category") if not cleaned.get(key)}
    if not any(cleaned.get(f"name_{lang}") for lang in LANGS):
        missing["name_nl"] = "required"
    if missing:
        raise Invalid(missing)
    taken = session.scalar(
        select(Service.id).where(
            Service.authority_code == authority.code,
            Service.external_id == cleaned["external_id"],
        )
    )
    if taken:
        raise Invalid({"external_id": "duplicate"})
    service = Service(
        authority_code=authority.code,
        state="draft",
        target_groups=[],
        languages=[],
        extra={},
        updated_at=utcnow(),
    )
    _apply(service, cleaned)
    session.add(service)
    session.flush()
    _version(session, service, "create", principal, diff({}, record_of(service)))
    search.index(session, service)
    return service


def update_service(
    session: Session,
    authority,
    service: Service,
    values: dict[str, Any],
    expected_version: int,
    principal: Principal,
    reference: Reference | None = None,
) -> Service:
    """Change a service. Before publication the columns change; after it, the changes
    wait in ``pending`` for the committee. Either way the service is a draft again."""
    if service.version != expected_version:
        raise Stale(service.version)
    if service.state == "withdrawn":
        raise Refused("withdrawn")
    kept = {item["prison"] for item in working_copy(service).get("locations") or []}
    cleaned = check(values, authority, reference or Reference.load(session), kept)
    if "external_id" in cleaned and cleaned["external_id"] != service.external_id:
        raise Invalid({"external_id": "fixed"})
    before = working_copy(service)
    if service.published_at is None:
        _apply(service, cleaned)
        after = record_of(service)
    else:
        after = {**before, **cleaned}
        service.pending = diff_values(record_of(service), after) or None
    changes = diff(before, after)
    if not changes:
        return service
    service.state = "draft"
    service.updated_at = utcnow()
    session.flush()
    _version(session, service, "update", principal, changes)
    search.index(session, service)
    return service


def diff_values(published: dict, wanted: dict) -> dict:
    return {key: value for key, value in wanted.items() if published.get(key) != value}


def submit(session: Session, authority, service: Service, principal: Principal) -> Service:
    if service.state not in ("draft", "returned"):
        raise Refused("not_a_draft")
    check_complete(working_copy(service), authority)
    service.state = "submitted"
    session.flush()
    _version(session, service, "submit", principal, {"state": ["draft", "submitted"]})
    _tell(session, "service_submitted", service, principal)
    return service


def _last_editor(session: Session, service: Service) -> int | None:
    return session.scalar(
        select(ServiceVersion.user_id)
        .where(
            ServiceVersion.service_id == service.id,
            ServiceVersion.action.in_(("create", "update")),
        )
        .order_by(ServiceVersion.number.desc())
        .limit(1)
    )


def approve(session: Session, authority, service: Service, principal: Principal) -> Service:
    """Publish the service, or its pending changes. Nobody approves their own edit."""
    if service.state != "submitted":
        raise Refused("not_submitted")
    if principal.user_id is not None and _last_editor(session, service) == principal.user_id:
        raise Refused("own_change")
    check_complete(working_copy(service), authority)
    if service.pending:
        _apply(service, service.pending)
        service.pending = None
    service.state = "published"
    service.review_comment = None
    service.published_at = utcnow()
    session.flush()
    _version(session, service, "approve", principal, {"state": ["submitted", "published"]})
    verification.confirmed_by_approval(session, service, principal)
    search.index(session, service)
    _tell(session, "service_approved", service, principal)
    return service


def return_to_author(
    session: Session, authority, service: Service, principal: Principal, comment: str = ""
) -> Service:
    comment = (comment or "").strip()
    if service.state != "submitted":
        raise Refused("not_submitted")
    if not comment:
        raise Invalid({"comment": "required"})
    service.state = "returned"
    service.review_comment = comment[:5000]
    session.flush()
    _version(session, service, "return", principal, {"state": ["submitted", "returned"]}, comment)
    _tell(session, "service_returned", service, principal, comment=service.review_comment)
    return service


def _tell(session: Session, kind: str, service: Service, principal: Principal, **data) -> None:
    """The step as an event, in this transaction: the notifier tells who it concerns."""
    events.record(
        session,
        kind,
        record_kind="service",
        record_id=service.id,
        authority=service.authority_code,
        actor=principal,
        **data,
    )


# Each step of the review: who may take it, and what it does. Pages and API both use this.
STEPS = {
    "submit": ("inventory.edit", submit),
    "approve": ("inventory.review", approve),
    "return": ("inventory.review", return_to_author),
}
