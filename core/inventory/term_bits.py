"""The search documents' terms kept by each process as bitmaps (issue 25), as the facets
are (core.inventory.facet_bits): a search asked for the first time is answered in the
process, from the same documents the database's full-text index holds, instead of by that
index.

PostgreSQL's GIN index took about 17 ms for a median everyday search at 50,000 services:
it merges some 45 terms' lists (what was typed, its synonyms, the codes its words name),
then visits the table for each of the 11,000 rows it found to hand their ids back. FTS5
took about 4 ms. Here the same question is a few ORs and ANDs of Python ints.

What is kept, once for whole documents and once for names (core.inventory.search: the
same documents, so the same answers): each term's services, as a bitmap for a common term
and as an array of ids for a rare one (a bitmap costs an eighth of the largest id in
bytes whatever it holds); the terms sorted, so that a prefix is a range of them.

Kept up to date from the changes, as a search engine keeps its segments: after a change of
the inventory (core.inventory.generation), each service's stamp is read again
(core.inventory.hsds_store: a counter the database itself moves on at every write to what
a document is made of). The services whose stamp moved are read again into a small index of
recent documents, which answers for them instead of the large one (Lucene's new segment and
deleted documents); when they become many, everything is read again. Stamps are read before
documents, so a document read is never older than the stamp kept for it: a change committed
in between is read again next time, never missed. A transaction that changed the inventory
itself asks the database (``core.inventory.search.look_up``), which sees its own writes.
"""

from __future__ import annotations

import functools
import threading
from array import array
from bisect import bisect_left
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from core import db
from core.inventory import facet_bits, generation, lexicon, search
from core.inventory.hsds_store import service_stamps

if TYPE_CHECKING:
    from core.inventory.lexicon import Concept, Expansion, Words

# A term held by more than one id in DENSE is a bitmap: smaller than its ids as 4 bytes each.
DENSE = 32
BATCH = 5000  # documents read per statement
RECENT_AT_LEAST = 500  # recent documents kept beside the large index before reading it all
RECENT_SHARE = 50  # ... or up to one service in RECENT_SHARE, for a large inventory
DATABASES = 4  # databases whose terms one process keeps (tests open many)
_LAST_TERM = chr(0x10FFFF)
PAIR = "zp"  # how a pair of words begins (search.pair_token)


