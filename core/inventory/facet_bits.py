"""Facet counts from bitmaps, as search engines count them (Lucene's filter bitsets,
roaring bitmaps): one bitmap per facet value over the services' ids, kept by each process
until the next change to the services (``core.inventory.generation``).

A search's counts were six statements, each over every service the search found: a word
with its synonyms that finds 10,000 of 50,000 services cost 6 × 13 ms on SQLite and 430 ms
on PostgreSQL for the first reader after a change, and again for every new search. Now the
first search after a change reads the whole inventory's facet values once (two statements
of plain rows), and every search's counts are ANDs and popcounts of Python ints (bit ``i``
is the service with id ``i``), whatever it found: well under a millisecond.

The values are those the statements counted: a service's domain, authority, form and state,
the codes in its lists of target groups and languages, the prisons of its places. A reader
who sees only published services gets bitmaps of those only.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import compress

from sqlalchemy import String, and_, cast, select
from sqlalchemy.orm import Session

from core import db
from core.inventory import generation
from core.inventory.models import Service, ServiceLocation

# The facets a service's own row holds (its column), and those of its lists.
SINGLE = {
    "domain": "domain_code",
    "authority": "authority_code",
    "delivery": "delivery",
    "state": "state",
}
LISTS = {"target_group": "target_groups", "language": "languages"}


@dataclass(frozen=True)
class Bitmaps:
    everyone: int  # every service the reader may see
    values: dict[str, dict[str | None, int]]  # facet -> value -> its services


def bitmaps(session: Session, public_only: bool) -> Bitmaps:
    """The bitmaps of the services a reader sees (published ones only, or all). Both kinds
    are made from one reading of the inventory: after a change, the public's first reader
    and the committee's paid a reading each (about 200 ms at 50,000 services)."""
    every, public = generation.cached(session, ("facet-bitmaps",), lambda: _read(session))
    return public if public_only else every


# A bitmap is made and read through its binary digits: int() and bin() convert between an
# int and its digits in C, so the only loop in Python is one step per id (twice to four
# times faster than setting and testing bits a byte at a time).
_AS_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_AS_FLAGS = bytes.maketrans(b"01", b"\x00\x01")
SPARSE = 64  # fewer ids than one in SPARSE: found one by one


def of(ids: Iterable[int]) -> int:
    """The bitmap of ``ids`` (bit ``i`` set for each id ``i``)."""
    ids = list(ids)
    if not ids:
        return 0
    flags = bytearray(max(ids) + 1)
    for ident in ids:
        flags[ident] = 1
    return int(flags[::-1].translate(_AS_DIGITS), 2)


def members(bitmap: int) -> list[int]:
    """The ids in ``bitmap``, in increasing order."""
    digits = bin(bitmap)[:1:-1]  # bit i at position i
    if bitmap.bit_count() * SPARSE < len(digits):
        # A few ids among many: the next "1" found by str.find, in C, instead of a step in
        # Python for each id (a search's names: a few hundred of 50,000).
        found, at = [], digits.find("1")
        while at >= 0:
            found.append(at)
            at = digits.find("1", at + 1)
        return found
    flags = digits.encode().translate(_AS_FLAGS)
    return list(compress(range(len(flags)), flags))


def matching(maps: Bitmaps, chosen: dict[str, str], found: int | None) -> int:
    """The services the reader sees that a search found (``found``: a bitmap; None without
    a query) and that have every ``chosen`` facet value."""
    among = maps.everyone if found is None else maps.everyone & found
    for name, value in chosen.items():
        among &= maps.values.get(name, {}).get(value, 0)
    return among


def counts(
    maps: Bitmaps, within: int, chosen: dict[str, str], facets: Iterable[str]
) -> dict[str, Counter]:
    """For each of ``facets``, how many services of ``within`` each value would give with
    the other facets' ``chosen`` values applied (a facet never narrows its own counts)."""
    narrowed = {name: maps.values.get(name, {}).get(value, 0) for name, value in chosen.items()}
    answer = {}
    for name in facets:
        among = within
        for other, bitmap in narrowed.items():
            if other != name:
                among &= bitmap
        answer[name] = Counter(
            {
                value: found
                for value, bitmap in maps.values.get(name, {}).items()
                if (found := (among & bitmap).bit_count())
            }
        )
    return answer


def _read(session: Session) -> tuple[Bitmaps, Bitmaps]:
    """The bitmaps of every service, and of the published ones the public sees."""
    services, places = Service.__table__, ServiceLocation.__table__
    # Plain rows fetched at once, not ORM objects: 50,000 of them after every change. The
    # lists as their text, each distinct text read once (a few hundred combinations).
    columns = [
        services.c.id,
        and_(services.c.published_at.is_not(None), services.c.active.is_(True)),
        *(services.c[column] for column in SINGLE.values()),
        *(cast(services.c[column], String) for column in LISTS.values()),
    ]
    connection = session.connection()
    rows = db.plain_rows(connection, select(*columns))
    ids: dict[str, dict[str | None, list[int]]] = {}
    everyone = [row[0] for row in rows]
    for position, name in enumerate(SINGLE, start=2):
        ids[name] = _grouped(everyone, (row[position] for row in rows))
    for position, name in enumerate(LISTS, start=2 + len(SINGLE)):
        by_text = _grouped(everyone, (row[position] for row in rows))
        by_code: dict[str | None, list[int]] = defaultdict(list)
        for text, members in by_text.items():
            for code in _codes(text):
                by_code[code].extend(members)
        ids[name] = by_code
    # Every place, from the unique index of places alone (joined to the services, it took
    # twice as long): the prisons' bitmaps are cut to the services that exist below.
    prisons = db.plain_rows(connection, select(places.c.service_id, places.c.prison_code))
    ids["prison"] = _grouped([row[0] for row in prisons], (row[1] for row in prisons))
    every = of(everyone)
    values = {
        name: {value: of(members) for value, members in by_value.items()}
        for name, by_value in ids.items()
    }
    values["prison"] = {code: bitmap & every for code, bitmap in values["prison"].items()}
    public = of(compress(everyone, (row[1] for row in rows)))
    return (
        Bitmaps(everyone=every, values=values),
        Bitmaps(
            everyone=public,
            values={
                name: {value: bitmap & public for value, bitmap in by_value.items()}
                for name, by_value in values.items()
            },
        ),
    )


def _codes(text: str | None) -> set[str]:
    """The codes of a list as stored; anything else (JSON null, a stray number) none."""
    codes = json.loads(text) if text else None
    return {code for code in codes if isinstance(code, str)} if isinstance(codes, list) else set()


def _grouped(idents: list[int], values: Iterable) -> dict:
    groups: dict = defaultdict(list)
    for ident, value in zip(idents, values, strict=True):
        groups[value].append(ident)
    return groups
