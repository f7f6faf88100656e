"""Finding services: the filters of the search page and the API (facets, a query with its
synonyms, a sort and a page), the services they find and how many of each facet's values,
kept until the next change to the services (``core.inventory.generation``)."""

from __future__ import annotations

import dataclasses
from array import array
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session, selectinload

from core import db
from core.inventory import facet_bits, generation, search, term_bits
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
            self._found = term_bits.look_up(session, expansion, ranked=self.sort == "relevance")
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
    # JSON lists of codes: one portable test, on the quoted code inside the serialised list
    # ("_r" is no pattern: the same services as the page's bitmaps find).
    literal = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return cast(column, String).like(f'%"{literal}"%', escape="\\")


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
    bytes an id).

    The services found are a bitmap (core.inventory.facet_bits: what the reader sees, what
    the full-text index found, each facet value chosen), put in the sort's order by each
    service's place in the order of the whole inventory, which is read once per change from
    the index that serves it. A ranked search puts its tiers one after the other, each in
    name order. A search asked for the first time sorts only what it found, in the process,
    instead of a statement over the services with every filter and tier."""
    maps = facet_bits.bitmaps(session, filters.public_only)
    found = filters.found(session)
    matched = facet_bits.matching(
        maps, _chosen(filters), found.bitmap if found is not None else None
    )
    if filters.sort == "relevance" and found is not None:
        groups = _tiers(matched, found, filters.expansion(session), maps)
    else:
        groups = [facet_bits.members(matched)]
    ranks = _ranks(session, filters)
    rank = ranks.__getitem__
    if matched.bit_length() > len(ranks):
        # A service committed by another worker after this request read the counter (its
        # bitmaps read since, the order kept by an earlier request): last, by id, for this
        # one request; the next one reads the new counter.
        def rank(ident: int, known: int = len(ranks)) -> int:
            return ranks[ident] if ident < known else known + ident

    order = array("q")
    for group in groups:
        order.extend(sorted(group, key=rank))
    return order


def _chosen(filters: Filters) -> dict[str, str]:
    return {name: getattr(filters, name) for name in FACETS if getattr(filters, name)}


def _ranks(session: Session, filters: Filters) -> array:
    """Each service's place (at its id) in the order of the whole inventory by the sort's
    keys: by name in the reading language for the name and for each tier of relevance."""
    sort = "name" if filters.sort == "relevance" else filters.sort
    reading = filters.reading if sort == "name" else ""
    return generation.cached(
        session,
        ("ranks", sort, reading),
        lambda: _read_ranks(session, sort, reading),
        orders=True,
    )


def _read_ranks(session: Session, sort: str, reading: str) -> array:
    statement = select(Service.id).order_by(*_directed(_sort_keys(sort, reading), sort))
    ids = [row[0] for row in db.plain_rows(session.connection(), statement)]
    ranks = array("i", [0]) * (max(ids, default=0) + 1)
    for position, ident in enumerate(ids):
        ranks[ident] = position
    return ranks


def _sort_keys(sort: str, reading: str) -> list:
    """What a page is sorted by, the id last so that equal names keep one order."""
    if sort == "updated":
        return [Service.updated_at, Service.id]
    if sort == "authority":
        return [Service.authority_code, Service.id]
    return [name_order(reading), Service.id]


def _directed(keys: list, sort: str) -> list:
    # The latest change first (equal moments, as an import's, by the latest id: the index of
    # changes, read backwards); every other key ascending.
    return [key.desc() for key in keys] if sort == "updated" else keys


def _tiers(
    matched: int, found: search.Found, expansion: Expansion, maps: facet_bits.Bitmaps
) -> list[list[int]]:
    """The ids of the services found in the tiers of relevance: first those whose name
    matches the words as typed, then those whose name matches with synonyms, then those of a
    domain the synonyms name ("werk": the labour market before "herstelgericht werken"),
    then the rest: bitmaps, each read once."""
    typed = matched & found.names_as_typed
    named = matched & found.names & ~typed
    rest = matched & ~(typed | named)
    domains = 0
    for code in expansion.domains:
        domains |= maps.values.get("domain", {}).get(code, 0)
    in_domains = rest & domains
    return [facet_bits.members(tier) for tier in (typed, named, in_domains, rest & ~in_domains)]


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
        within &= found.bitmap
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
        "target_group": generation.cached(
            session,
            ("target-group-codes",),
            lambda: frozenset(session.scalars(select(TargetGroup.code))),
        ),
        "language": set(LANGUAGE_CODES),
    }
    for name, codes in known.items():
        counts[name] = Counter({code: n for code, n in counts[name].items() if code in codes})
    return counts
