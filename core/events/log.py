"""Reading the log of events: who may see which event, in which order events are read, and
where each reader of the log is.

Order. SQLite writes one transaction at a time, so an event's id is also the order in which
events became visible. PostgreSQL hands out ids before commit: a long transaction (an import)
may commit event 100 after a short one committed event 101, and a reader that had kept "101"
would never see 100. There each event carries its transaction (``Event.tx``), events are read
in (transaction, id) order, and only those of transactions older than every running one,
which can no longer be joined by an earlier event. A reader's place is such a ``Position``.

Visibility. Each event says who may see it (``Event.visibility``); what each value allows is
decided here by core.permissions, the rules the pages themselves follow.
"""

from __future__ import annotations

import base64
import binascii
from typing import NamedTuple

from flask import current_app, has_app_context
from sqlalchemy import and_, false, func, or_, select, true, tuple_
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.events.models import Event, EventReader
from core.permissions import Principal, can

PUBLIC = "public"
LOGGED_IN = "logged_in"
COMMITTEE = "committee"
SECRETARIAT = "secretariat"
AUTHORITY = "authority:"  # followed by the authority's code

# Who may see an event of each visibility: the permission that decides it.
_ACTIONS = {LOGGED_IN: "meetings.read", COMMITTEE: "shared.read", SECRETARIAT: "meetings.manage"}


def authority_level(code: str) -> str:
    return AUTHORITY + code


def _authority_codes() -> list[str]:
    if not has_app_context():
        return []
    registry = current_app.extensions.get("concerto.registry")
    return sorted(registry.authorities) if registry is not None else []


def levels_for(principal: Principal, authorities: list[str] | None = None) -> list[str] | None:
    """The visibility values ``principal`` may see; None for everything (the command line
    and jobs). ``authorities``: the codes to consider (default: the registry's)."""
    if principal.is_system:
        return None
    levels = [PUBLIC]
    levels += [level for level, action in _ACTIONS.items() if can(principal, action)]
    codes = _authority_codes() if authorities is None else authorities
    levels += [
        authority_level(code)
        for code in codes
        if can(principal, "inventory.read_unpublished", code)
    ]
    return levels


def may_see(principal: Principal, event: Event | str) -> bool:
    """Whether ``principal`` may see ``event`` (or an event of this visibility)."""
    visibility = event if isinstance(event, str) else event.visibility
    if principal.is_system or visibility == PUBLIC:
        return True
    if visibility.startswith(AUTHORITY):
        return can(principal, "inventory.read_unpublished", visibility[len(AUTHORITY) :])
    action = _ACTIONS.get(visibility)
    return action is not None and can(principal, action)


def visible_to(principal: Principal, authorities: list[str] | None = None):
    """A condition on ``Event`` for the events ``principal`` may see."""
    levels = levels_for(principal, authorities)
    return true() if levels is None else Event.visibility.in_(levels)


# --- order -----------------------------------------------------------------------------------


class Position(NamedTuple):
    """A place in the log: after the event of this transaction (0 on SQLite) and id."""

    tx: int
    id: int


START = Position(0, 0)


def position_of(event: Event) -> Position:
    return Position(event.tx or 0, event.id)


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def after(session: Session, position: Position):
    """A condition on ``Event``: settled events after ``position``, and the order to read
    them in."""
    if not _postgres(session):
        return Event.id > position.id, (Event.id,)
    # Events without a transaction (copied from SQLite by a restore) come first, as 0.
    tx = func.coalesce(Event.tx, 0)
    settled = tx < func.txid_snapshot_xmin(func.txid_current_snapshot())
    later = tuple_(tx, Event.id) > tuple_(position.tx, position.id)
    return and_(later, settled), (tx, Event.id)


def read(
    session: Session,
    position: Position = START,
    *,
    principal: Principal | None = None,
    kinds: list[str] | None = None,
    where=None,
    limit: int = 100,
) -> list[Event]:
    """The settled events after ``position``, in log order: those ``principal`` may see
    (all without one), of ``kinds`` (names, or prefixes ending in "." such as "service."),
    matching ``where`` (a further condition on ``Event``)."""
    condition, order = after(session, position)
    statement = select(Event).where(condition)
    if principal is not None:
        statement = statement.where(visible_to(principal))
    if kinds:
        statement = statement.where(of_kinds(kinds))
    if where is not None:
        statement = statement.where(where)
    return session.scalars(statement.order_by(*order).limit(limit)).all()


def of_kinds(kinds: list[str]):
    """A condition on ``Event.kind``: each of ``kinds`` is a kind, or a prefix ending in "."
    (``service.`` for every change of a service)."""
    exact = [kind for kind in kinds if not kind.endswith(".")]
    prefixes = [kind for kind in kinds if kind.endswith(".")]
    conditions = [Event.kind.in_(exact)] if exact else []
    conditions += [Event.kind.startswith(prefix, autoescape=True) for prefix in prefixes]
    return or_(*conditions) if conditions else false()


# --- cursors for people: opaque, so that the order's parts may change ---------------------------


def encode(position: Position) -> str:
    raw = f"1.{position.tx}.{position.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> Position | None:
    """The position a cursor stands for; None when it is not one this platform gave."""
    if not cursor or len(cursor) > 80:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        version, tx, ident = raw.split(".")
        position = Position(int(tx), int(ident))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if version != "1" or position.tx < 0 or position.id < 0 or position.id > 2**31:
        return None
    return position


def end_of_log(session: Session) -> Position:
    """The position after the last settled event: where a reader starts that wants only what
    happens from now on."""
    condition, order = after(session, START)
    last = session.scalars(
        select(Event).where(condition).order_by(*(column.desc() for column in order)).limit(1)
    ).first()
    return START if last is None else position_of(last)


# --- readers' places -------------------------------------------------------------------------


def reader_of(session: Session, reader: str, start: Position = START) -> EventReader:
    """The reader's row, made (at ``start``) the first time."""
    found = session.get(EventReader, reader)
    if found is None:
        found = EventReader(
            reader=reader,
            after_tx=start.tx,
            after_id=start.id,
            delivered=0,
            failures=0,
            skipped=0,
            attempts=0,
            updated_at=utcnow(),
        )
        session.add(found)
        session.flush()
    return found


def place_of(session: Session, reader: str) -> Position:
    found = session.get(EventReader, reader)
    return START if found is None else Position(found.after_tx, found.after_id)


def move_to(session: Session, reader: str, position: Position) -> None:
    found = reader_of(session, reader)
    found.after_tx, found.after_id = position
    found.attempts = 0
    found.updated_at = utcnow()
