"""Change events: every committed change of a service, need, decision, action item, meeting,
goal or plan action appends an event to the log, whichever channel made it.

Like the audit (core.audit.services), a listener on every session writes them at each flush,
in the same transaction as the change, so no feature has to remember to; a write made with
statements instead of a flush (an import's thousands of services) asks ``rows`` for the
same events and inserts them itself. One flush makes one INSERT whatever its number of
events.

Kinds are "<record>.<what>": ``created``, ``changed``, ``deleted``; a service also
``published`` (it enters the public inventory, first or again) and ``withdrawn`` (it leaves
it); a decision ``approved`` (its minutes were approved: members may now read it). Domain
events (``service_submitted``...) are written by the features themselves
(core.events.services.record).

Each event says who may see it (core.events.log): what the public inventory shows is public;
a service's drafts, pending changes and review states are its authority's and the
committee's; needs, meetings and action items are for those logged in; a decision is the
secretariat's until its minutes are approved; the plan's goals and actions are public.
Data names the changed fields (never their values: readers fetch the record, with their own
rights) and the record's title in each language, which a tombstone still needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import column, event, insert, inspect, select, table
from sqlalchemy.orm import Mapper, Session, object_session

from core.audit.services import who
from core.clock import utcnow
from core.db import Base
from core.events import log
from core.events.models import Event
from core.permissions import Principal

LANGS = ("nl", "fr", "en")

RECORD_KINDS = ("service", "need", "decision", "action_item", "meeting", "goal", "plan_action")
WHATS = {
    "service": ("created", "changed", "published", "withdrawn", "deleted"),
    "decision": ("created", "changed", "approved", "deleted"),
}
CHANGE_KINDS = tuple(
    f"{kind}.{what}"
    for kind in RECORD_KINDS
    for what in WHATS.get(kind, ("created", "changed", "deleted"))
)
# The kinds that say a record is gone from where its readers saw it.
TOMBSTONES = tuple(kind for kind in CHANGE_KINDS if kind.endswith((".withdrawn", ".deleted")))

# Columns that say nothing about the record itself (bookkeeping moved by every write).
_BOOKKEEPING = {"version", "updated_at", "created_at"}
# A published service's columns the public does not see.
_NOT_PUBLIC = _BOOKKEEPING | {"pending", "review_comment", "state", "published_at"}


def is_change(kind: str) -> bool:
    return "." in kind


def is_tombstone(kind: str) -> bool:
    return kind in TOMBSTONES


# --- what a record is -------------------------------------------------------------------------


def _titles(obj, name: str, limit: int = 200) -> dict[str, str | None]:
    titles = {}
    for lang in LANGS:
        text = getattr(obj, f"{name}_{lang}", None)
        titles[lang] = " ".join(text.split())[:limit] if text else None
    return titles


def _service_public(values) -> bool:
    """In the public inventory: published once, active and not withdrawn."""
    return (
        values("published_at") is not None
        and bool(values("active"))
        and values("state") != "withdrawn"
    )


@dataclass
class _Change:
    """What one flush did to one record, gathered from its row and its children's."""

    record_kind: str
    obj: Any
    action: str  # created, changed, deleted
    fields: set[str] = field(default_factory=set)
    before: dict[str, Any] = field(default_factory=dict)  # the changed columns' old values

    def was(self, key: str):
        return self.before[key] if key in self.before else getattr(self.obj, key, None)

    def now(self, key: str):
        return getattr(self.obj, key, None)


# The tracked tables: the record kind of each, and for a part of a record (a service's
# places, a meeting's agenda and minutes) the column naming its record and the field it is.
_RECORDS = {
    "services": "service",
    "needs": "need",
    "decisions": "decision",
    "action_items": "action_item",
    "meetings": "meeting",
    "goals": "goal",
    "plan_actions": "plan_action",
}
_PARTS = {
    "service_locations": ("services", "service_id", "locations"),
    "agenda_items": ("meetings", "meeting_id", "agenda"),
    "minutes": ("meetings", "meeting_id", "minutes"),
}


def _tracked(obj) -> bool:
    name = getattr(type(obj), "__tablename__", None)
    return name in _RECORDS or name in _PARTS


def _id(obj) -> int | None:
    identity = inspect(obj).identity
    if identity:
        return identity[0]
    return getattr(obj, "id", None)


def _columns_changed(obj) -> tuple[set[str], dict[str, Any]]:
    state = inspect(obj)
    fields, before = set(), {}
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if history.has_changes():
            fields.add(attr.key)
            before[attr.key] = history.deleted[0] if history.deleted else None
    for rel in state.mapper.relationships:
        if rel.secondary is not None and state.attrs[rel.key].history.has_changes():
            fields.add(rel.key)  # a need's services
    return fields, before


# --- from a flush's records to events ----------------------------------------------------------


