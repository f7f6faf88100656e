"""Record every write of an audited model, whichever channel it came through.

Models opt in with ``__audited__ = True`` (and may hide columns with ``__audit_exclude__``).
A listener on every SQLAlchemy session writes the entries in the same transaction as the
change itself, so a write without its audit entry cannot happen and a rolled-back write
leaves none. Who acted comes from the request's principal, or from ``acting_as`` for the
command line and jobs.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal

from flask import g, has_request_context
from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Mapper, Session, object_session

from core.audit.models import AuditEntry
from core.permissions import ANONYMOUS, Principal, system

_acting: ContextVar[Principal | None] = ContextVar("concerto_acting", default=None)


@contextmanager
def acting_as(principal: Principal) -> Iterator[Principal]:
    """Attribute the writes made inside the block to ``principal`` (CLI commands, jobs)."""
    token = _acting.set(principal)
    try:
        yield principal
    finally:
        _acting.reset(token)


def who() -> Principal:
    explicit = _acting.get()
    if explicit is not None:
        return explicit
    if has_request_context():
        return g.get("principal", ANONYMOUS)
    return system("job", "system")


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | dict | str | int | float | bool) or value is None:
        return value
    return str(value)


def _columns(obj) -> list[str]:
    excluded = set(getattr(type(obj), "__audit_exclude__", ()))
    return [c.key for c in inspect(type(obj)).column_attrs if c.key not in excluded]


def _record_id(obj) -> str:
    state = inspect(obj)
    # A record created in this flush has its key on its columns before it has an identity.
    identity = state.identity or tuple(state.mapper.primary_key_from_instance(obj))
    if not identity or any(part is None for part in identity):
        return "?"
    return "/".join(str(part) for part in identity)


def _links(obj) -> list[str]:
    """Collections kept in a link table (a need's services, a report's goals): the link rows
    have no model of their own, so their changes are audited as a list of ids on the owner."""
    return [rel.key for rel in inspect(type(obj)).relationships if rel.secondary is not None]


def _ids(items) -> list:
    return sorted(_record_id(item) for item in items)


def _changes(obj) -> tuple[dict, dict]:
    state = inspect(obj)
    before, after = {}, {}
    for key in _columns(obj):
        history = state.attrs[key].history
        if history.has_changes():
            before[key] = _plain(history.deleted[0]) if history.deleted else None
            after[key] = _plain(history.added[0]) if history.added else None
    for key in _links(obj):
        history = state.attrs[key].history
        if history.has_changes():
            kept = list(history.unchanged or ())
            before[key] = _ids(kept + list(history.deleted or ()))
            after[key] = _ids(kept + list(history.added or ()))
    return before, after


def _snapshot(obj, links: bool = False) -> dict:
    values = {key: _plain(getattr(obj, key)) for key in _columns(obj)}
    if links:
        # Only for new records, whose collections are in memory (no lazy load in a flush).
        state = inspect(obj)
        for key in _links(obj):
            added = state.attrs[key].history.added
            if added:
                values[key] = _ids(added)
    return values


def _entries(session: Session) -> list[dict]:
    changed = [
        obj
        for obj in session.dirty
        if getattr(type(obj), "__audited__", False) and session.is_modified(obj)
    ]
    # Records deleted by the flush itself (a service's places removed from its list, by the
    # delete-orphan cascade) are never in session.deleted: the mapper event below keeps them.
    deleted = list(session.deleted)
    deleted += [obj for obj in session.info.pop(_DELETED, []) if obj not in session.deleted]
    return entries(session.new, changed, deleted)


_DELETED = "audit_deleted_in_flush"


@event.listens_for(Mapper, "after_delete")
def _keep_deleted(_mapper, _connection, target) -> None:
    if getattr(type(target), "__audited__", False):
        session = object_session(target)
        if session is not None:
            session.info.setdefault(_DELETED, []).append(target)


@event.listens_for(Session, "after_soft_rollback")
def _forget_deleted(session: Session, _previous) -> None:
    session.info.pop(_DELETED, None)  # a failed flush deleted nothing


def entries(created: Iterable = (), changed: Iterable = (), deleted: Iterable = ()) -> list[dict]:
    """The audit rows of these records' writes, as the listener writes them at a flush: for
    a write made with statements rather than a flush (an import's thousands of services),
    whose rows are prepared before the write begins. ``changed`` records are compared with
    what was loaded (the attributes' history), so they may be detached."""
    principal = who()
    rows = []

    def add(obj, action, before, after):
        rows.append(
            {
                "user_id": principal.user_id,
                "actor": principal.label[:200],
                "authority_code": principal.authority,
                "channel": principal.channel,
                "action": action,
                "table_name": type(obj).__tablename__,
                "record_id": _record_id(obj),
                "before": before,
                "after": after,
            }
        )

    for obj in created:
        if getattr(type(obj), "__audited__", False):
            add(obj, "create", None, _snapshot(obj, links=True))
    for obj in changed:
        if getattr(type(obj), "__audited__", False):
            before, after = _changes(obj)
            if after:
                add(obj, "update", before, after)
    for obj in deleted:
        if getattr(type(obj), "__audited__", False):
            add(obj, "delete", _snapshot(obj), None)
    return rows


@event.listens_for(Session, "after_flush")
def _write_audit_entries(session: Session, _flush_context) -> None:
    # After the flush new rows have their ids, and attribute history still holds the old
    # values; the entries go through the same connection, hence the same transaction.
    rows = _entries(session)
    if rows:
        session.connection().execute(insert(AuditEntry), rows)


def record(
    session: Session,
    table_name: str,
    record_id: str,
    action: str,
    before: dict | None,
    after: dict | None,
) -> None:
    """Audit a write made with SQL statements rather than mapped objects (a plugin's figure
    table, a placement site), which the listener above cannot see. Same transaction as the
    write, same actor."""
    principal = who()
    session.connection().execute(
        insert(AuditEntry),
        [
            {
                "user_id": principal.user_id,
                "actor": principal.label[:200],
                "authority_code": principal.authority,
                "channel": principal.channel,
                "action": action,
                "table_name": table_name,
                "record_id": str(record_id)[:64],
                "before": _plain_tree(before),
                "after": _plain_tree(after),
            }
        ],
    )


def _plain_tree(value):
    if isinstance(value, dict):
        return {str(key): _plain_tree(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_tree(item) for item in value]
    return _plain(value)


# --- reading the log ---------------------------------------------------------------------

FILTERS = ("table_name", "authority_code", "channel", "user_id")


def query(filters: dict[str, str], limit: int | None = 200):
    statement = select(AuditEntry).order_by(AuditEntry.id.desc())
    for key in FILTERS:
        value = filters.get(key)
        if value:
            statement = statement.where(getattr(AuditEntry, key) == value)
    if limit:
        statement = statement.limit(limit)
    return statement


CSV_COLUMNS = [
    "id",
    "at",
    "actor",
    "user_id",
    "authority_code",
    "channel",
    "action",
    "table_name",
    "record_id",
    "before",
    "after",
]


def export_csv(session: Session, filters: dict[str, str]) -> Iterator[str]:
    """Stream the matching entries as CSV, newest first, a batch of rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for entry in session.scalars(query(filters, limit=None).execution_options(yield_per=500)):
        writer.writerow(
            [
                entry.id,
                entry.at.isoformat(),
                entry.actor,
                entry.user_id or "",
                entry.authority_code or "",
                entry.channel,
                entry.action,
                entry.table_name,
                entry.record_id,
                json.dumps(entry.before, ensure_ascii=False) if entry.before else "",
                json.dumps(entry.after, ensure_ascii=False) if entry.after else "",
            ]
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
