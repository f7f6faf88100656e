"""Finding services: the filters of the search page and the API (facets, a query with its
synonyms, a sort and a page), the services they find and how many of each facet's values,
kept until the next change to the services (``core.inventory.generation``)."""

from __future__ import annotations

import dataclasses
from array import array
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, case, cast, select
from sqlalchemy.orm import Session, selectinload

from core.inventory import facet_bits, generation, search
from core.inventory.lexicon import Expansion, Lexicon, expand
from core.inventory.models import LANGUAGE_CODES, Service, ServiceLocation, name_order
from core.reference.models import TargetGroup

LANGS = ("nl", "fr", "en")


# --- finding services ------------------------------------------------------------------------

FACETS = ("domain", "prison", "target_group", "language", "authority", "delivery", "state")
# "relevance" (the default with a query): names that match what was typed, then names that
# match a synonym, then services of the domains the synonyms name, then the rest; each
# group by name.
SORTS = ("relevance", "name", "updated", "authority")  # how each orders: _sort_keys


@dataclass
class Filters:
    query: str = ""
    domain: str = ""
    prison: str = ""
    target_group: str = ""
    language: str = ""
    authority: str = ""
    delivery: str = ""
    state: str = ""
    public_only: bool = True
    sort: str = "name"
    page: int = 1
    per_page: int = 25
    reading: str = "nl"  # the reader's language: names sort in it
    # The enabled authorities' categories, whose labels a query matches (lexicon.vocabulary_of).
    vocabulary: dict[str, list] = dataclasses.field(default_factory=dict, repr=False)
    _lexicon: Lexicon | None = dataclasses.field(default=None, init=False, repr=False)
    _expansion: Expansion | None = dataclasses.field(default=None, init=False, repr=False)
    _found: search.Found | None = dataclasses.field(default=None, init=False, repr=False)

    @classmethod
    def from_args(
        cls, args, public_only: bool, reading: str = "nl", vocabulary: dict | None = None
    ) -> Filters:
        def one(name: str) -> str:
            return (args.get(name) or "").strip()[:100]

        try:
            page = max(1, min(int(args.get("page", 1)), 10_000))
            per_page = max(1, min(int(args.get("per_page", 25)), 250))
        except ValueError:
            page, per_page = 1, 25
        query = one("q")
        sort = one("sort") if one("sort") in SORTS else ("relevance" if query else "name")
        return cls(
            query=query,
            **{name: one(name) for name in FACETS},
            public_only=public_only,
            sort=sort,
            page=page,
            per_page=per_page,
            reading=reading if reading in LANGS else "nl",
            vocabulary=vocabulary or {},
        )

    def lexicon(self, session: Session) -> Lexicon:
        """The labels and synonyms the query is read with, loaded once per search."""
        if self._lexicon is None:
            self._lexicon = Lexicon.load(session, self.vocabulary)
        return self._lexicon

    def expansion(self, session: Session) -> Expansion | None:
        """The query with its synonyms and the codes it names (core.inventory.lexicon)."""
        if not self.query:
            return None
        if self._expansion is None:
            self._expansion = expand(self.query, self.lexicon(session))
        return self._expansion

    def found(self, session: Session) -> search.Found | None:
        """What the full-text index answered for the query, asked once per search."""
        expansion = self.expansion(session)
        if expansion is None or not expansion.concepts:
            return None
        if self._found is None:
            self._found = search.look_up(session, expansion, ranked=self.sort == "relevance")
        return self._found

    def counting_key(self, session: Session) -> tuple:
        """What the total and the facet counts depend on (not the page, its size or order):
        the expanded query, so a changed label or synonym is never answered from the cache."""
        expansion = self.expansion(session)
        meant = expansion.key() if expansion else None
        return (meant, *(getattr(self, name) for name in FACETS), self.public_only)

    def args(self, **changes) -> dict[str, Any]:
        """The query string of this search with ``changes``: shareable URLs."""
        default_sort = "relevance" if self.query else "name"
        values = {
            "q": self.query,
            **{name: getattr(self, name) for name in FACETS},
            "sort": "" if self.sort == default_sort else self.sort,
            "page": self.page,
        } | changes
        return {
            key: value
            for key, value in values.items()
            if value not in ("", None) and not (key == "page" and value == 1)
        }