def _gather(
    created: Iterable, changed: Iterable, deleted: Iterable, session: Session | None
) -> tuple[dict[tuple[str, int], _Change], list]:
    records: dict[tuple[str, int], _Change] = {}
    parts: list[tuple[str, Any, str]] = []  # (action, part, its table)
    for action, objects in (("created", created), ("changed", changed), ("deleted", deleted)):
        for obj in objects:
            name = getattr(type(obj), "__tablename__", None)
            if name in _RECORDS:
                ident = _id(obj)
                if ident is None:
                    continue
                change = _Change(_RECORDS[name], obj, action)
                if action == "changed":
                    change.fields, change.before = _columns_changed(obj)
                    change.fields -= _BOOKKEEPING
                records[(name, ident)] = change
            elif name in _PARTS:
                if action == "changed" and not (_columns_changed(obj)[0] - _BOOKKEEPING):
                    continue  # handed over unchanged (an import passes every place it read)
                parts.append((action, obj, name))
    minutes_parts = []
    for action, part, name in parts:
        parent_table, key, what = _PARTS[name]
        if name == "minutes":
            minutes_parts.append((action, part))
            continue
        parent_id = getattr(part, key, None)
        if parent_id is None:
            continue
        found = records.get((parent_table, parent_id))
        if found is None:
            parent = _load(session, parent_table, parent_id)
            if parent is None:
                continue  # the record itself is gone in the same write: its event says so
            found = records[(parent_table, parent_id)] = _Change(
                _RECORDS[parent_table], parent, "changed"
            )
        if found.action == "changed":
            found.fields.add(what)
    # A record whose bookkeeping alone moved (its version, the time of its last change) did
    # not change.
    records = {
        key: change
        for key, change in records.items()
        if change.action != "changed" or change.fields
    }
    return records, minutes_parts


def _load(session: Session | None, table_name: str, ident: int):
    """A record whose part changed alone (its row did not): from the session, else none."""
    model = _model(table_name) if session is not None else None
    return session.get(model, ident) if model is not None else None


def _model(table_name: str):

    for mapper in Base.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == table_name:
            return mapper.class_
    return None


def _service_event(change: _Change) -> tuple[str, str, dict]:
    code = change.obj.authority_code
    private = log.authority_level(code)
    data: dict[str, Any] = {}
    if change.action == "created":
        public = _service_public(change.now)
        return "service.created", log.PUBLIC if public else private, data
    if change.action == "deleted":
        public = _service_public(change.was)
        return "service.deleted", log.PUBLIC if public else private, {"was_public": public}
    was, now = _service_public(change.was), _service_public(change.now)
    # A public event names only the fields the public sees.
    shown = {"fields": sorted(change.fields - _NOT_PUBLIC)}
    if was and not now:
        return "service.withdrawn", log.PUBLIC, shown
    if now and not was:
        return "service.published", log.PUBLIC, shown
    if now and shown["fields"]:
        return "service.changed", log.PUBLIC, shown
    if "state" in change.fields:
        data["state"] = [change.was("state"), change.now("state")]
    return "service.changed", private, data


def _event_of(change: _Change, minutes: dict[int, tuple[bool, int]], session) -> dict:
    obj, kind = change.obj, change.record_kind
    data: dict[str, Any] = {}
    authority = getattr(obj, "authority_code", None)
    if kind == "service":
        name, visibility, data = _service_event(change)
        data["title"] = _titles(obj, "name")
    else:
        name = f"{kind}.{change.action}"
        visibility = log.LOGGED_IN
        if kind == "need":
            data["title"] = _titles(obj, "description", 160)
        elif kind == "decision":
            approved, meeting_id = minutes.get(obj.minutes_id or 0, (False, None))
            # A decision in draft minutes is read only by those who write the minutes.
            visibility = log.LOGGED_IN if approved else log.SECRETARIAT
            data |= _decision_data(obj, meeting_id)
        elif kind == "meeting":
            data |= _meeting_data(session, obj)
        elif kind == "goal":
            visibility = log.PUBLIC  # the plan is public
            data["title"] = _titles(obj, "title")
            data["code"] = obj.code
        elif kind == "plan_action":
            visibility = log.PUBLIC
            data["title"] = _titles(obj, "title")
        else:  # action_item
            data["title"] = _titles(obj, "title")
    if change.action == "changed" and "fields" not in data:
        data["fields"] = sorted(change.fields)
    return {
        "kind": name,
        "record_kind": kind,
        "record_id": _id(obj),
        "authority_code": authority,
        "visibility": visibility,
        "data": data,
    }


def _decision_data(decision, meeting_id: int | None) -> dict:
    return {
        "title": _titles(decision, "text", 160),
        "number": decision.number,
        "meeting_id": meeting_id,
    }


def _meeting_data(session: Session | None, meeting) -> dict:
    """A meeting as readers name it: its title (often none), its body's name and its date."""
    if isinstance(meeting, int):
        meeting = _load(session, "meetings", meeting)
    if meeting is None:
        return {}
    body = _load(session, "bodies", meeting.body_id) if meeting.body_id else None
    starts = meeting.starts_at
    return {
        "title": _titles(meeting, "title"),
        "body": _titles(body, "name") if body is not None else None,
        "starts_at": starts.isoformat() if starts else None,
    }


