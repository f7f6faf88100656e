"""Full-text search over services: SQLite FTS5 or PostgreSQL full-text search.

The table ``service_search`` holds two documents per service, both lower-cased, without
accents and reduced to words separated by spaces (so both databases cut them the same way,
and "reinsertion" finds "réinsertion"):

- at rowid = the service's id, every language of its name and description, its identifier,
  and one *code token* for each of its domain, category, target groups, prisons and
  languages (``zzdomain…``, ``zzcategory…``: single words nobody types);
- at rowid = minus the service's id, its names only: a search ranks the services whose name
  matches first, and the index says which they are.

Both also hold each pair of words that follow each other as one token (``zp<word>0<word>``),
after the other words and codes (``PAIRS_FOLLOW``),
so a synonym of several words ("community service") is a lookup of pairs in the index:
PostgreSQL checks a phrase by reading every candidate's document again, which took 620 ms
for "emploi" at 50,000 services when its words are common ones (38 ms with pairs).

A query is expanded before it reaches the index (core.inventory.lexicon): each word becomes
"this word, as a prefix, or one of its synonyms, or one of these codes", the codes being
those whose labels (the domains, every authority's categories, ...) contain the word. So
the index stores codes, never labels or synonyms: a plugin's vocabulary, a label or the
synonyms file can change without rewriting 50,000 documents, and every search still asks
the full-text index, never each document in turn (``look_up``).

Row 0 names the documents' format; `concerto db upgrade` rebuilds them once when it
changes (``ensure_current``). Each process also keeps the documents' terms as bitmaps and
answers most searches from them (core.inventory.term_bits).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from operator import neg
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Integer, any_, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, selectinload

from core.inventory import facet_bits, generation
from core.inventory.models import Service
from core.inventory.tokens import (
    category_token,
    domain_token,
    language_token,
    prison_token,
    target_group_token,
    words,
)

if TYPE_CHECKING:
    from core.inventory.lexicon import Concept, Expansion, Words

_DIGIT = re.compile(r"\d")
FORMAT = "zzformat4"  # the text of row 0; change it whenever documents change shape
# Between a document's words and codes and its pairs of words: no index keeps a "|" as a
# term, and each process keeps only the pairs the synonyms ask for (core.inventory.term_bits),
# found after it without looking at every term.
PAIRS_FOLLOW = " | "
BATCH = 1000


# --- documents -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """What the index stores for one service: its whole text and its names."""

    text: str
    names: str


def pair_token(first: str, second: str) -> str:
    return f"zp{first}0{second}"


def _pairs(values: Iterable[str | None]) -> list[str]:
    """The pairs of words that follow each other in each of ``values``, leaving out those
    with a digit (numbers make pairs nobody looks for; "0" keeps the two words apart)."""
    found: list[str] = []
    for value in values:
        if value:
            cut = words(value)
            found += [
                pair_token(a, b)
                for a, b in zip(cut, cut[1:], strict=False)
                if not (_DIGIT.search(a) or _DIGIT.search(b))
            ]
    return found


def phrase_tokens(phrase: tuple[str, ...]) -> list[str] | None:
    """The pair tokens a phrase of several words is looked up by, or None when it cannot
    be (a word with a digit)."""
    if any(_DIGIT.search(word) for word in phrase):
        return None
    return [pair_token(a, b) for a, b in zip(phrase, phrase[1:], strict=False)]


def document_of(
    *,
    authority: str,
    external_id: str,
    category: str,
    domain: str,
    names: Mapping[str, str | None],
    descriptions: Mapping[str, str | None],
    target_groups: Iterable[str] = (),
    languages: Iterable[str] = (),
    prisons: Iterable[str] = (),
) -> Document:
    name_words = words(" ".join(value for value in names.values() if value))
    tokens = [domain_token(domain), category_token(authority, category)]
    tokens += [target_group_token(code) for code in target_groups]
    tokens += [prison_token(code) for code in prisons]
    tokens += [language_token(code) for code in languages]
    body = words(" ".join([external_id, *(value for value in descriptions.values() if value)]))
    name_pairs = _pairs(names.values())
    pairs = [*name_pairs, *_pairs(descriptions.values())]
    return Document(
        text=f"{' '.join([*name_words, *body, *tokens])}{PAIRS_FOLLOW}{' '.join(pairs)}",
        names=f"{' '.join(name_words)}{PAIRS_FOLLOW}{' '.join(name_pairs)}",
    )


def document(service: Service) -> Document:
    return document_of(
        authority=service.authority_code,
        external_id=service.external_id or "",
        category=service.category or "",
        domain=service.domain_code or "",
        names=service.texts("name"),
        descriptions=service.texts("description"),
        target_groups=service.target_groups or [],
        languages=service.languages or [],
        prisons=service.prison_codes(),
    )


def index(session: Session, service: Service) -> None:
    """Store the service's current documents (after a create or update)."""
    index_many(session, [service])