def _conditions(session: Session, filters: Filters, skip: str | None = None) -> list:
    conditions = []
    if filters.public_only:
        conditions.append(Service.published_at.is_not(None))
        conditions.append(Service.active.is_(True))
    found = filters.found(session)
    if found is not None:
        conditions.append(found.services)
    simple = {
        "domain": Service.domain_code,
        "authority": Service.authority_code,
        "delivery": Service.delivery,
        "state": Service.state,
    }
    for name, column in simple.items():
        value = getattr(filters, name)
        if value and name != skip:
            conditions.append(column == value)
    if filters.prison and skip != "prison":
        # A test per service (one lookup in the unique index of its places), not a list of
        # every service held in the prison: a page walked in name order stops after 25.
        conditions.append(
            select(ServiceLocation.id)
            .where(
                ServiceLocation.service_id == Service.id,
                ServiceLocation.prison_code == filters.prison,
            )
            .exists()
        )
    for name, column in (("target_group", Service.target_groups), ("language", Service.languages)):
        value = getattr(filters, name)
        if value and name != skip:
            conditions.append(_json_contains(session, column, value))
    return conditions


def _json_contains(session: Session, column, value: str):
    # JSON lists of codes: one portable test, on the quoted code inside the serialised list.
    return cast(column, String).like(f'%"{value}"%')


def find(session: Session, filters: Filters) -> tuple[list[Service], int]:
    """One page of the services ``filters`` find, and how many they find in all.

    The order of all of them (their ids, read from the index of names in the reader's
    language, or ranked) is kept until the next change to the services, like the facet
    counts: every page and every later reader of the same search reads 25 services by their
    ids, whatever the inventory's size. Only the first reader after a change sorts."""
    order = generation.cached(
        session,
        ("order", filters.counting_key(session), filters.sort, filters.reading),
        lambda: _order(session, filters),
        orders=True,
    )
    start = (filters.page - 1) * filters.per_page
    ids = list(order[start : start + filters.per_page])
    if not ids:
        # Past the last page there is nothing to read (page 10^9 reads no row at all).
        return [], len(order)
    found = session.scalars(
        select(Service).where(Service.id.in_(ids)).options(selectinload(Service.locations))
    )
    position = {service_id: number for number, service_id in enumerate(ids)}
    return sorted(found, key=lambda service: position[service.id]), len(order)


def _order(session: Session, filters: Filters) -> array:
    """The ids of every service ``filters`` find, in the page's order (a compact array: 8
    bytes an id)."""
    statement = (
        select(Service.id)
        .where(*_conditions(session, filters))
        .order_by(*_directed(_sort_keys(session, filters), filters))
    )
    # Read as plain rows, not through the ORM: half the time for 50,000 ids.
    return array("q", session.connection().execute(statement).scalars())


def _sort_keys(session: Session, filters: Filters) -> list:
    """What a page is sorted by, the id last so that equal names keep one order."""
    if filters.sort == "updated":
        return [Service.updated_at, Service.id]
    if filters.sort == "authority":
        return [Service.authority_code, Service.id]
    name = name_order(filters.reading)
    found = filters.found(session)
    if filters.sort == "relevance" and found is not None:
        return [_relevance(found, filters.expansion(session)), name, Service.id]
    return [name, Service.id]


def _directed(keys: list, filters: Filters) -> list:
    # The latest change first (equal moments, as an import's, by the latest id: the index of
    # changes, read backwards); every other key ascending.
    return [key.desc() for key in keys] if filters.sort == "updated" else keys


def _relevance(found: search.Found, expansion: Expansion):
    """0 for a name that matches the words as typed, 1 for one that matches with synonyms
    (each a lookup in the index of names, not a scan of the services), 2 for a service of
    a domain the synonyms name ("werk": the labour market before "herstelgericht werken"),
    3 for the rest."""
    tiers = [(found.names_as_typed, 0)]
    if found.names is not None:
        tiers.append((found.names, 1))
    if expansion.domains:
        tiers.append((Service.domain_code.in_(expansion.domains), 2))
    return case(*tiers, else_=3)


def facet_counts(session: Session, filters: Filters) -> dict[str, Counter]:
    """For each facet, how many services each value would give, the other facets applied.
    Kept until the next change to the services (``core.inventory.generation``)."""

    return generation.cached(
        session,
        ("facets", filters.counting_key(session)),
        lambda: _facet_counts(session, filters),
    )


def _facet_counts(session: Session, filters: Filters) -> dict[str, Counter]:
    maps = facet_bits.bitmaps(session, filters.public_only)
    within = maps.everyone
    found = filters.found(session)
    if found is not None:
        within &= facet_bits.of(found.service_ids)
    chosen = {name: getattr(filters, name) for name in FACETS if getattr(filters, name)}
    counts = facet_bits.counts(
        maps,
        within,
        chosen,
        [name for name in FACETS if not (filters.public_only and name == "state")],
    )
    # The lists count only the codes the reference knows (a code left in a list by an older
    # release is not a choice).
    known = {
        "target_group": set(session.scalars(select(TargetGroup.code))),
        "language": set(LANGUAGE_CODES),
    }
    for name, codes in known.items():
        counts[name] = Counter({code: n for code, n in counts[name].items() if code in codes})
    return counts