def _minutes_events(
    minutes_parts: list, records: dict, session: Session | None
) -> tuple[list[dict], dict[int, tuple[bool, int]]]:
    """A meeting's minutes: a draft's saves are the secretariat's; their approval tells
    members of the meeting and of each decision they hold (now readable). Also returns,
    for the decisions of this write, whether each of these minutes is approved and its
    meeting."""
    known: dict[int, tuple[bool, int]] = {}
    rows: list[dict] = []
    approved_now: dict[int, int] = {}  # minutes -> meeting
    for action, minutes in minutes_parts:
        minutes_id = _id(minutes)
        if minutes_id is not None:
            known[minutes_id] = (
                minutes.state == "approved" and action != "deleted",
                minutes.meeting_id,
            )
        meeting = records.get(("meetings", minutes.meeting_id))
        if action == "deleted" or (meeting is not None and meeting.action != "changed"):
            continue  # gone with its meeting, or part of the meeting's creation
        state = inspect(minutes).attrs.state.history
        became = minutes.state == "approved" and (action == "created" or bool(state.deleted))
        if became:
            approved_now[minutes_id] = minutes.meeting_id
            if meeting is not None:
                meeting.fields.add("minutes")
                continue
        rows.append(
            {
                "kind": "meeting.changed",
                "record_kind": "meeting",
                "record_id": minutes.meeting_id,
                "authority_code": None,
                # A draft is the secretariat's until it is approved.
                "visibility": log.LOGGED_IN if became else log.SECRETARIAT,
                "data": {"fields": ["minutes"], **_meeting_data(session, minutes.meeting_id)},
            }
        )
    if approved_now and session is not None:
        decisions = table(
            "decisions",
            column("id"),
            column("minutes_id"),
            column("number"),
            *(column(f"text_{lang}") for lang in LANGS),
        )
        found = session.connection().execute(
            select(decisions)
            .where(decisions.c.minutes_id.in_(list(approved_now)))
            .order_by(decisions.c.id)
        )
        for row in found:
            rows.append(
                {
                    "kind": "decision.approved",
                    "record_kind": "decision",
                    "record_id": row.id,
                    "authority_code": None,
                    "visibility": log.LOGGED_IN,
                    "data": _decision_data(row, approved_now[row.minutes_id]),
                }
            )
    return rows, known


def _decision_minutes(records: dict, known: dict, session: Session | None) -> None:
    """Whether the minutes of the decisions in this write are approved, and their meeting
    (read once)."""
    wanted = {
        change.obj.minutes_id
        for change in records.values()
        if change.record_kind == "decision" and change.obj.minutes_id not in known
    }
    wanted.discard(None)
    if not wanted or session is None:
        return
    minutes = table("minutes", column("id"), column("state"), column("meeting_id"))
    for minutes_id, state, meeting_id in session.connection().execute(
        select(minutes.c.id, minutes.c.state, minutes.c.meeting_id).where(minutes.c.id.in_(wanted))
    ):
        known[minutes_id] = (state == "approved", meeting_id)


def rows(
    created: Iterable = (),
    changed: Iterable = (),
    deleted: Iterable = (),
    *,
    principal: Principal | None = None,
    session: Session | None = None,
    moment=None,
) -> list[dict]:
    """The change events of these records' writes, as rows of ``events``, as the listener
    writes them at a flush: for a write made with statements (an import), whose rows are
    prepared before the write begins. ``changed`` records are compared with what was loaded,
    so they may be detached."""
    records, minutes_parts = _gather(
        [o for o in created if _tracked(o)],
        [o for o in changed if _tracked(o)],
        [o for o in deleted if _tracked(o)],
        session,
    )
    if not records and not minutes_parts:
        return []
    principal = principal or who()
    extra, known = _minutes_events(minutes_parts, records, session)
    _decision_minutes(records, known, session)
    found = [_event_of(change, known, session) for change in records.values()] + extra
    moment = moment or utcnow()
    return [
        row
        | {
            "occurred_at": moment,
            "actor_user_id": principal.user_id,
            "channel": principal.channel,
        }
        for row in found
        if row is not None
    ]


# --- the listener ------------------------------------------------------------------------------

_DELETED = "events_deleted_in_flush"


@event.listens_for(Mapper, "after_delete")
def _keep_deleted(_mapper, _connection, target) -> None:
    # Records the flush deletes itself (a service's places, by the delete-orphan cascade)
    # are never in session.deleted.
    if _tracked(target):
        session = object_session(target)
        if session is not None:
            session.info.setdefault(_DELETED, []).append(target)


@event.listens_for(Session, "after_soft_rollback")
def _forget_deleted(session: Session, _previous) -> None:
    session.info.pop(_DELETED, None)


@event.listens_for(Session, "after_flush")
def _write_change_events(session: Session, _flush_context) -> None:
    deleted = list(session.deleted)
    deleted += [obj for obj in session.info.pop(_DELETED, []) if obj not in session.deleted]
    changed = [obj for obj in session.dirty if _tracked(obj) and session.is_modified(obj)]
    found = rows(session.new, changed, deleted, session=session)
    if found:
        session.connection().execute(insert(Event), found)