def index_many(session: Session, services: list[Service]) -> None:
    store_documents(session, [(service.id, document(service)) for service in services])


def store_documents(session: Session, documents: list[tuple[int, Document]]) -> None:
    """Store (service id, document) pairs in two statements (an import's thousands)."""
    store_rows(session.connection(), document_rows(documents))


def document_rows(documents: Iterable[tuple[int, Document]]) -> list[tuple[int, str]]:
    """The rows of the services' documents, (rowid, text), for ``store_rows``, in ascending
    rowid order: FTS5 writes out what it holds in memory each time a rowid is lower than the
    one before, and the names' negative rowids interleaved with the documents' made 20,000
    services cost 2 s instead of 0.6 s, under the write lock."""
    return sorted(
        row
        for service_id, document in documents
        for row in ((service_id, document.text), (-service_id, document.names))
    )


def store_rows(connection, rows: list[tuple[int, str]]) -> None:
    """Replace the documents of ``rows`` (from ``document_rows``). The values go to the
    driver as they are: an import prepares them before its write begins."""
    if not rows:
        return
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(
        f"DELETE FROM service_search WHERE rowid = {mark}", [(rowid,) for rowid, _text in rows]
    )
    connection.exec_driver_sql(
        f"INSERT INTO service_search (rowid, document) VALUES ({mark}, {mark})", rows
    )


def is_current(session: Session) -> bool:
    found = session.execute(text("SELECT document FROM service_search WHERE rowid = 0"))
    return found.scalar() == FORMAT


def rebuild(session: Session) -> int:
    """Write every service's documents again, and the format row; returns how many."""
    session.execute(text("DELETE FROM service_search"))
    done, last = 0, 0
    while True:
        batch = session.scalars(
            select(Service)
            .where(Service.id > last)
            .options(selectinload(Service.locations))
            .order_by(Service.id)
            .limit(BATCH)
        ).all()
        if not batch:
            break
        index_many(session, list(batch))
        done, last = done + len(batch), batch[-1].id
        session.expunge_all()  # 50,000 services need not stay in memory
    session.execute(
        text("INSERT INTO service_search (rowid, document) VALUES (0, :format)"),
        {"format": FORMAT},
    )
    # Every document was written again: each process's terms (core.inventory.term_bits)
    # read again those whose stamp moved, after a change of the inventory. Every service's
    # stamp moves, one written before stamps were kept (migration 0031) gets its first.
    # ("WHERE true": SQLite's UPSERT after a SELECT.)
    session.execute(
        text(
            "INSERT INTO service_stamps (service_id, stamp) SELECT id, 1 FROM services "
            "WHERE true ON CONFLICT (service_id) DO UPDATE SET stamp = service_stamps.stamp + 1"
        )
    )
    generation.bump(session)
    return done


def ensure_current(session: Session) -> int | None:
    """Rebuild the documents if they are of an older format (once, after an upgrade);
    returns how many services were indexed, or None when nothing was needed."""
    if is_current(session):
        return None
    return rebuild(session)


# --- queries -------------------------------------------------------------------------------


def looked_up(synonym: Words) -> tuple[list[str], bool]:
    """(the index words a synonym is, all needed; whether the last is a prefix)."""
    if len(synonym.words) > 1:
        pairs = phrase_tokens(synonym.words)
        if pairs is not None:
            return pairs, synonym.prefix
    return list(synonym.words), synonym.prefix


def _sqlite_words(synonym: Words) -> str:
    found, prefix = looked_up(synonym)
    last = len(found) - 1
    quoted = [f'"{w}"{"*" if prefix and i == last else ""}' for i, w in enumerate(found)]
    return f"({' AND '.join(quoted)})" if last else quoted[0]


def _postgres_words(synonym: Words) -> str:
    found, prefix = looked_up(synonym)
    last = len(found) - 1
    marked = [f"{w}{':*' if prefix and i == last else ''}" for i, w in enumerate(found)]
    return f"({' & '.join(marked)})" if last else marked[0]


def _sqlite_concept(concept: Concept, typed_only: bool) -> str:
    typed = " AND ".join(f'"{word}"*' for word in concept.typed)
    parts = [f"({typed})" if len(concept.typed) > 1 else typed]
    if not typed_only:
        parts += [_sqlite_words(words) for words in concept.synonyms]
        parts += [f'"{token}"' for token in concept.tokens]
    return "(" + " OR ".join(parts) + ")"


def _postgres_concept(concept: Concept, typed_only: bool) -> str:
    typed = " & ".join(f"{word}:*" for word in concept.typed)
    parts = [f"({typed})" if len(concept.typed) > 1 else typed]
    if not typed_only:
        parts += [_postgres_words(words) for words in concept.synonyms]
        parts += list(concept.tokens)
    return "(" + " | ".join(parts) + ")"


