"""Links from one record to another (agenda items, decisions, needs and workshop reports point
to services, needs, goals, decisions and meetings): the kinds, reading and checking a link,
searching what a person may link to, and describing a link to the person who reads it.

A link is stored as {"kind": ..., "id": ...}. People never type ids: forms send the
picker's "kind:id" values, the API sends objects (a goal may be named by its code, as
everywhere, core.goals.lookup). A link may only point to what its writer may read, and a
reader sees a link's title only if they may read the record: a draft service's name stays
with those who may read the draft (the rules are core.permissions').

This module reads the features' models only, never their services or views, so that every
feature can use it (the "kind:id link resolver" of ARCHITECTURE.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from core.clock import BRUSSELS
from core.goals.lookup import current_plan, goal_id
from core.goals.models import Goal
from core.i18n import LocalText, pick, show_date
from core.inventory.models import Need, Service
from core.meetings.models import Body, Decision, Meeting, Minutes
from core.permissions import Principal, can

KINDS = ("service", "need", "goal", "decision", "meeting")
KIND_LABELS = {
    "service": _l("service"),
    "need": _l("need"),
    "goal": _l("goal"),
    "decision": _l("decision"),
    "meeting": _l("meeting"),
}
# The codes a feature's form words (each feature's ERRORS includes these).
ERRORS = {
    "link": _l("One of the chosen records does not exist (any more). Search for it again."),
    "link_unreadable": _l(
        "You may not read one of the chosen records, so you cannot link to it. "
        "Remove it or choose another."
    ),
}
LIMIT = 10
LONGEST_QUERY = 200
_CODE = re.compile(r"^\d+(\.\d+)*\.?$")
_SNIPPET = 90


# --- reading and checking ------------------------------------------------------------------


def _whole(ident: Any) -> int | None:
    text = str(ident).strip()
    return int(text) if text.isdecimal() and 0 < int(text) < 2**31 else None


def find(session: Session, kind: str, ident: Any):
    """The record a link names, or None; a goal also by its code in the current plan."""
    if kind == "goal":
        found = goal_id(session, ident)
        return session.get(Goal, found) if found is not None else None
    model = {"service": Service, "need": Need, "decision": Decision, "meeting": Meeting}.get(kind)
    number = _whole(ident)
    if model is None or number is None:
        return None
    return session.get(model, number)


def readable(principal: Principal, kind: str, record: Any) -> bool:
    """Whether the person may read the record a link points to (core.permissions' rules,
    as the record's own page applies them)."""
    if kind == "service":
        return record.published_at is not None or can(
            principal, "inventory.read_unpublished", record
        )
    if kind == "need":
        return can(principal, "needs.read")
    if kind == "goal":
        return True  # the plan is public
    if kind == "meeting":
        return can(principal, "meetings.read")
    if kind == "decision":
        # A decision in draft minutes is read only by those who write the minutes.
        return can(principal, "meetings.read") and (
            record.minutes.approved or can(principal, "meetings.manage", record)
        )
    return False


def pairs_of(raw: Any) -> list[tuple[str, str]]:
    """(kind, id) pairs from what a form or the API sends: "kind:id" strings (one, several
    separated by spaces, or a list of them) or [{"kind", "id"}] objects."""
    if isinstance(raw, str):
        raw = raw.replace(",", " ").split()
    if not isinstance(raw, list | tuple):
        return []
    pairs = []
    for entry in raw:
        if isinstance(entry, dict):
            pairs.append((str(entry.get("kind")), str(entry.get("id"))))
        elif isinstance(entry, str) and entry.strip():
            kind, _colon, ident = entry.strip().partition(":")
            pairs.append((kind, ident))
        else:
            pairs.append(("", ""))
    return pairs


def parse(
    session: Session,
    principal: Principal,
    raw: Any,
    errors: dict[str, str],
    key: str = "links",
    kinds: Iterable[str] = KINDS,
    keep: Iterable[dict] = (),
) -> list[dict]:
    """The links ``raw`` names, each once, in the order given. A link to a record that does
    not exist sets errors[key] = "link", one the person may not read "link_unreadable"; the
    others are still returned, so a form shown again keeps them. A link in ``keep`` (the
    record's own, stored before) stays even if this person may not read its target: someone
    else made it, and editing the title must not drop it."""
    kinds = tuple(kinds)
    kept = [(link.get("kind"), link.get("id")) for link in keep]
    links: list[dict] = []
    for kind, ident in pairs_of(raw):
        record = find(session, kind, ident) if kind in kinds else None
        if record is None:
            errors[key] = "link"
            continue
        if (kind, record.id) not in kept and not readable(principal, kind, record):
            errors.setdefault(key, "link_unreadable")
            continue
        link = {"kind": kind, "id": record.id}
        if link not in links:
            links.append(link)
    return links


def as_values(links: Iterable[dict]) -> list[str]:
    """Links as the picker's form values, "kind:id"."""
    return [f"{link['kind']}:{link['id']}" for link in links]


# --- describing ------------------------------------------------------------------------------


@dataclass
class Described:
    """A link as a reader sees it: ``state`` is "ok", "deleted" or "unreadable"; only an
    "ok" link carries its title and address (endpoint, values, anchor for url_for)."""

    kind: str
    id: int
    state: str = "ok"
    title: LocalText | str = ""
    endpoint: str | None = None
    values: dict = field(default_factory=dict)
    anchor: str = ""

    @property
    def value(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, ""))