# --- terms ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """Each term's ids in one kind of document (whole documents, or names)."""

    ordered: list[str]
    postings: dict[str, int | array]

    @classmethod
    def of(cls, postings: dict[str, list[int]], largest: int) -> Terms:
        dense = max(largest // DENSE, 1)
        return cls(
            ordered=sorted(postings),
            postings={
                term: facet_bits.of(ids) if len(ids) >= dense else array("i", ids)
                for term, ids in postings.items()
            },
        )

    def gather(self, union: _Union, term: str, prefix: bool) -> None:
        """Add the ids of ``term`` to ``union`` (``prefix``: of every term it begins)."""
        if not prefix:
            found = self.postings.get(term)
            if found is not None:
                union.add(found)
            return
        start = bisect_left(self.ordered, term)
        end = bisect_left(self.ordered, term + _LAST_TERM, start)
        for each in self.ordered[start:end]:
            union.add(self.postings[each])

    def matching(self, expansion: Expansion, typed_only: bool) -> int:
        """The ids whose document matches ``expansion`` as ``search.expression`` asks the
        database: every concept, each as the words typed (each a prefix) or one of its
        synonyms or codes."""
        matched = -1  # every id, until the first concept
        for concept in expansion.concepts:
            matched &= self._concept(concept, typed_only)
            if not matched:
                return 0
        return max(matched, 0)

    def _concept(self, concept: Concept, typed_only: bool) -> int:
        union = _Union()
        self._all_of(union, [(word, True) for word in concept.typed])
        if not typed_only:
            for synonym in concept.synonyms:
                looked_up, prefix = search.looked_up(synonym)
                last = len(looked_up) - 1
                self._all_of(
                    union, [(word, prefix and i == last) for i, word in enumerate(looked_up)]
                )
            for token in concept.tokens:
                self.gather(union, token, prefix=False)
        return union.bitmap()

    def _all_of(self, union: _Union, wanted: list[tuple[str, bool]]) -> None:
        """Add to ``union`` the ids that hold every one of ``wanted`` (term, prefix)."""
        if len(wanted) == 1:
            self.gather(union, *wanted[0])
            return
        every = -1
        for term, prefix in wanted:
            own = _Union()
            self.gather(own, term, prefix)
            every &= own.bitmap()
            if not every:
                return
        union.bits |= max(every, 0)


class _Union:
    """Ids gathered from many terms: the rare terms' ids made into one bitmap at the end
    (making one costs a walk over every id up to the largest, so it is made once), the
    common terms' bitmaps ORed."""

    __slots__ = ("bits", "ids")

    def __init__(self) -> None:
        self.bits = 0
        self.ids: list[int] = []

    def add(self, posting: int | array) -> None:
        if isinstance(posting, int):
            self.bits |= posting
        else:
            self.ids.extend(posting)

    def bitmap(self) -> int:
        return self.bits | facet_bits.of(self.ids) if self.ids else self.bits


def _postings(rows: Iterable[tuple[int, str]]) -> tuple[dict, dict, int]:
    """Each term's ids from (rowid, document) rows: whole documents at the services' ids,
    names at minus them (core.inventory.search); and the largest id."""
    documents: dict[str, list[int]] = defaultdict(list)
    names: dict[str, list[int]] = defaultdict(list)
    whole, _beginnings, starts = _pairs_asked()
    largest = 0
    for rowid, document in rows:
        kind, ident = (documents, rowid) if rowid > 0 else (names, -rowid)
        largest = max(largest, ident)
        plain, _apart, pairs = document.partition(search.PAIRS_FOLLOW)
        terms = set(plain.split())
        if pairs:
            among = set(pairs.split())
            terms |= among & whole
            for beginning in starts:
                if beginning in pairs:
                    terms.update(pair for pair in among if pair.startswith(beginning))
        for term in terms:
            kind[term].append(ident)
    return documents, names, largest


# Every pair of words that follow each other in a text is a term of the documents, so that a
# synonym of several words is found by the index (search.pair_token): at 50,000 services of
# real, varied text they would be millions of distinct terms, each costing about 280 bytes
# kept. Only the synonyms ask for pairs, so only the pairs they can ask for are kept; a
# search that asks for another (a changed synonyms file, a typed "zp…") asks the database.


@functools.cache
def _pairs_asked() -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    """(the pairs the synonyms ask for whole, those they ask for as beginnings, the latter
    as a tuple for str.startswith), from the synonyms file (read once per process)."""
    whole: set[str] = set()
    beginnings: set[str] = set()
    for subject in lexicon.synonyms().subjects:
        for term in subject.terms:
            whole_pairs, beginning = _pairs_of(term.words)
            whole.update(whole_pairs)
            if beginning:
                beginnings.add(beginning)
    return frozenset(whole), frozenset(beginnings), tuple(sorted(beginnings))


def _pairs_of(synonym: Words) -> tuple[list[str], str | None]:
    """The pairs ``synonym`` is looked up by, asked whole, and the last one when it is asked
    as a beginning (a synonym that may go on)."""
    if len(synonym.words) < 2 or search.phrase_tokens(synonym.words) is None:
        return [], None
    pairs, prefix = search.looked_up(synonym)
    return (pairs[:-1], pairs[-1]) if prefix else (pairs, None)


def _answers(expansion: Expansion) -> bool:
    """Whether the kept terms hold everything ``expansion`` asks for."""
    whole, beginnings, _starts = _pairs_asked()
    for concept in expansion.concepts:
        # A word typed as a beginning of pairs ("z", "zp", "zpwerk…") would find them all.
        if any(word.startswith(PAIR) or PAIR.startswith(word) for word in concept.typed):
            return False
        for synonym in concept.synonyms:
            pairs, beginning = _pairs_of(synonym)
            if not whole.issuperset(pairs) or (beginning and beginning not in beginnings):
                return False
    return True


# --- what a process keeps ------------------------------------------------------------------


@dataclass(frozen=True)
class Kept:
    """The terms of one database at one generation of its inventory."""

    generation: int
    stamps: dict[int, int]  # each service's stamp when its documents were read
    largest: int  # the largest service id read
    documents: Terms
    names: Terms
    recent: dict[int, tuple[str | None, str | None]]  # id -> (document, names) read since
    recent_documents: Terms
    recent_names: Terms
    changed: int  # the ids of ``recent``: the large index no longer answers for them

    def matching(self, expansion: Expansion, names: bool, typed_only: bool) -> int:
        large, recent = (
            (self.names, self.recent_names) if names else (self.documents, self.recent_documents)
        )
        found = large.matching(expansion, typed_only)
        if self.changed:
            found = (found & ~self.changed) | recent.matching(expansion, typed_only)
        return found


_kept: OrderedDict[str, Kept] = OrderedDict()
_lock = threading.Lock()


def kept(session: Session) -> Kept:
    """The terms of the session's database as of its inventory's current generation. Never
    for a transaction that changed the inventory: what it reads may still roll back."""
    now = generation.current(session)  # flushes what is pending, which may count a change
    if generation.changed_here(session):
        raise ValueError("a transaction that changed the inventory asks the database")
    address = str(session.get_bind().url)
    with _lock:
        found = _kept.get(address)
        if found is None or found.generation != now:
            # An older counter than the one kept: another request's older snapshot, or
            # another database at the same address (re-created): everything is read again.
            older = found is None or now < found.generation
            found = _read_all(session, now) if older else _caught_up(session, found, now)
            _kept[address] = found
        _kept.move_to_end(address)
        while len(_kept) > DATABASES:
            _kept.popitem(last=False)
        return found


def clear() -> None:
    """Forget every database's terms (tests that change documents behind the counter)."""
    with _lock:
        _kept.clear()


def _stamps(session: Session) -> dict[int, int]:
    rows = db.plain_rows(
        session.connection(), select(service_stamps.c.service_id, service_stamps.c.stamp)
    )
    return dict(rows)


def _read_all(session: Session, now: int) -> Kept:
    stamps = _stamps(session)  # before the documents: see the module's docstring
    documents, names, largest = _postings(_every_document(session))
    empty = Terms(ordered=[], postings={})
    return Kept(
        generation=now,
        stamps=stamps,
        largest=largest,
        documents=Terms.of(documents, largest),
        names=Terms.of(names, largest),
        recent={},
        recent_documents=empty,
        recent_names=empty,
        changed=0,
    )


def _every_document(session: Session) -> Iterable[tuple[int, str]]:
    """Every row of the index but the format's, a batch at a time in rowid order (names
    first, at negative rowids)."""
    connection = session.connection()
    statement = text(
        "SELECT rowid, document FROM service_search WHERE rowid > :after AND rowid <> 0 "
        "ORDER BY rowid LIMIT :size"
    )
    after = -(2**62)
    while True:
        rows = db.plain_rows(connection, statement.bindparams(after=after, size=BATCH))
        yield from rows
        if len(rows) < BATCH:
            return
        after = rows[-1][0]


def _caught_up(session: Session, before: Kept, now: int) -> Kept:
    """``before`` with the documents of the services whose stamp moved read again."""
    stamps = _stamps(session)
    moved = [ident for ident, stamp in stamps.items() if before.stamps.get(ident) != stamp]
    recent = dict(before.recent)
    if len(recent) + len(moved) > max(RECENT_AT_LEAST, len(stamps) // RECENT_SHARE):
        return _read_all(session, now)
    if not moved:
        return replace(before, generation=now, stamps=stamps)
    for ident, document, names in _documents_of(session, moved):
        recent[ident] = (document, names)
    rows = [
        row
        for ident, (document, names) in recent.items()
        for row in ((ident, document), (-ident, names))
        if row[1] is not None
    ]
    documents, names, largest = _postings(rows)
    largest = max(before.largest, largest)
    return replace(
        before,
        generation=now,
        stamps=stamps,
        recent=recent,
        recent_documents=Terms.of(documents, largest),
        recent_names=Terms.of(names, largest),
        changed=facet_bits.of(recent),
    )


def _documents_of(
    session: Session, idents: list[int]
) -> Iterable[tuple[int, str | None, str | None]]:
    """(id, document, names) of each of ``idents``, None for a document it has not."""
    statement = text(
        "SELECT rowid, document FROM service_search WHERE rowid IN :rowids"
    ).bindparams(bindparam("rowids", expanding=True))
    connection = session.connection()
    for start in range(0, len(idents), BATCH // 2):
        batch = idents[start : start + BATCH // 2]
        found = dict(
            connection.execute(statement, {"rowids": [*batch, *(-i for i in batch)]}).all()
        )
        for ident in batch:
            yield ident, found.get(ident), found.get(-ident)


# --- searching -----------------------------------------------------------------------------


def look_up(session: Session, expansion: Expansion, ranked: bool = False) -> search.Found:
    """What ``search.look_up`` answers, from the terms this process keeps; from the
    database for a transaction that changed the inventory (its changes flushed first) and
    for what the kept terms leave out (``_answers``)."""
    generation.flush_pending(session)
    if generation.changed_here(session) or not _answers(expansion):
        return search.look_up(session, expansion, ranked)
    terms = kept(session)
    dialect = session.get_bind().dialect.name
    found = terms.matching(expansion, names=False, typed_only=False)
    if not ranked:
        return search.Found(dialect=dialect, bitmap=found)
    # As search.look_up: names as typed; names with synonyms when synonyms were added.
    synonyms = expansion.has_synonyms
    return search.Found(
        dialect=dialect,
        bitmap=found,
        names_as_typed=terms.matching(expansion, names=True, typed_only=synonyms),
        names=terms.matching(expansion, names=True, typed_only=False) if synonyms else 0,
    )