def expression(dialect: str, expansion: Expansion, typed_only: bool = False) -> str:
    """The full-text query for ``expansion``: every concept, each as the words typed, or
    any of its synonyms or codes (``typed_only``: as typed, without synonyms or codes)."""
    if dialect == "sqlite":
        return " AND ".join(_sqlite_concept(c, typed_only) for c in expansion.concepts)
    return " & ".join(_postgres_concept(c, typed_only) for c in expansion.concepts)


def _select(session: Session, query: str):
    """The ids of the rows whose document matches ``query``, as one JSON array: a common
    word's 20,000 rows fetched one by one took as long as the index took to find them (8.5
    against 5.2 ms in one array on SQLite)."""
    if session.get_bind().dialect.name == "sqlite":
        found = "json_group_array(rowid)"
        matched = "service_search MATCH :q"
    else:
        found = "CAST(json_agg(rowid) AS text)"
        matched = "terms @@ to_tsquery('simple', :q)"
    # Whole documents are at the services' ids, names at minus them: "rowid" gives the
    # services whose document matches, "-rowid" those whose name does; the other kind's
    # rows give ids no service has. No condition on rowid, which would let PostgreSQL
    # read documents by their key instead of asking the full-text index.
    # unique: a ranked search holds several of these fragments in one statement
    return text(f"SELECT {found} FROM service_search WHERE {matched}").bindparams(
        bindparam("q", value=query, unique=True)
    )


@dataclass(frozen=True)
class Found:
    """What the index answered for one search, as bitmaps (core.inventory.facet_bits): the
    services whose document matches every concept, and, for a ranked search, those whose
    name has the words as typed and those whose name matches with synonyms."""

    dialect: str
    bitmap: int = 0
    names_as_typed: int = 0
    names: int = 0

    @cached_property
    def service_ids(self) -> list[int]:
        return facet_bits.members(self.bitmap)

    @cached_property
    def services(self) -> ColumnElement[bool]:
        """The services found, as a condition on their ids (for statements that filter in
        the database: the downloads, the coverage)."""
        ids = self.service_ids
        if self.dialect == "sqlite":  # a JSON array: one parameter however many ids
            found = func.json_each(bindparam("found", json.dumps(ids), unique=True))
            return Service.id.in_(select(found.table_valued("value").c.value))
        return Service.id == any_(bindparam("found", ids, type_=ARRAY(Integer), unique=True))


def _ids(session: Session, statement) -> list[int]:
    return json.loads(session.execute(statement).scalar() or "[]")


def look_up(session: Session, expansion: Expansion, ranked: bool = False) -> Found:
    """Ask the full-text index for ``expansion`` (``ranked``: also which names match).

    A search is answered from the terms each process keeps (core.inventory.term_bits, the
    same documents); the database is asked by a transaction that changed the inventory,
    which must see its own writes.

    The index is asked once, in statements of its own, and the ids it gives are handed to
    the statements about the services (the order, the total, each facet's counts). Written
    as a subquery of each of them, an everyday word with its synonyms ("werk": 17 terms,
    some of them beginnings of words) was matched again by every statement: seven times
    18 to 40 ms at 50,000 services on SQLite. PostgreSQL prices matching a document at one
    operator whatever the query, so a query rich in synonyms (40 terms for "emploi") looked
    cheaper to check against all 100,000 documents one by one than to ask the index (318 ms
    against 47 at 50,000 services): its statements run with sequential scans made the last
    resort (a statement on this one table is then left with its full-text index). One
    statement answers for documents and names at once (names are at minus the ids), a
    second one only for the names as typed when synonyms were added.
    """
    dialect = session.get_bind().dialect.name
    expanded = expression(dialect, expansion)
    as_typed = expression(dialect, expansion, typed_only=True)
    if dialect != "sqlite":
        session.execute(text("SET LOCAL enable_seqscan = off"))
    try:
        rowids = _ids(session, _select(session, expanded))
        typed_rowids = (
            _ids(session, _select(session, as_typed))
            if ranked and expansion.has_synonyms
            else rowids
        )
    finally:
        if dialect != "sqlite":
            session.execute(text("SET LOCAL enable_seqscan TO DEFAULT"))

    # Names are at minus the ids: in ascending order (SQLite's already is), the names come
    # first and the documents after row 0, cut apart by two bisections, not by a test of
    # each of a common word's 20,000 rows.
    rowids.sort()
    names_end, documents_start = bisect_left(rowids, 0), bisect_left(rowids, 1)
    found = facet_bits.of(rowids[documents_start:])
    if not ranked:
        return Found(dialect=dialect, bitmap=found)
    typed_rowids.sort()
    return Found(
        dialect=dialect,
        bitmap=found,
        names_as_typed=facet_bits.of(map(neg, typed_rowids[: bisect_left(typed_rowids, 0)])),
        names=facet_bits.of(map(neg, rowids[:names_end])) if expansion.has_synonyms else 0,
    )