def _cut(text: LocalText, limit: int = _SNIPPET) -> LocalText:
    return text.labelled("", limit)


def _date(moment) -> str:

    return show_date(moment.astimezone(BRUSSELS).date()) if moment else ""


def _meeting_title(meeting: Meeting, language: str) -> LocalText:
    body = pick(meeting.body.texts("name"), language)
    own = pick(meeting.texts("title"), language)
    text = f"{body.text}: {own.text}" if own.text else body.text
    return LocalText(f"{text}, {_date(meeting.starts_at)}", body.lang)


def _title(kind: str, record: Any, language: str) -> LocalText:
    if kind == "service":
        return pick(record.texts("name"), language)
    if kind == "need":
        description = pick(record.texts("description"), language)
        return _cut(description) if description.text else LocalText("", language)
    if kind == "goal":
        return pick(record.texts("title"), language).labelled(f"{record.code} ")
    if kind == "meeting":
        return _meeting_title(record, language)
    if kind == "decision":
        text = _cut(pick(record.texts("text"), language), 70)
        meeting = _meeting_title(record.minutes.meeting, language)
        return LocalText(f"{record.number}. {text.text} ({meeting.text})", text.lang)
    return LocalText("", language)


def _address(kind: str, record: Any) -> tuple[str, dict, str]:
    if kind == "service":
        return "inventory.show", {"service_id": record.id}, ""
    if kind == "need":
        return "inventory.need", {"need_id": record.id}, ""
    if kind == "goal":
        return "goals.goal", {"goal_id": record.id}, ""
    if kind == "meeting":
        return "meetings.meeting", {"meeting_id": record.id}, ""
    meeting_id = record.minutes.meeting_id
    if not record.minutes.approved:  # draft minutes are read in their editor
        return "meetings.minutes_editor", {"meeting_id": meeting_id}, "decisions"
    return "meetings.meeting", {"meeting_id": meeting_id}, f"decision-{record.id}"


def describe_record(principal: Principal, kind: str, record: Any, language: str) -> Described:
    if record is None:
        return Described(kind, 0, "deleted")
    if not readable(principal, kind, record):
        return Described(kind, record.id, "unreadable")
    endpoint, values, anchor = _address(kind, record)
    return Described(
        kind, record.id, "ok", _title(kind, record, language), endpoint, values, anchor
    )


def describe(
    session: Session, principal: Principal, links: Iterable[dict], language: str
) -> list[Described]:
    """The links as the reader sees them, in their order: a title and an address, or
    "deleted" for a record that is gone, or "unreadable" (never its title)."""
    described = []
    for link in links or []:
        kind, ident = link.get("kind"), link.get("id")
        record = find(session, kind, ident) if kind in KINDS and kind != "goal" else None
        if kind == "goal" and _whole(ident) is not None:
            record = session.get(Goal, int(ident))  # a stored link is an id, never a code
        found = describe_record(principal, kind, record, language)
        found.id = found.id or (_whole(ident) or 0)
        described.append(found)
    return described


# --- searching --------------------------------------------------------------------------------


def _words(query: str) -> list[str]:
    return [word for word in (query or "")[:LONGEST_QUERY].split() if word][:8]


def _like(column, word: str):
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped.lower()}%", escape="\\")


def _all_words(columns: list, words: list[str], extra=None):
    """Every word in one of the columns (in any language): "centre drogue" finds a service
    whose French name has both words, or whose Dutch name has one and French the other."""
    conditions = []
    for word in words:
        one = [_like(column, word) for column in columns]
        if extra is not None:
            one.append(extra(word))
        conditions.append(or_(*one))
    return and_(*conditions)


def _texts(model, name: str) -> list:
    return [getattr(model, f"{name}_{lang}") for lang in ("nl", "fr", "en")]


