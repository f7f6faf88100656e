"""A counter of committed changes to the services, and the cache of figures keyed by it.

Facet counts and result totals are aggregates over every matching service: at 10,000
services they were most of a search page's time. They change only when a service does, so
each process keeps them in a small cache keyed by the database and this counter. Every
flush that adds, changes or deletes a service or one of its places increments the counter
in the same transaction (once per transaction), so a change committed by any worker makes
every worker's cached figures unreachable at once; nothing is ever served stale.

What the public pages show beside services counts too (``COUNTED``): the names of prisons,
domains, target groups and authorities, organisations and a service's last confirmation; a
change to any of them is a change of the inventory as its readers see it (the cache of pages,
core.inventory.page_cache, is keyed by this counter). A bulk ``update()`` or ``delete()``
run through a session skips the flush and is counted when it runs.

Writes that bypass the ORM (the synthetic seed, a restore) call ``bump`` themselves.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from itertools import chain
from typing import Any

from sqlalchemy import BigInteger, Column, Integer, Table, event, select
from sqlalchemy.orm import Session

from core.db import Base
from core.inventory.models import Organization, Service, ServiceAssurance, ServiceLocation
from core.reference.models import Authority, Prison, ServiceDomain, TargetGroup

inventory_generation = Table(
    "inventory_generation",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("generation", BigInteger, nullable=False),
)
_ROW = inventory_generation.c.id == 1
_COUNTED = "concerto.inventory_counted"  # in Session.info: this transaction bumped already
_READ = "concerto.inventory_generation"  # in Session.info: the counter this transaction read
CACHE_SIZE = 512  # distinct searches kept per process; each entry is a few small dicts
# The order of each search's services (core.inventory.finding): a list of ids, 400 KB for all
# 50,000 services, so fewer of them are kept.
ORDERS_SIZE = 64

_cache: OrderedDict[Hashable, Any] = OrderedDict()
_orders: OrderedDict[Hashable, Any] = OrderedDict()
_lock = threading.Lock()


def bump(session: Session) -> None:
    session.info.pop(_READ, None)
    session.info[_COUNTED] = True
    session.connection().execute(
        inventory_generation.update()
        .where(_ROW)
        .values(generation=inventory_generation.c.generation + 1)
    )


def current(session: Session) -> int:
    """The counter, read once per transaction (a search page asks for it twice)."""
    if _READ not in session.info:
        query = select(inventory_generation.c.generation).where(_ROW)
        session.info[_READ] = session.scalar(query) or 0
    return session.info[_READ]


# What a change to counts as a change of the inventory (see the module's docstring).
COUNTED = (
    Service,
    ServiceLocation,
    Organization,
    ServiceAssurance,
    Prison,
    ServiceDomain,
    TargetGroup,
    Authority,
)


def changed_here(session: Session) -> bool:
    """Whether this transaction changed the inventory (and may still roll back): what it
    sees is its own, never anything kept."""
    return bool(session.info.get(_COUNTED))


@event.listens_for(Session, "before_flush")
def _count_changes(session: Session, _context, _instances) -> None:
    if changed_here(session):
        return
    touched = chain(session.new, session.dirty, session.deleted)
    if any(isinstance(item, COUNTED) for item in touched):
        bump(session)


@event.listens_for(Session, "do_orm_execute")
def _count_bulk_changes(state) -> None:
    """A bulk ``session.execute(update(Prison)...)`` skips the flush: counted here."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    if changed_here(state.session):
        return
    if any(issubclass(mapper.class_, COUNTED) for mapper in state.all_mappers):
        bump(state.session)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_COUNTED, None)
        session.info.pop(_READ, None)


def flush_pending(session: Session) -> None:
    """Flush what the session holds unflushed: changes not yet flushed count as changes (and
    bump the counter), so ``changed_here`` says the truth before anything kept is read."""
    if session.new or session.dirty or session.deleted:
        session.flush()


def cached(
    session: Session, key: Hashable, compute: Callable[[], Any], orders: bool = False
) -> Any:
    """``compute()``, or what it gave for ``key`` on this database since its last change
    (``orders``: kept among the fewer, larger orders of services)."""
    flush_pending(session)
    if changed_here(session):
        return compute()
    store, size = (_orders, ORDERS_SIZE) if orders else (_cache, CACHE_SIZE)
    full_key = (str(session.get_bind().url), current(session), key)
    with _lock:
        if full_key in store:
            store.move_to_end(full_key)
            return store[full_key]
    value = compute()
    with _lock:
        store[full_key] = value
        while len(store) > size:
            store.popitem(last=False)
    return value


def clear() -> None:
    """Forget every kept figure and order (tests that read a plan; a process never needs it:
    a change moves the keys on)."""
    with _lock:
        _cache.clear()
        _orders.clear()
