"""The search's terms kept by each process (core.inventory.term_bits) answer every search as
the database's full-text index does, on SQLite and PostgreSQL; a committed change shows at
once, read again alone, a rolled-back one never, even when it was not yet flushed when the
search began; many changes read everything again, and so does a rebuild of the documents,
for services without a stamp too; only the pairs of words the synonyms ask for are kept, and
a search for another asks the database; a bitmap's ids come back the same whether few or
many."""

from __future__ import annotations

import random
import tomllib
from array import array
from pathlib import Path

import pytest
from sqlalchemy import select, text

from core.inventory import facet_bits, lexicon, search, term_bits
from core.inventory.finding import Filters
from core.inventory.hsds_store import service_stamps
from core.inventory.models import Service
from core.inventory.synthetic import seed_synthetic
from tests.conftest import make_app

QUERIES = tomllib.loads((Path(__file__).with_name("search_queries.toml")).read_text("utf-8"))
# Beside the everyday searches: a phrase synonym, words typed together, a word with a digit,
# a beginning of many words, codes' words, a word nobody wrote.
MORE = [
    "formation professionnelle",
    "community service",
    "drug preventie vrouwen",
    "3",
    "a",
    "wer",
    "haren frans",
    "zzzonbekendzz",
    "zpgeestelijke0gezondheid",  # a pair typed: the kept terms leave most out, so the database
    "z",
]


@pytest.fixture
def terms_app(database_url, providers):
    application = make_app(database_url, **providers.settings())
    term_bits.clear()
    yield application
    term_bits.clear()
    application.extensions["concerto.db"].engine.dispose()


def _vocabulary(app):
    return lexicon.vocabulary_of(app.extensions["concerto.registry"])


def _answers(session, vocabulary, query: str, ranked: bool) -> tuple:
    expansion = Filters(query=query, vocabulary=vocabulary).expansion(session)
    kept = term_bits.look_up(session, expansion, ranked=ranked)
    asked = search.look_up(session, expansion, ranked=ranked)
    return kept, asked


def _finds(app, query: str) -> set[int]:
    """The services the kept terms find for ``query``, checked against the database's
    answer (names as typed and with synonyms too)."""
    with app.extensions["concerto.db"].session() as session:
        kept, asked = _answers(session, _vocabulary(app), query, ranked=True)
        assert (kept.bitmap, kept.names_as_typed, kept.names) == (
            asked.bitmap,
            asked.names_as_typed,
            asked.names,
        ), query
        return set(kept.service_ids)


def _rename(writer, ident: int, name: str) -> None:
    """Give service ``ident`` the Dutch name ``name`` in ``writer``'s transaction, and its
    documents, as the services' forms do."""
    service = writer.get(Service, ident)
    service.name_nl = name
    writer.flush()
    search.index(writer, service)


def _renamed(database, ident: int, name: str) -> None:
    """``_rename``, committed."""
    with database.session() as writer:
        _rename(writer, ident, name)


def test_the_kept_terms_answer_every_search_as_the_database_does(terms_app):
    database = terms_app.extensions["concerto.db"]
    with terms_app.app_context(), database.session() as session:
        seed_synthetic(session, terms_app.extensions["concerto.registry"], 300)
        session.commit()
    vocabulary = _vocabulary(terms_app)
    queries = [item["q"] for lang in ("nl", "fr", "en") for item in QUERIES[lang]] + MORE
    found = named = 0
    with database.session() as session:
        for query in queries:
            for ranked in (True, False):
                kept, asked = _answers(session, vocabulary, query, ranked)
                assert (kept.bitmap, kept.names_as_typed, kept.names) == (
                    asked.bitmap,
                    asked.names_as_typed,
                    asked.names,
                ), (query, ranked)
                found += kept.bitmap.bit_count()
                named += kept.names_as_typed.bit_count()
        terms = term_bits.kept(session)
    assert found > 1000 and named > 50  # the searches found something to compare
    # Both kinds of posting were asked: common terms as bitmaps, rare ones as ids.
    kinds = {type(posting) for posting in terms.documents.postings.values()}
    assert kinds == {int, array}


def test_a_committed_change_shows_at_once_and_a_rolled_back_one_never(terms_app):
    database = terms_app.extensions["concerto.db"]
    with database.session() as session:
        service = session.scalars(select(Service).order_by(Service.id)).first()
        ident, old_word = service.id, search.words(service.name_nl)[0]
    assert ident in _finds(terms_app, old_word)
    assert not _finds(terms_app, "zonnebloemveld")  # the terms are kept from here on

    with database.session() as writer:
        _rename(writer, ident, "Zonnebloemveld")
        # Its own transaction sees what it wrote (asked of the database).
        expansion = Filters(query="zonnebloemveld", vocabulary=_vocabulary(terms_app))
        assert term_bits.look_up(writer, expansion.expansion(writer)).service_ids == [ident]
    assert _finds(terms_app, "zonnebloemveld") == {ident}
    _finds(terms_app, old_word)  # as the database answers: the old name no longer holds it
    with database.session() as session:
        kept = term_bits.kept(session)
        assert ident in kept.recent  # read again alone, not everything
        assert kept.documents.postings  # the large index is the one read before

    with database.session() as writer:
        _rename(writer, ident, "Maanlichtveld")
        writer.rollback()
    assert not _finds(terms_app, "maanlichtveld")
    assert _finds(terms_app, "zonnebloemveld") == {ident}