def search_services(session: Session, principal: Principal, words: list[str]) -> list:
    statement = select(Service).where(_all_words(_texts(Service, "name"), words))
    if not can(principal, "inventory.review"):
        # Drafts only of the person's own authority; the rule itself decides below.
        statement = statement.where(
            or_(Service.published_at.is_not(None), Service.authority_code == principal.authority)
        )
    found = session.scalars(statement.order_by(Service.name_nl, Service.id).limit(LIMIT * 2))
    return [s for s in found if readable(principal, "service", s)][:LIMIT]


def search_needs(session: Session, principal: Principal, words: list[str]) -> list:
    if not can(principal, "needs.read"):
        return []
    statement = select(Need).where(_all_words(_texts(Need, "description"), words))
    return list(session.scalars(statement.order_by(Need.id.desc()).limit(LIMIT)))


def search_goals(session: Session, principal: Principal, words: list[str]) -> list:
    """Goals of the current plan (the plan a code means), by title or code ("4.1")."""
    plan = current_plan(session)
    if plan is None:
        return []

    def code(word: str):
        return Goal.code.startswith(word.rstrip(".")) if _CODE.match(word) else Goal.id < 0

    statement = select(Goal).where(
        Goal.plan_id == plan.id, _all_words(_texts(Goal, "title"), words, extra=code)
    )
    return list(session.scalars(statement.order_by(Goal.id).limit(LIMIT)))


_DATE = re.compile(r"^(?:(\d{1,2})[/.-])?(?:(\d{1,2})[/.-])?(\d{4})$")


def _on_date(word: str):
    """A date as people write it, "17/03/2026", "03/2026" or "2026": the meetings that
    day, month or year (in Brussels time), since meetings are mostly named by their body."""
    found = _DATE.match(word)
    if not found:
        return Meeting.id < 0
    first, second, year = found.groups()
    day, month = (first, second) if second else (None, first)
    try:
        start = date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return Meeting.id < 0
    if day:
        end = start + timedelta(days=1)
    elif month:
        end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    else:
        end = date(start.year + 1, 1, 1)

    def moment(day: date) -> datetime:
        return datetime.combine(day, time(), BRUSSELS).astimezone(UTC)

    return and_(Meeting.starts_at >= moment(start), Meeting.starts_at < moment(end))


def search_meetings(session: Session, principal: Principal, words: list[str]) -> list:
    if not can(principal, "meetings.read"):
        return []
    statement = (
        select(Meeting)
        .join(Body, Meeting.body_id == Body.id)
        .where(_all_words(_texts(Meeting, "title") + _texts(Body, "name"), words, extra=_on_date))
        .options(selectinload(Meeting.body))
        .order_by(Meeting.starts_at.desc())
        .limit(LIMIT)
    )
    return list(session.scalars(statement))


def search_decisions(session: Session, principal: Principal, words: list[str]) -> list:
    """Decisions of the newest minutes the person may read of each meeting: a correction
    copies every decision, and only the newest revision's stands."""
    if not can(principal, "meetings.read"):
        return []
    drafts = can(principal, "meetings.manage")
    statement = (
        select(Decision)
        .join(Minutes, Decision.minutes_id == Minutes.id)
        .where(_all_words(_texts(Decision, "text"), words))
        .options(selectinload(Decision.minutes).selectinload(Minutes.meeting))
        .order_by(Minutes.meeting_id.desc(), Minutes.revision.desc(), Decision.number)
        .limit(LIMIT * 4)
    )
    if not drafts:
        statement = statement.where(Minutes.state == "approved")
    newest: dict[int, int] = {}
    kept = []
    for decision in session.scalars(statement):
        meeting_id = decision.minutes.meeting_id
        revision = newest.setdefault(meeting_id, decision.minutes.revision)
        if decision.minutes.revision == revision and readable(principal, "decision", decision):
            kept.append(decision)
    return kept[:LIMIT]


SEARCHES = {
    "service": search_services,
    "need": search_needs,
    "goal": search_goals,
    "decision": search_decisions,
    "meeting": search_meetings,
}


def search(
    session: Session,
    principal: Principal,
    query: str,
    language: str,
    kinds: Iterable[str] = KINDS,
    limit: int = LIMIT,
) -> list[Described]:
    """What the person may link to whose title has every word of ``query`` (in any
    language; a goal also by code), at most ``limit``, taking turns between the kinds so
    that one kind does not hide the others."""
    words = _words(query)
    if not words:
        return []
    per_kind = [
        [
            describe_record(principal, kind, record, language)
            for record in SEARCHES[kind](session, principal, words)
        ]
        for kind in kinds
        if kind in SEARCHES
    ]
    mixed: list[Described] = []
    for row in range(LIMIT):
        for found in per_kind:
            if row < len(found) and len(mixed) < limit:
                mixed.append(found[row])
    return mixed