def test_many_changes_read_every_document_again(terms_app, monkeypatch):
    database = terms_app.extensions["concerto.db"]
    monkeypatch.setattr(term_bits, "RECENT_AT_LEAST", 2)
    monkeypatch.setattr(term_bits, "RECENT_SHARE", 10**9)
    assert not _finds(terms_app, "kwartsveld")
    with database.session() as writer:
        services = writer.scalars(select(Service).order_by(Service.id).limit(3)).all()
        for service in services:
            service.name_nl = f"Kwartsveld {service.id}"
        writer.flush()
        search.index_many(writer, services)
        changed = {service.id for service in services}
    assert _finds(terms_app, "kwartsveld") == changed
    with database.session() as session:
        kept = term_bits.kept(session)
        assert kept.recent == {} and not kept.changed  # everything was read again


@pytest.mark.parametrize("count", [0, 1, 7, 300, 5000, 40000])
def test_a_bitmap_gives_back_its_ids_whether_few_or_many(count):
    ids = sorted(random.Random(count).sample(range(50_000), count))
    assert facet_bits.members(facet_bits.of(ids)) == ids


def _search(app, query: str) -> tuple[list[int], list[int]]:
    """(what the kept terms find, what the database finds) for ``query``."""
    with app.extensions["concerto.db"].session() as session:
        expansion = Filters(query=query, vocabulary=_vocabulary(app)).expansion(session)
    with app.extensions["concerto.db"].session() as session:
        kept = term_bits.look_up(session, expansion).service_ids
        return kept, search.look_up(session, expansion).service_ids


def test_a_change_not_yet_flushed_is_never_kept_nor_a_later_commit_missed(terms_app):
    database = terms_app.extensions["concerto.db"]
    vocabulary = _vocabulary(terms_app)
    with database.session() as session:
        first, second = session.scalars(select(Service.id).order_by(Service.id).limit(2)).all()
        term_bits.kept(session)
    with database.session() as writer:
        service = writer.get(Service, first)
        assert service.locations is not None  # loaded now: indexing it flushes nothing
        service.name_nl = "Maanlichtveld"
        search.index(writer, service)  # through the connection: the change is not flushed
        moon = Filters(query="maanlichtveld", vocabulary=vocabulary).expansion(writer)
        assert term_bits.look_up(writer, moon).service_ids == [first]  # its own change
        with pytest.raises(ValueError):
            term_bits.kept(writer)  # what a changing transaction reads is never kept
        writer.rollback()
    assert _search(terms_app, "maanlichtveld") == ([], [])
    # The same service changed for real: the stamp and counter the rollback undid.
    _renamed(database, first, "Zonnebloemveld")
    assert _search(terms_app, "zonnebloemveld") == ([first], [first])
    _renamed(database, second, "Kwartsveld")
    assert _search(terms_app, "zonnebloemveld") == ([first], [first])


def test_a_rebuild_is_read_again_for_a_service_without_a_stamp(terms_app):
    # A service written before its stamp was kept (migration 0031) has none until it changes.
    database = terms_app.extensions["concerto.db"]
    with database.session() as session:
        ident = session.scalars(select(Service.id).order_by(Service.id)).first()
        session.execute(service_stamps.delete().where(service_stamps.c.service_id == ident))
        # Its documents as another format wrote them, with a word its texts do not hold.
        search.store_rows(
            session.connection(), [(-ident, "weidebloemveld"), (ident, "weidebloemveld")]
        )
    assert _search(terms_app, "weidebloemveld") == ([ident], [ident])
    with database.session() as session:
        search.rebuild(session)  # `concerto db upgrade` after the documents change shape
    assert _search(terms_app, "weidebloemveld") == ([], [])


def test_only_the_pairs_the_synonyms_ask_for_are_kept(terms_app):
    with terms_app.extensions["concerto.db"].session() as session:
        terms = term_bits.kept(session)
    whole, beginnings, _starts = term_bits._pairs_asked()
    pairs = {
        term
        for kind in (terms.documents, terms.names)
        for term in kind.postings
        if term.startswith(term_bits.PAIR)
    }
    assert pairs and pairs <= whole | {p for p in pairs if p.startswith(tuple(beginnings))}
    with terms_app.extensions["concerto.db"].session() as session:
        every = session.execute(text("SELECT document FROM service_search WHERE rowid > 0"))
        written = {w for (document,) in every for w in document.split() if w.startswith("zp")}
    assert len(written) > 5 * len(pairs)  # most pairs of the texts are left out
    # A phrase synonym is still found by its pair, as the database finds it.
    kept, asked = _search(terms_app, "geestelijke gezondheid")
    assert kept == asked and kept
